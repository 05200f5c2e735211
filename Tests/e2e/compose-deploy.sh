#!/bin/sh
# The deploy story of the Python sample app with real compose (1.29 or v2: $COMPOSE), on its rendered
# Dockerfile: first deploy; a code change deployed with the dependency layers kept; the original
# stale-container bug caught by verify and explained by doctor; a requirements change re-running
# the install; an in-place edit; the same-size same-mtime edit; a volume over the app; deploy.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
work=$(mktemp -d)
project=layerpinapp$$
export COMPOSE_PROJECT_NAME=$project
compose() { $compose_cli -f docker-compose.yml -f .layerpin/compose.override.yml "$@"; }
layers() { $docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | grep -v '^$'; }
image_of() { $docker inspect -f '{{.Config.Image}}' "$1"; }
trap 'cd "$work/app" 2>/dev/null && compose down -v >/dev/null 2>&1; $docker images -q "$project-app" | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
python_app "$work/app"
cd "$work/app"
printf '.layerpin/cache\n.git\n' >> .dockerignore
app_compose_file
git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm first

"$LAYERPIN" compose --build >"$work/compose.out" 2>"$work/compose.err" || grep -v "^#" "$work/compose.err" | tail -5
check "layerpin compose --build writes the override" test -f .layerpin/compose.override.yml
compose up -d >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
check "first deploy: the container runs" test -n "$container"
sleep 1
"$LAYERPIN" verify --container "$container" >/dev/null 2>&1
check "first deploy verifies" test $? -eq 0
commit=$(git rev-parse HEAD)
$docker logs "$container" 2>&1 | grep -q "layerpin: commit $commit src sha256:"
check "the start-up log names the commit" test $? -eq 0

$docker logs "$container" 2>&1 | grep -q "hello from python-app (six 1.16.0"
check "the app runs with its dependency installed" test $? -eq 0
first_image=$(image_of "$container")

sed -i 's/hello from python-app/hello, deployed/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam second
started=$(date +%s%N)
"$LAYERPIN" compose --build >/dev/null 2>&1
echo "code-only rebuild (plan + build) took $((($(date +%s%N) - started) / 1000000)) ms"
compose up -d >"$work/up.out" 2>&1
grep -q Recreat "$work/up.out"  # 1.29: Recreating; v2: Recreate, Recreated
check "a code change recreates the container" test $? -eq 0
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" cat /app/src/app/main.py | grep -q "hello, deployed"
check "the code change is visible after deploy" test $? -eq 0
"$LAYERPIN" verify --container "$container" --expect-commit "$(git rev-parse HEAD)" >/dev/null 2>&1
check "the container runs the pushed commit" test $? -eq 0
second_image=$(image_of "$container")
layers "$first_image" > "$work/l1"
layers "$second_image" > "$work/l2"
# The last four layers are the application's (COPY .layerpin/…, RUN verify.sh --record-before-copy,
# COPY . ./, RUN verify.sh --build).
shared=$(($(wc -l < "$work/l1") - 4))
check "the code-only change kept the dependency layers (base, deps COPY, install) identical" \
    test "$(head -n "$shared" "$work/l1")" = "$(head -n "$shared" "$work/l2")"

# The original bug: a change, and `up -d` without a build. Compose says up-to-date.
sed -i 's/hello, deployed/hello, never deployed/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam third
compose up -d >"$work/up.out" 2>&1
grep -qE "is up-to-date|Running" "$work/up.out"  # 1.29 / v2
check "compose keeps the old container (the bug)" test $? -eq 0
stale=$(git rev-parse HEAD~1)
head=$(git rev-parse HEAD)
# In the project, with nothing else given, the working tree is what the container must hold.
out=$("$LAYERPIN" verify --container "$container" 2>/dev/null)
status=$?
check "in the project, verify --container catches the stale container (exit 1)" test "$status" -eq 1
case "$out" in "stale: $container runs commit $stale (src sha256:"*"), the working tree is commit $head (src sha256:"*"): not rebuilt"*)
    pass "it names what runs, what the working tree is, and the cause" ;;
*) fail "stale line (got: $out)" ;; esac
case "$out" in *"  content src/app/main.py"*) pass "and the file that changed between them" ;; *) fail "changed file (got: $out)" ;; esac
out=$(cd / && "$LAYERPIN" verify --container "$container" --root "$work/app" 2>/dev/null)
status=$?
case "$status $out" in "1 stale: $container runs commit $stale"*) pass "the same from elsewhere with --root" ;;
*) fail "--root (got: $status $out)" ;; esac
"$LAYERPIN" plan >/dev/null
out=$("$LAYERPIN" verify --container "$container" --manifest .layerpin/manifest.json 2>/dev/null)
status=$?
check "verify against the new plan catches it too (exit 1)" test "$status" -eq 1
case "$out" in *"  content src/app/main.py"*) pass "verify names the stale file" ;; *) fail "verify names the stale file (got: $out)" ;; esac
case "$out" in *"runs commit $stale"*"is commit $head"*) pass "verify names the stale commit and the expected one" ;;
*) fail "verify names the stale commit (got: $out)" ;; esac
out=$("$LAYERPIN" doctor --service app 2>&1)
case "$out" in *"cause: not-rebuilt"*"fix: layerpin compose --build"*) pass "doctor: not rebuilt, and the fix" ;;
*) fail "doctor: not rebuilt (got: $out)" ;; esac
"$LAYERPIN" compose --build >/dev/null 2>&1
out=$("$LAYERPIN" doctor --service app 2>&1)
case "$out" in *"cause: not-recreated"*) pass "doctor: built but not recreated" ;; *) fail "doctor: not recreated (got: $out)" ;; esac
compose up -d >/dev/null 2>&1
out=$("$LAYERPIN" doctor --service app 2>&1)
status=$?
check "after up -d with the override, doctor finds nothing (exit 0)" test "$status" -eq 0
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
out=$("$LAYERPIN" verify --container "$container" 2>/dev/null)
status=$?
case "$status $out" in "0 ok: commit $head, "*" verified; fresh: the working tree's source") pass "after a proper redeploy verify is exit 0, naming the commit and the files verified" ;;
*) fail "verify after redeploy (got: $status $out)" ;; esac

# A requirements change re-runs the install.
echo "six==1.16.0  # pinned" > requirements/base.txt
git -c user.name=t -c user.email=t@x.invalid commit -qam requirements
"$LAYERPIN" compose --build >/dev/null 2>&1
compose up -d >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
layers "$(image_of "$container")" > "$work/l3"
check "a requirements change re-runs the install (its layer differs)" \
    test "$(head -n "$shared" "$work/l1" | tail -n 1)" != "$(head -n "$shared" "$work/l3" | tail -n 1)"
sleep 1
$docker logs "$container" 2>&1 | grep -q "six 1.16.0"
check "the app runs after the new install" test $? -eq 0

# A file edited inside the running container is named.
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" sh -c 'echo "# hot fix" >> /app/src/app/main.py'
out=$("$LAYERPIN" verify --container "$container" 2>/dev/null)
check "a file edited inside the running container is named" test "$out" = "content /app/src/app/main.py"

# The same-size, same-mtime edit: BuildKit's directory-context shortcut copies it stale
# (moby/buildkit#4950); the in-build check fails such a build, and layerpin build carries it.
compose up -d --force-recreate >/dev/null 2>&1
plain_build() {
    COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1 DOCKER_HOST=$DOCKER_HOST PATH="$(dirname "$docker"):$PATH" \
        $compose_cli -f docker-compose.yml -f .layerpin/compose.override.yml up -d --build >"$work/stale-build.out" 2>&1
}
# A first plain build from the directory, so BuildKit holds this context's files.
"$LAYERPIN" plan >/dev/null
plain_build
check "a plain compose up --build from the directory passes the in-build check" test $? -eq 0
python3 - <<'PY'
import os
path = "src/app/main.py"
stat = os.stat(path)
with open(path, "rb") as f:
    data = f.read()
flipped = data.replace(b"hello, never deployed", b"HELLO, never deployed")
assert len(flipped) == len(data) and flipped != data
with open(path, "wb") as f:
    f.write(flipped)
os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
PY
git -c user.name=t -c user.email=t@x.invalid commit -qam same-size
"$LAYERPIN" plan >/dev/null
plain_build
status=$?
if [ "$status" -ne 0 ]; then
    grep -q "layerpin: content /app/src/app/main.py" "$work/stale-build.out"
    check "a directory-context build that copied the file stale fails at the in-build check, naming it" test $? -eq 0
else
    # The engine re-sent the file this time: then the image must hold the new bytes.
    image=$(grep -m1 '^ *image:' .layerpin/compose.override.yml | awk '{print $2}')
    $docker run --rm --entrypoint cat "$image" /app/src/app/main.py | grep -q "HELLO, never deployed"
    check "a directory-context build that succeeds holds the new bytes (never stale code)" test $? -eq 0
fi
"$LAYERPIN" compose --build >/dev/null 2>&1
compose up -d >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" cat /app/src/app/main.py | grep -q "HELLO, never deployed"
check "through layerpin build the same-size same-mtime edit reaches the container" test $? -eq 0

# A volume over the app path keeps old code: doctor names it.
cat > docker-compose.override.yml <<'YAML'
services:
  app:
    volumes:
      - appcode:/app
volumes:
  appcode:
YAML
$compose_cli -f docker-compose.yml -f .layerpin/compose.override.yml -f docker-compose.override.yml up -d >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
out=$("$LAYERPIN" doctor --container "$container" 2>&1)
case "$out" in *"cause: shadowing-mount"*"over /app"*) pass "doctor names the volume over the app path" ;;
*) fail "doctor names the volume (got: $out)" ;; esac
case "$out" in *"cause: override-file"*) pass "doctor names the override file compose would merge" ;;
*) fail "doctor names the override file (got: $out)" ;; esac
$compose_cli -f docker-compose.yml -f .layerpin/compose.override.yml -f docker-compose.override.yml down -v >/dev/null 2>&1
rm docker-compose.override.yml

# A container started with another entrypoint skipped the start-up check: doctor says so (JSON).
$docker rm -f "$project-bypass" >/dev/null 2>&1
current=$(grep -m1 '^ *image:' .layerpin/compose.override.yml | awk '{print $2}')
$docker run -d --name "$project-bypass" --network=none --entrypoint sleep "$current" 600 >/dev/null
out=$("$LAYERPIN" doctor --container "$project-bypass" --json 2>/dev/null)
status=$?
$docker rm -f "$project-bypass" >/dev/null 2>&1
check "doctor exits 1 on a found cause" test "$status" -eq 1
echo "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if 'entrypoint-replaced' in [c['cause'] for c in d['causes']] else 1)"
check "doctor --json names the replaced entrypoint" test $? -eq 0

# A changed file that .dockerignore keeps out, and a checkout that differs from its upstream.
git init -q --bare "$work/origin.git"
git remote add origin "$work/origin.git" && git push -q -u origin HEAD 2>/dev/null
git -c user.name=t -c user.email=t@x.invalid commit -q --allow-empty -m "not pushed"
touch cached.pyc
compose up -d >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
out=$("$LAYERPIN" doctor --container "$container" 2>&1)
case "$out" in *"cause: stale-checkout"*) pass "doctor names a checkout that differs from its upstream" ;;
*) fail "doctor: stale checkout (got: $out)" ;; esac
case "$out" in *"cause: ignored-change: cached.pyc changed, but .dockerignore keeps it out"*) pass "doctor names a changed file .dockerignore keeps out" ;;
*) fail "doctor: ignored change (got: $out)" ;; esac
rm cached.pyc
git push -q origin HEAD 2>/dev/null

# A VOLUME over the app in the Dockerfile is warned about by layerpin compose.
cp Dockerfile Dockerfile.keep
echo "VOLUME /app" >> Dockerfile
"$LAYERPIN" compose >/dev/null 2>"$work/compose.err"
grep -q "VOLUME /app in Dockerfile covers the application at /app" "$work/compose.err"
check "layerpin compose warns about a VOLUME over the app path" test $? -eq 0
mv Dockerfile.keep Dockerfile

# examples/deploy.sh does the same in one step, and says ok.
sed -i 's/HELLO, never deployed/hello from deploy.sh/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam fourth
git push -q origin HEAD 2>/dev/null  # deploy what is pushed
LAYERPIN=$LAYERPIN DOCKER=$docker COMPOSE=$compose_cli PATH="$(dirname "$docker"):$PATH" sh "$here/../../examples/deploy.sh" app >"$work/deploy.out" 2>&1
status=$?
check "examples/deploy.sh deploys and verifies" test "$status" -eq 0
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" cat /app/src/app/main.py | grep -q "hello from deploy.sh"
check "the deployed container runs the new code" test $? -eq 0
finish
