#!/bin/sh
# compose --build with one service that cannot be built: the others are built and deployed, the
# override leaves the failed one out, and the command exits 1 naming it (compose 1.29 or v2: $COMPOSE).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
project=layerpinpartial$$
export COMPOSE_PROJECT_NAME=$project
trap 'cd "$work/p" 2>/dev/null && $compose_cli -f compose.yaml -f .layerpin/compose.override.yml down -v >/dev/null 2>&1; $docker images -q "$project-web" | sort -u | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/p/web" "$work/p/broken"
cd "$work/p"
cat > compose.yaml <<'YAML'
services:
  web:
    build:
      context: web
      network: none
    network_mode: none
  broken:
    build:
      context: broken
      network: none
    network_mode: none
YAML
cat > web/Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /app
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["sleep", "600"]
DOCKERFILE
printf '.layerpin/cache\n' > web/.dockerignore
printf 'print(1)\n' > web/main.py
printf 'FROM layerpin-e2e/no-such-base-image\nCOPY . /app/\n' > broken/Dockerfile

"$LAYERPIN" compose --build >"$work/out" 2>"$work/err"
status=$?
check "compose --build with an unbuildable service exits 1" test "$status" -eq 1
grep -q "service broken was not built, and is left out of the override" "$work/err"
check "it names the service that failed" test $? -eq 0
grep -q "^web $project-web:src-" "$work/out"
check "the other service is built and named" test $? -eq 0
grep -q "^  web:" .layerpin/compose.override.yml && ! grep -q "^  broken:" .layerpin/compose.override.yml
check "the override holds the built service only" test $? -eq 0
$compose_cli -f compose.yaml -f .layerpin/compose.override.yml up -d web >/dev/null 2>&1
container=$($docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=web")
check "the built service deploys" test -n "$container"
sleep 1
out=$(cd web && "$LAYERPIN" verify --container "$container" 2>&1)
status=$?
case "$status $out" in "0 ok: commit unknown, "*) pass "and verifies" ;; *) fail "verify web (got: $status $out)" ;; esac
finish
