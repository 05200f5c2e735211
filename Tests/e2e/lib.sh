# Shared helpers for the end-to-end scripts: assertions that count, and a local base image.
# Needs DOCKER_HOST pointing at an engine (scripts/e2e sets it) and LAYERPIN (the binary).
passed=0
failed=0
docker=/usr/bin/docker
export DOCKER_BUILDKIT=1 LAYERPIN_DOCKER=$docker

pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
# check NAME COMMAND...: passes when the command succeeds
check() {
    name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# layerpin-e2e/busybox, a base image made from Debian's busybox-static (nothing can be pulled).
# (`busybox --list` names busybox itself: linking that over the binary would leave a self-loop.)
base_image() {
    $docker image inspect layerpin-e2e/busybox >/dev/null 2>&1 && return 0
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp"
    cp /bin/busybox "$rootfs/bin/"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    tar -C "$rootfs" -c . | $docker import - layerpin-e2e/busybox >/dev/null
    rm -rf "$rootfs"
}

# layerpin-e2e/python: a python:3.11-slim stand-in made from Debian's python3.11 and pip and
# busybox-static (nothing can be pulled). Only the interpreter, its standard library, the shared
# libraries they need, and pip (no other site packages, so an import proves an install).
python_image() {
    $docker image inspect layerpin-e2e/python >/dev/null 2>&1 && return 0
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/usr/bin" "$rootfs/usr/lib/python3/dist-packages" "$rootfs/root"
    cp /bin/busybox "$rootfs/bin/"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    cp /usr/bin/python3.11 "$rootfs/usr/bin/"
    ln -s python3.11 "$rootfs/usr/bin/python3"
    ln -s python3.11 "$rootfs/usr/bin/python"
    tar -C / --exclude='usr/lib/python3.11/test' --exclude='*/__pycache__' -cf - usr/lib/python3.11 | tar -C "$rootfs" -xf -
    rm -f "$rootfs/usr/lib/python3.11/EXTERNALLY-MANAGED"  # a stand-in image, not Debian's system python
    cp -r /usr/lib/python3/dist-packages/pip "$rootfs/usr/lib/python3/dist-packages/"
    printf '#!/bin/sh\nexec python3 -m pip "$@"\n' > "$rootfs/usr/bin/pip"
    chmod 755 "$rootfs/usr/bin/pip"
    # The shared libraries of the interpreter and of its extension modules, with the loader.
    for object in /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so; do
        ldd "$object" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'
    done | sort -u | while read -r library; do
        mkdir -p "$rootfs$(dirname "$library")"
        cp -L "$library" "$rootfs$library"
    done
    [ -e "$rootfs/lib64" ] || ln -s lib "$rootfs/lib64" 2>/dev/null || true
    tar -C "$rootfs" -c . | $docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - layerpin-e2e/python >/dev/null
    rm -rf "$rootfs"
}
