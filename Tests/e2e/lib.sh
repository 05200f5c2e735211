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
