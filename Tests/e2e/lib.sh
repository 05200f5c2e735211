# Shared helpers for the end-to-end scripts: assertions that count, and a local base image.
# Needs DOCKER_HOST pointing at an engine (scripts/e2e sets it) and LAYERPIN (the binary); DOCKER
# names the docker CLI (default Debian 12's, 20.10) and COMPOSE the compose that runs projects
# (default docker-compose 1.29; `docker compose` for v2): `scripts/engine env current` sets both.
passed=0
failed=0
docker=${DOCKER:-/usr/bin/docker}
compose_cli=${COMPOSE:-docker-compose}
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

# The revision of the stand-in base images below: an image of an older one is made again.
rootfs_revision=2

# image_current NAME: the engine holds NAME, made by this revision of lib.sh.
image_current() {
    [ "$($docker image inspect -f '{{index .Config.Labels "io.layerpin.e2e.rootfs"}}' "$1" 2>/dev/null)" = "$rootfs_revision" ]
}

# layerpin-e2e/busybox, a base image made from Debian's busybox-static (nothing can be pulled),
# with the directories every real root file system has (/dev, /etc, /proc, /sys): a RUN step
# leaves them behind as mount points where a base lacks them.
# (`busybox --list` names busybox itself: linking that over the binary would leave a self-loop.)
base_image() {
    image_current layerpin-e2e/busybox && return 0
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/dev" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys"
    cp /bin/busybox "$rootfs/bin/"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    tar -C "$rootfs" -c . | $docker import -c "LABEL io.layerpin.e2e.rootfs=$rootfs_revision" - layerpin-e2e/busybox >/dev/null
    rm -rf "$rootfs"
}

# layerpin-e2e/python: a python:3.11-slim stand-in made from Debian's python3.11 and pip and
# busybox-static (nothing can be pulled). Only the interpreter, its standard library, the shared
# libraries they need, and pip (no other site packages, so an import proves an install).
python_image() {
    image_current layerpin-e2e/python && return 0
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/dev" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/usr/bin" "$rootfs/usr/lib/python3/dist-packages" "$rootfs/root"
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
    tar -C "$rootfs" -c . | $docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
        -c "LABEL io.layerpin.e2e.rootfs=$rootfs_revision" - layerpin-e2e/python >/dev/null
    rm -rf "$rootfs"
}

# layerpin-e2e/node: a node:20-slim stand-in made from the machine's own node and npm and
# busybox-static (nothing can be pulled): the node binary with its shared libraries, and npm's
# JavaScript wherever the distribution keeps it (NodeSource: /usr/lib/node_modules; Debian:
# /usr/share/nodejs with npm's dependencies).
node_image() {
    image_current layerpin-e2e/node && return 0
    node=$(command -v node) && npm_cli=$(readlink -f "$(command -v npm)") || return 1
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/dev" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/usr/bin" "$rootfs/root"
    cp /bin/busybox "$rootfs/bin/"
    for applet in $("$rootfs/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
    done
    cp -L "$node" "$rootfs/usr/bin/node"
    for tree in /usr/lib/node_modules /usr/share/nodejs /usr/lib/nodejs; do
        [ -d "$tree" ] && { tar -C / -cf - "${tree#/}" | tar -C "$rootfs" -xf -; }
    done
    printf '#!/bin/sh\nexec node %s "$@"\n' "$npm_cli" > "$rootfs/usr/bin/npm"
    chmod 755 "$rootfs/usr/bin/npm"
    ldd "$node" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | sort -u | while read -r library; do
        mkdir -p "$rootfs$(dirname "$library")"
        cp -L "$library" "$rootfs$library"
    done
    [ -e "$rootfs/lib64" ] || ln -s lib "$rootfs/lib64" 2>/dev/null || true
    tar -C "$rootfs" -c . | $docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'ENV HOME=/root' \
        -c "LABEL io.layerpin.e2e.rootfs=$rootfs_revision" - layerpin-e2e/node >/dev/null
    rm -rf "$rootfs"
}

# arm64_emulation: qemu-user-static's qemu-aarch64 registered in binfmt_misc with the F flag (the
# kernel opens the emulator when it is registered, so it runs inside containers too), mounting
# binfmt_misc and registering it when they are not. Fails with skip_reason set when it cannot.
arm64_emulation() {
    binfmt=/proc/sys/fs/binfmt_misc
    if [ ! -e "$binfmt/register" ] && ! mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null; then
        skip_reason="binfmt_misc is not mounted at $binfmt and cannot be mounted here"
        return 1
    fi
    if [ ! -e "$binfmt/qemu-aarch64" ]; then
        conf=/usr/lib/binfmt.d/qemu-aarch64.conf
        if [ ! -r "$conf" ]; then
            skip_reason="no $conf: qemu-user-static is not installed (make e2e-deps)"
            return 1
        fi
        # The other generation's suite may register it at the same moment: EEXIST is no failure.
        cat "$conf" > "$binfmt/register" 2>/dev/null || [ -e "$binfmt/qemu-aarch64" ] || {
            skip_reason="cannot register qemu-aarch64 in $binfmt (not root, or a container without the privilege)"
            return 1
        }
    fi
    if ! grep -q '^enabled' "$binfmt/qemu-aarch64"; then
        skip_reason="qemu-aarch64 is registered in $binfmt but disabled"
        return 1
    fi
    if ! grep -q '^flags:.*F' "$binfmt/qemu-aarch64"; then
        skip_reason="qemu-aarch64 is registered without the F flag: a container cannot find the emulator"
        return 1
    fi
}

# The stand-in Raspberry Pi OS (bookworm arm64) root file system, as a tar: Debian bookworm's
# arm64 minbase with python3, pip and busybox-static, fetched and checked against the archive's
# signed Release by `debootstrap --download-only`, each package unpacked with dpkg-deb. The
# emulated second stage of debootstrap (5.5 minutes here) would add only what maintainer scripts
# make; the few a base image needs are made here: the awk and which alternatives, /etc/passwd
# and /etc/group. Made once per machine (both generations' suites share it, one at a time).
arm64_rootfs_revision=1
arm64_rootfs() {
    cache=/var/tmp/layerpin-e2e
    mkdir -p "$cache"
    arm64_rootfs_tar=$cache/bookworm-arm64-python-r$arm64_rootfs_revision.tar
    (
        flock 9
        [ -s "$arm64_rootfs_tar" ] && exit 0
        build=$(mktemp -d "$cache/arm64.XXXXXX")
        debootstrap --arch=arm64 --variant=minbase --include=python3,python3-pip,busybox-static \
            --download-only bookworm "$build/debootstrap" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
            > "$build/debootstrap.log" 2>&1 || { tail -n 5 "$build/debootstrap.log" >&2; rm -rf "$build"; exit 1; }
        mkdir "$build/root"
        for package in "$build"/debootstrap/var/cache/apt/archives/*.deb; do
            dpkg-deb -x "$package" "$build/root" || exit 1
        done
        root=$build/root
        ln -sf mawk "$root/usr/bin/awk"
        ln -sf which.debianutils "$root/usr/bin/which"
        cp "$root/usr/share/base-passwd/passwd.master" "$root/etc/passwd"
        cp "$root/usr/share/base-passwd/group.master" "$root/etc/group"
        rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED # a stand-in image: pip installs into it
        tar -C "$root" --sort=name -cf "$build/rootfs.tar" . && mv "$build/rootfs.tar" "$arm64_rootfs_tar"
        rm -rf "$build"
    ) 9> "$cache/arm64.lock"
}

# layerpin-e2e/python-arm64: the stand-in Raspberry Pi OS image (arm64_rootfs), loaded as a
# linux/arm64 image. (`docker import --platform` records it on current Docker only; 20.10 keeps
# the host's architecture.)
python_arm64_image() {
    image_current layerpin-e2e/python-arm64 && return 0
    arm64_rootfs || return 1
    archive=$(mktemp)
    python3 "$here/image-from-rootfs.py" "$arm64_rootfs_tar" layerpin-e2e/python-arm64:latest linux/arm64 "$archive" \
        PATH=/usr/local/bin:/usr/bin:/bin HOME=/root "LABEL:io.layerpin.e2e.rootfs=$rootfs_revision" &&
        $docker load -i "$archive" > /dev/null
    status=$?
    rm -f "$archive"
    return $status
}

# app_compose_file: docker-compose.yml in the current directory with the sample app as service
# `app`, built and run without a network, kept running after it prints its line.
app_compose_file() {
    cat > docker-compose.yml <<'YAML'
services:
  app:
    build:
      context: .
      network: none
    network_mode: none
    command: ["sh", "-c", "python src/app/main.py && exec sleep 600"]
YAML
}

# python_app DIR [IMAGE]: the sample app in DIR, its dependency in a local wheelhouse (PyPI is
# reachable when the test is prepared; the builds themselves run with --network=none), its
# layerpin.yaml pointing at the stand-in base image, and the Dockerfile layerpin renders.
python_app() {
    cp -r "$here/../../Fixtures/python-app" "$1"
    (
        cd "$1" || exit 1
        python3 -m pip download --quiet --no-deps --only-binary=:all: -d wheels six==1.16.0 >/dev/null 2>&1 \
            || python3 -m pip download --quiet --no-deps -d wheels six==1.16.0
        "$LAYERPIN" init >/dev/null
        cat > layerpin.yaml <<YAML
ecosystem: python
base: layerpin-e2e/python
workdir: /app
groups:
  deps: [requirements.txt, constraints.txt, requirements/, wheels/]
install: pip install --no-index --find-links wheels -r requirements.txt
command: ["python", "src/app/main.py"]
${2:+image: $2}
YAML
        "$LAYERPIN" dockerfile -o Dockerfile
    )
}
