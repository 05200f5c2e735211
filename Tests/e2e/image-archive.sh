#!/bin/sh
# layerpin build → docker save → layerpin verify --image-archive, offline; then a tampered layer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
trap 'rm -rf "$work"; $docker rm -f layerpin-e2e-archive-c >/dev/null 2>&1; $docker rmi -f $tags >/dev/null 2>&1' EXIT
tags=""
cp -r "$here/../../Fixtures/python-app" "$work/app"
cd "$work/app"
cat > Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
ARG LAYERPIN_DEPS_DIGEST
COPY requirements.txt constraints.txt /app/
COPY requirements /app/requirements
ARG LAYERPIN_SRC_DIGEST
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["echo", "hello from the image"]
DOCKERFILE
printf '.layerpin/cache\n' >> .dockerignore

tags=$("$LAYERPIN" build --tag layerpin-e2e-archive -- --network=none 2>"$work/build.log") || cat "$work/build.log"
check "layerpin build succeeds and prints the digest tag" test -n "$tags"
case "$tags" in layerpin-e2e-archive:src-*) pass "tag is REPO:src-<12 hex>" ;; *) fail "tag is REPO:src-<12 hex> (got '$tags')" ;; esac
label=$($docker image inspect -f '{{index .Config.Labels "io.layerpin.manifest"}}' "$tags")
baked=$(sha256sum < .layerpin/manifest.json | cut -c1-64)
check "io.layerpin.manifest label is the manifest's digest" test "$label" = "sha256:$baked"
# The verifier logs on stderr, the command writes on stdout: read them apart (their order in
# one stream is up to docker).
out=$($docker run --rm --network=none "$tags" 2>"$work/startup.err")
check "the command runs after the check" test "$out" = "hello from the image"
case "$(cat "$work/startup.err")" in "layerpin: commit unknown src sha256:"*" verified 8 files") pass "start-up log line" ;;
*) fail "start-up log line (got: $(cat "$work/startup.err"))" ;; esac

$docker save "$tags" -o "$work/image.tar"
out=$("$LAYERPIN" verify --image-archive "$work/image.tar" 2>&1)
check "verify --image-archive passes offline (legacy docker save layout)" test $? -eq 0
out=$("$LAYERPIN" verify --image-archive - --manifest .layerpin/manifest.json < "$work/image.tar" 2>&1)
check "verify --image-archive - (stdin) against the planned manifest" test $? -eq 0

# OCI layout, made from the same layers (dockerd 20.10 saves only the legacy layout).
python3 "$here/oci-from-legacy.py" "$work/image.tar" "$work/oci.tar"
out=$("$LAYERPIN" verify --image-archive "$work/oci.tar" 2>&1)
check "verify --image-archive passes on the OCI layout (gzip layers)" test $? -eq 0

# Tamper with the layer that holds /app/src/app/main.py.
python3 "$here/tamper-layer.py" "$work/image.tar" "$work/tampered.tar" app/src/app/main.py
out=$("$LAYERPIN" verify --image-archive "$work/tampered.tar" 2>/dev/null)
status=$?
check "a tampered layer fails verification (exit 1)" test "$status" -eq 1
check "the mismatch names the file" test "$out" = "content /app/src/app/main.py"

# A running container, through docker cp (what --container will use): same verdict.
cid=$($docker create "$tags")
$docker cp "$cid:/" - > "$work/fs.tar"
$docker rm "$cid" >/dev/null
out=$("$LAYERPIN" verify --tar "$work/fs.tar" 2>&1)
check "verify --tar of docker cp CONTAINER:/ - passes" test $? -eq 0

# Deploy-side checks through the docker CLI: an image, and a running container.
out=$("$LAYERPIN" verify --image "$tags" 2>&1)
check "verify --image passes" test $? -eq 0
$docker rm -f layerpin-e2e-archive-c >/dev/null 2>&1
$docker run -d --name layerpin-e2e-archive-c --network=none "$tags" sleep 600 >/dev/null
out=$("$LAYERPIN" verify --container layerpin-e2e-archive-c 2>&1)
status=$?
[ "$status" -eq 0 ] || echo "$out"
check "verify --container passes on a fresh container" test "$status" -eq 0
$docker exec layerpin-e2e-archive-c sh -c 'echo edited >> /app/src/app/main.py'
out=$("$LAYERPIN" verify --container layerpin-e2e-archive-c 2>/dev/null)
check "an in-place edit in the container is named" test "$out" = "content /app/src/app/main.py"
echo "# a new commit" >> src/app/main.py
new=$("$LAYERPIN" build --tag layerpin-e2e-archive -- --network=none 2>/dev/null)
$docker tag "$new" "$tags"
out=$("$LAYERPIN" verify --container layerpin-e2e-archive-c --manifest .layerpin/manifest.json 2>/dev/null)
case "$out" in *"not recreated: the container runs image"*) pass "a container not recreated after the rebuild is named" ;;
*) fail "not recreated (got: $out)" ;; esac
$docker rm -f layerpin-e2e-archive-c >/dev/null

# A container that exited, and one in a restart loop, are never "ok": said first, exit 1.
$docker rm -f layerpin-e2e-archive-exit layerpin-e2e-archive-loop >/dev/null 2>&1
$docker run --name layerpin-e2e-archive-exit --network=none "$new" sh -c 'exit 1' >/dev/null 2>&1
out=$("$LAYERPIN" verify --container layerpin-e2e-archive-exit 2>/dev/null)
status=$?
check "an exited container is exit 1" test "$status" -eq 1
case "$out" in "exited: the container exited with status 1"*) pass "the exit is said first, with its status" ;;
*) fail "exited first (got: $out)" ;; esac
out=$("$LAYERPIN" doctor --container layerpin-e2e-archive-exit 2>/dev/null)
case "$out" in "cause: exited: the container exited with status 1"*) pass "doctor names the exit as the cause" ;;
*) fail "doctor: exited (got: $out)" ;; esac
$docker run -d --restart always --name layerpin-e2e-archive-loop --network=none "$new" sh -c 'exit 3' >/dev/null
i=0
until [ "$($docker inspect -f '{{.RestartCount}}' layerpin-e2e-archive-loop)" -ge 1 ] || [ "$i" -gt 80 ]; do
    sleep 0.25
    i=$((i + 1))
done
out=$("$LAYERPIN" verify --container layerpin-e2e-archive-loop 2>/dev/null)
status=$?
check "a crash-looping container is exit 1" test "$status" -eq 1
# Caught between two restarts it runs for a moment: its restart count still gives it away.
case "$out" in "restarting: the container keeps restarting (last exit status 3)"* | "restarted "*" time(s): its restart policy restarted it"*)
    pass "the restart loop is said first" ;;
*) fail "restarting first (got: $out)" ;; esac
$docker rm -f layerpin-e2e-archive-exit layerpin-e2e-archive-loop >/dev/null 2>&1

out=$(DOCKER_HOST=unix:///nonexistent.sock "$LAYERPIN" verify --container layerpin-e2e-archive-c 2>&1)
status=$?
check "no engine: exit 2, said so" test "$status" -eq 2
case "$out" in *"no Docker engine answers"*) pass "no engine is told apart from no container" ;; *) fail "no engine message (got: $out)" ;; esac
out=$("$LAYERPIN" verify --container layerpin-e2e-no-such-container 2>&1)
status=$?
check "no such container: exit 2" test "$status" -eq 2
tags="$tags $new"

# A target stage: the stage built is the one the layout is read from and the image verified by.
mkdir -p "$work/target" && cp -r "$here/../../Fixtures/python-app/." "$work/target/"
cd "$work/target"
cat > Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox AS development
WORKDIR /app
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["echo", "development stage"]

FROM layerpin-e2e/busybox AS production
CMD ["echo", "production stage"]
DOCKERFILE
printf '.layerpin/cache\n' >> .dockerignore
target=$("$LAYERPIN" build --tag layerpin-e2e-target --target development -- --network=none 2>"$work/target.log") || cat "$work/target.log"
tags="$tags $target"
check "layerpin build --target builds that stage" test "$($docker run --rm --network=none "$target" 2>/dev/null)" = "development stage"
out=$("$LAYERPIN" verify --image "$target" 2>&1)
status=$?
case "$status $out" in "0 ok: commit unknown, "*" verified; fresh"*) pass "the target stage's image verifies against its plan" ;;
*) fail "verify --image of the target (got: $status $out)" ;; esac
cd "$work/app"

# An image built from an unpinned Dockerfile carries no manifest: in the project, the project's
# current state is what its files are checked against.
mkdir -p "$work/plain" && cp -r "$here/../../Fixtures/python-app/." "$work/plain/"
cd "$work/plain"
printf 'FROM layerpin-e2e/busybox\nCOPY . /app/\nCMD ["cat", "/app/src/app/main.py"]\n' > Dockerfile
$docker build -q --network=none -t layerpin-e2e-plain . >/dev/null
$docker save layerpin-e2e-plain -o "$work/plain.tar"
tags="$tags layerpin-e2e-plain"
out=$("$LAYERPIN" verify --image-archive "$work/plain.tar" 2>&1)
status=$?
[ "$status" -eq 0 ] || echo "$out"
check "verify --image-archive of an unpinned image passes in its project" test "$status" -eq 0
echo "# changed after the build" >> src/app/main.py
out=$("$LAYERPIN" verify --image-archive "$work/plain.tar" 2>/dev/null)
status=$?
check "and names the file that changed since (exit 1)" test "$status" -eq 1 -a "$out" = "content /app/src/app/main.py"
cd "$work/app"

# A named dependency stage gets its own tag, REPO:deps-<12 hex of the deps digest>.
mkdir -p "$work/staged" && cp -r "$here/../../Fixtures/python-app/." "$work/staged/"
cd "$work/staged"
cat > Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox AS deps
COPY requirements.txt /deps/
RUN echo "pip install -r requirements.txt (stand-in)" > /deps/installed
FROM deps
COPY . /app/
DOCKERFILE
built=$("$LAYERPIN" build --tag layerpin-e2e-staged -- --network=none 2>/dev/null)
deps=$(sed -n 's/.*"LAYERPIN_DEPS_DIGEST": "sha256:\(.\{12\}\).*/\1/p' .layerpin/manifest.json)
tags="$tags $built"
case "$built" in *"layerpin-e2e-staged:deps-$deps"*) pass "the dependency stage is tagged deps-<12 hex>" ;;
*) fail "the dependency stage tag (got: $built, deps $deps)" ;; esac
$docker run --rm "layerpin-e2e-staged:deps-$deps" cat /deps/installed >/dev/null 2>&1
check "the deps tag names the dependency stage's image" test $? -eq 0
finish
