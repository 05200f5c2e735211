#!/bin/sh
# arm64 images for a Raspberry Pi, built on this x86 machine through the emulator: the sample app
# on a stand-in Raspberry Pi OS (Debian bookworm arm64, python3, pip, busybox) built with
# `layerpin build --platform linux/arm64`; the manifest and recipe record the platform; the
# container runs arm64 code, logs its commit, and passes verify (image, archive, container); the
# start-up verifier catches a changed file with the image's dash and coreutils and with busybox; a
# code-only rebuild keeps the dependency install cached; a compose service's `platform:` deploys.
# Without binfmt_misc and qemu-user-static it says SKIPPED and why.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
if ! arm64_emulation; then
    echo "SKIPPED arm64: $skip_reason"
    finish
    exit 0
fi
python_image
if ! python_arm64_image; then
    fail "the arm64 stand-in base image could not be made (debootstrap --download-only, dpkg-deb)"
    finish
    exit 1
fi
work=$(mktemp -d)
project=layerpinarm$$
export COMPOSE_PROJECT_NAME=$project LAYERPIN_COMPOSE="$compose_cli"
trap 'cd "$work/app" 2>/dev/null && $compose_cli -f docker-compose.yml -f .layerpin/deploy.override.yml down -v >/dev/null 2>&1; $docker images -q --filter "reference=$project*" | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
python_app "$work/app" "$project"
cd "$work/app"
sed -i 's|^base: .*|base: layerpin-e2e/python-arm64|; s|"python", "src/app/main.py"|"python3", "src/app/main.py"|' layerpin.yaml
"$LAYERPIN" dockerfile -o Dockerfile
# Unique per run: BuildKit's cache would otherwise hand back another run's layers.
printf '\nRUN_MARK = "%s"\n' "$$-$(date +%s%N)" >> src/app/main.py
git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm first
commit=$(git rev-parse HEAD)
field() { python3 -c 'import json,sys; print(json.load(open(".layerpin/manifest.json"))[sys.argv[1]])' "$1"; }

"$LAYERPIN" plan --platform linux/amd64 >/dev/null
amd64_recipe=$(field recipe)
"$LAYERPIN" build --platform linux/aarch64 -- --network=none >"$work/build1.out" 2>"$work/build1.err"
status=$?
check "layerpin build --platform linux/aarch64 exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || tail -n 20 "$work/build1.err"
check "the manifest records the platform as the engine names it (linux/arm64)" test "$(field platform)" = linux/arm64
check "... and the recipe digest changes with it" test "$(field recipe)" != "$amd64_recipe"
tag=$(head -n 1 "$work/build1.out")
check "the image is an arm64 image" test "$($docker image inspect -f '{{.Os}}/{{.Architecture}}' "$tag")" = linux/arm64
check "its recipe label is the manifest's" test "$($docker image inspect -f '{{index .Config.Labels "io.layerpin.recipe"}}' "$tag")" = "$(field recipe)"

$docker run --rm "$tag" >"$work/run.out" 2>&1
check "the container runs the user's program under emulation" grep -q 'hello from python-app' "$work/run.out"
check "... and logs its commit at start-up" grep -q "layerpin: commit $commit" "$work/run.out"
check "arguments replace CMD: the machine is aarch64" test "$($docker run --rm "$tag" uname -m 2>/dev/null)" = aarch64
"$LAYERPIN" verify --image "$tag" >"$work/verify.out" 2>&1
check "verify --image passes on the arm64 image" test $? -eq 0
check "... checking more than zero files" grep -q '([1-9][0-9]* files)' "$work/verify.out"
$docker save "$tag" -o "$work/image.tar"
"$LAYERPIN" verify --image-archive "$work/image.tar" >"$work/archive.out" 2>&1
check "verify --image-archive reads the arm64 archive" test $? -eq 0

# A multi-platform archive (an OCI index of an amd64 and an arm64 image with their attestations,
# as current Docker's containerd store saves one): verify checks the platform it is told to.
cp -r "$work/app" "$work/amd64"
(
    cd "$work/amd64" || exit 1
    sed -i 's|^base: .*|base: layerpin-e2e/python|' layerpin.yaml
    "$LAYERPIN" dockerfile -o Dockerfile
    git -c user.name=t -c user.email=t@x.invalid commit -qam amd64
    "$LAYERPIN" build --platform linux/amd64 -- --network=none >"$work/amd64.out" 2>"$work/amd64.err"
) || tail -n 20 "$work/amd64.err"
amd64_tag=$(head -n 1 "$work/amd64.out")
amd64_commit=$(git -C "$work/amd64" rev-parse HEAD)
$docker save "$amd64_tag" -o "$work/amd64.tar"
python3 "$here/oci-from-legacy.py" "$work/amd64.tar" "$work/image.tar" "$work/multi.tar"
"$LAYERPIN" verify --image-archive "$work/multi.tar" >"$work/multi.out" 2>"$work/multi.err"
check "a multi-platform archive without --platform is exit 2" test $? -eq 2
check "... naming its platforms" grep -q 'the archive holds images for linux/amd64, linux/arm64: name one with --platform' "$work/multi.err"
"$LAYERPIN" verify --image-archive "$work/multi.tar" --platform linux/arm64 >"$work/multi.out" 2>&1
check "--platform linux/arm64 checks the arm64 image" test $? -eq 0
check "... whose commit is the arm64 build's" grep -q "^ok: commit $commit" "$work/multi.out"
"$LAYERPIN" verify --image-archive "$work/multi.tar" --platform amd64 --root "$work/amd64" >"$work/multi.out" 2>&1
check "--platform amd64 checks the amd64 image" test $? -eq 0
check "... whose commit is the amd64 build's" grep -q "^ok: commit $amd64_commit" "$work/multi.out"
"$LAYERPIN" verify --image-archive "$work/multi.tar" --platform linux/arm/v7 >"$work/multi.out" 2>&1
check "a platform the archive lacks is exit 2 naming the ones it has" sh -c "test $? -eq 2 && grep -q 'no image for linux/arm/v7 in the archive (it holds linux/amd64, linux/arm64)' '$work/multi.out'"

# The start-up verifier on arm64: the image's dash and GNU coreutils, then busybox alone.
$docker run --rm --entrypoint /bin/sh "$tag" -c 'echo "print(0)" >> /app/src/app/main.py && exec /etc/layerpin/verify.sh true' >"$work/tamper.out" 2>&1
status=$?
check "a changed file fails the start-up check (dash, coreutils)" test "$status" -ne 0
check "... naming the file" grep -q 'src/app/main.py' "$work/tamper.out"
busybox_verify='mkdir /tmp/bb && /bin/busybox --install -s /tmp/bb && export PATH=/tmp/bb'
$docker run --rm --entrypoint /bin/busybox "$tag" sh -c "$busybox_verify && exec sh /etc/layerpin/verify.sh echo started" >"$work/bb.out" 2>&1
check "busybox alone passes the unchanged image and execs the program" grep -q '^started$' "$work/bb.out"
check "... with its commit line" grep -q "layerpin: commit $commit" "$work/bb.out"
$docker run --rm --entrypoint /bin/busybox "$tag" sh -c "$busybox_verify && echo 'print(0)' >> /app/src/app/main.py && exec sh /etc/layerpin/verify.sh echo started" >"$work/bbt.out" 2>&1
status=$?
check "busybox alone fails a changed file" test "$status" -ne 0
check "... naming it" grep -q 'src/app/main.py' "$work/bbt.out"
check "... and never starts the program" sh -c "! grep -q '^started$' '$work/bbt.out'"

# A code-only change: the arm64 install step is CACHED, the new code runs.
sed -i 's/hello from python-app/hello from the pi/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam code
"$LAYERPIN" build --platform linux/arm64 -- --network=none >"$work/build2.out" 2>"$work/build2.err"
check "a code-only arm64 rebuild exits 0" test $? -eq 0
grep -A3 'pip install' "$work/build2.err" | grep -q CACHED
check "... with the dependency install CACHED" test $? -eq 0
check "... and the new code runs" sh -c "$docker run --rm '$(head -n 1 "$work/build2.out")' 2>&1 | grep -q 'hello from the pi'"

# compose's platform: builds and runs the service for arm64 (layerpin deploy).
app_compose_file
sed -i 's|^  app:$|  app:\n    platform: linux/arm64|; s|python src/|python3 src/|' docker-compose.yml
"$LAYERPIN" deploy --timeout 120 >"$work/deploy.out" 2>"$work/deploy.err"
status=$?
check "layerpin deploy of a service with platform: linux/arm64 exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || { cat "$work/deploy.out"; tail -n 20 "$work/deploy.err"; }
check "... its manifest records linux/arm64" test "$(field platform)" = linux/arm64
container=$($docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=app")
check "... the container runs an arm64 image" test "$($docker image inspect -f '{{.Architecture}}' "$($docker inspect -f '{{.Image}}' "$container")")" = arm64
"$LAYERPIN" verify --container "$container" >"$work/vc.out" 2>&1
check "verify --container passes on the arm64 container" test $? -eq 0
"$LAYERPIN" deploy --timeout 120 >"$work/deploy2.out" 2>"$work/deploy2.err"
check "a second deploy rebuilds and recreates nothing" grep -q "deployed 1 service(s): 0 rebuilt, 0 recreated" "$work/deploy2.out"
finish
