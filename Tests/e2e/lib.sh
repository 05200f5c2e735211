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
