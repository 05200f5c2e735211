#!/bin/sh
# The deploy story with real docker-compose 1.29: first deploy, a code change deployed, the
# original stale-container bug caught by verify and explained by doctor.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
project=layerpinapp$$
export COMPOSE_PROJECT_NAME=$project
compose() { docker-compose -f docker-compose.yml -f .layerpin/compose.override.yml "$@"; }
trap 'cd "$work/app" 2>/dev/null && compose down -v >/dev/null 2>&1; $docker images -q "$project-app" | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -r "$here/../../Fixtures/python-app" "$work/app"
cd "$work/app"
printf '.layerpin/cache\n.git\n' >> .dockerignore
cat > Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
ARG LAYERPIN_SRC_DIGEST
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["sleep", "600"]
DOCKERFILE
cat > docker-compose.yml <<'YAML'
version: "3.8"
services:
  app:
    build:
      context: .
      network: none
    network_mode: none
YAML
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

sed -i 's/hello from python-app/hello, deployed/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam second
"$LAYERPIN" compose --build >/dev/null 2>&1
compose up -d >"$work/up.out" 2>&1
grep -q Recreating "$work/up.out"
check "a code change recreates the container" test $? -eq 0
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" cat /app/src/app/main.py | grep -q "hello, deployed"
check "the code change is visible after deploy" test $? -eq 0
"$LAYERPIN" verify --container "$container" --expect-commit "$(git rev-parse HEAD)" >/dev/null 2>&1
check "the container runs the pushed commit" test $? -eq 0

# The original bug: a change, and `up -d` without a build. Compose says up-to-date.
sed -i 's/hello, deployed/hello, never deployed/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam third
compose up -d >"$work/up.out" 2>&1
grep -q "is up-to-date" "$work/up.out"
check "compose keeps the old container (the bug)" test $? -eq 0
"$LAYERPIN" plan >/dev/null
out=$("$LAYERPIN" verify --container "$container" --manifest .layerpin/manifest.json 2>/dev/null)
status=$?
check "verify catches it (exit 1)" test "$status" -eq 1
case "$out" in *"content /app/src/app/main.py"*) pass "verify names the stale file" ;; *) fail "verify names the stale file (got: $out)" ;; esac
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

# examples/deploy.sh does the same in one step, and says ok.
sed -i 's/hello, never deployed/hello from deploy.sh/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam fourth
LAYERPIN=$LAYERPIN DOCKER=$docker PATH="$(dirname "$docker"):$PATH" sh "$here/../../examples/deploy.sh" app >"$work/deploy.out" 2>&1
status=$?
check "examples/deploy.sh deploys and verifies" test "$status" -eq 0
container=$($docker ps -q --filter "label=com.docker.compose.project=$project")
$docker exec "$container" cat /app/src/app/main.py | grep -q "hello from deploy.sh"
check "the deployed container runs the new code" test $? -eq 0
finish
