#!/bin/sh
# The invariant, tested by difference: for each Dockerfile shape (every Fixtures/layouts case, the
# shapes below and the sample Python app), three images are built on the real engine from the same directory:
#   user     docker build -f <the user's Dockerfile>, kept outside the directory
#   pinned   docker build of the file `layerpin dockerfile --from` wrote, from the directory
#   layerpin layerpin build of that file (layerpin's own archive as the context)
# and read back with `docker save` through layerpin's image reader (layerpin-image-tree). Apart
# from /etc/layerpin, the three must hold exactly the same paths, kinds, content, exec bits and
# symlink targets; any difference is a bug in layerpin. The layerpin image must then verify.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tree_tool=${LAYERPIN_IMAGE_TREE:-$(dirname "$LAYERPIN")/layerpin-image-tree}
if [ ! -x "$tree_tool" ]; then
    echo "FAIL no layerpin-image-tree next to $LAYERPIN (swift build makes it; or set LAYERPIN_IMAGE_TREE)"
    exit 1
fi
base_image
work=$(mktemp -d)
images=""
trap 'rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT

# listing IMAGE FILE: the image's file system, one entry a line, without layerpin's own directory.
listing() {
    $docker save "$1" -o "$work/save.tar" && "$tree_tool" "$work/save.tar" >"$work/listing.all" \
        && LC_ALL=C grep -v -e ' /etc/layerpin$' -e ' /etc/layerpin/' "$work/listing.all" >"$2"
    status=$?
    rm -f "$work/save.tar"
    [ "$status" -le 1 ]
}

# compare CASE DIR USER-DOCKERFILE [TARGET]: the three builds, their listings compared.
compare() {
    case_name=$1 dir=$2 user_file=$3 target=${4:-}
    set -- --network=none
    [ -n "$target" ] && set -- "$@" --target "$target"
    (cd "$dir" && "$LAYERPIN" dockerfile --from "$user_file" ${target:+--target "$target"} -o Dockerfile \
        && "$LAYERPIN" plan ${target:+--target "$target"}) >"$work/pin.log" 2>&1 || { fail "$case_name: pins and plans ($(tail -n 3 "$work/pin.log"))"; return; }
    user_id=$($docker build -q "$@" -f "$user_file" "$dir" 2>"$work/build.log") \
        || { fail "$case_name: the user's Dockerfile builds ($(tail -n 3 "$work/build.log"))"; return; }
    pinned_id=$($docker build -q "$@" "$dir" 2>"$work/build.log") \
        || { fail "$case_name: the pinned Dockerfile builds with docker build ($(tail -n 5 "$work/build.log"))"; return; }
    layerpin_tag=$(cd "$dir" && "$LAYERPIN" build ${target:+--target "$target"} -- --network=none 2>"$work/build.log" | head -n 1)
    [ -n "$layerpin_tag" ] \
        || { fail "$case_name: layerpin build ($(grep -v '^#' "$work/build.log" | tail -n 5))"; return; }
    images="$images $user_id $pinned_id $layerpin_tag"
    listing "$user_id" "$work/user.list" && listing "$pinned_id" "$work/pinned.list" \
        && listing "$layerpin_tag" "$work/layerpin.list" \
        || { fail "$case_name: the images read back"; return; }
    if diff -u --label user --label pinned "$work/user.list" "$work/pinned.list" >"$work/diff"; then
        pass "$case_name: pinning changed no file of the image ($(wc -l <"$work/user.list") entries)"
    else
        fail "$case_name: pinning changed files of the image"
        sed -n '3,22s/^/    /p' "$work/diff"
    fi
    if diff -u --label "docker build" --label "layerpin build" "$work/pinned.list" "$work/layerpin.list" >"$work/diff"; then
        pass "$case_name: layerpin build gives the image docker build gives"
    else
        fail "$case_name: layerpin build differs from docker build"
        sed -n '3,22s/^/    /p' "$work/diff"
    fi
    out=$(cd "$dir" && "$LAYERPIN" verify --image "$layerpin_tag" 2>&1)
    case "$out" in
    ok:*) pass "$case_name: the layerpin image verifies" ;;
    *) fail "$case_name: verify --image (got: $(printf '%s' "$out" | head -n 5))" ;;
    esac
}

# Every layout fixture: its context (each file holding "content of PATH"), FROM base on busybox.
for fixture in "$here"/../../Fixtures/layouts/*/; do
    name=$(basename "$fixture")
    dir=$work/$name
    mkdir -p "$dir"
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        case $line in */) mkdir -p "$dir/$line"; continue ;; esac
        mkdir -p "$(dirname "$dir/$line")"
        printf 'content of %s\n' "$line" >"$dir/$line"
    done <"$fixture/tree"
    sed 's#^FROM base#FROM layerpin-e2e/busybox#' "$fixture/Dockerfile" >"$work/$name.Dockerfile"
    target=""
    [ -f "$fixture/target" ] && target=$(cat "$fixture/target")
    compare "$name" "$dir" "$work/$name.Dockerfile" "$target"
done

# shape NAME: a directory of its own with requirements.txt, app.py and lib/util.py; the user's
# Dockerfile is read from standard input.
shape() {
    dir=$work/shape-$1
    mkdir -p "$dir/lib"
    printf 'six\n' >"$dir/requirements.txt"
    printf 'print(1)\n' >"$dir/app.py"
    printf 'x = 1\n' >"$dir/lib/util.py"
    cat >"$work/shape-$1.Dockerfile"
}

# An install that writes into the application directory before the COPY and a build after it.
shape install-writes-into-app <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /app
COPY requirements.txt .
RUN mkdir -p node_modules/six && cp requirements.txt node_modules/six/index.js
COPY . .
RUN mkdir dist && cat app.py lib/util.py > dist/bundle.js && rm lib/util.py
CMD ["cat", "dist/bundle.js"]
DOCKERFILE
compare install-writes-into-app "$dir" "$work/shape-install-writes-into-app.Dockerfile"

# COPY . . before the install (split by the pin), and a user that is not root.
shape split-and-user <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /srv/app
COPY . .
RUN pip_install() { mkdir -p site; cp requirements.txt site/installed; }; pip install -r requirements.txt 2>/dev/null || pip_install
RUN mkdir -p /etc && echo 'app:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd && echo 'app:x:1000:' >> /etc/group
USER app
RUN true
CMD ["cat", "app.py"]
DOCKERFILE
compare split-and-user "$dir" "$work/shape-split-and-user.Dockerfile"

# A slim final stage: the build stage copies the context, the final one copies from it.
shape slim-final-stage <<'DOCKERFILE'
FROM layerpin-e2e/busybox AS build
WORKDIR /src
COPY requirements.txt ./
RUN mkdir deps && cp requirements.txt deps/
COPY . .
RUN cat app.py > app.bundle

FROM layerpin-e2e/busybox
WORKDIR /app
COPY --from=build /src/lib ./lib
COPY --from=build /src/app.py /src/app.bundle ./
COPY --from=build /src/deps ./deps
CMD ["cat", "app.py"]
DOCKERFILE
compare slim-final-stage "$dir" "$work/shape-slim-final-stage.Dockerfile"

# A .dockerignore that keeps out the Dockerfiles and itself (a common line).
shape dockerignore-excludes-dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /app
COPY . .
CMD ["ls"]
DOCKERFILE
printf '*Dockerfile*\n.dockerignore\n' >"$dir/.dockerignore"
compare dockerignore-excludes-dockerfile "$dir" "$work/shape-dockerignore-excludes-dockerfile.Dockerfile"

# A target that is not the last stage, with a stage after it built FROM it.
shape target-with-dev-stage <<'DOCKERFILE'
FROM layerpin-e2e/busybox AS builder
WORKDIR /code
COPY requirements.txt /code
COPY . /code
RUN echo compiled > /code/app.pyc
CMD ["cat", "app.py"]

FROM builder AS dev-envs
RUN echo dev > /code/dev-marker
DOCKERFILE
compare target-with-dev-stage "$dir" "$work/shape-target-with-dev-stage.Dockerfile" builder
compare target-with-dev-stage-as-dev "$dir" "$work/shape-target-with-dev-stage.Dockerfile" dev-envs

# The end-to-end sample app with a user's multi-stage Dockerfile (a tool upgrade, COPY . . before
# a real pip install from a local wheelhouse, compileall, ENTRYPOINT python3, a dev-envs stage
# after it). A .pyc records its source's mtime, which differs between any two builds (pip unpacks
# at build time) and between a directory context (the working tree's mtimes) and layerpin's archive
# (one fixed mtime): with SOURCE_DATE_EPOCH set, as reproducible builds do, Python writes
# hash-based .pyc files instead, and the images compare by content.
python_image
python_app "$work/python-app" layerpin-e2e-difference
rm "$work/python-app/Dockerfile"
cat >"$work/python-app.Dockerfile" <<'DOCKERFILE'
FROM layerpin-e2e/python AS builder
ENV SOURCE_DATE_EPOCH=0
RUN pip install --no-index --upgrade pip || true
WORKDIR /app
COPY . .
RUN pip install --no-index --find-links wheels -r requirements.txt
RUN python3 -m compileall -q src
ENTRYPOINT ["python3"]
CMD ["src/app/main.py"]

FROM builder AS dev-envs
RUN echo dev > /dev-marker
DOCKERFILE
compare python-app "$work/python-app" "$work/python-app.Dockerfile" builder

finish
