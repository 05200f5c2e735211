#!/bin/sh
# The project as compose resolves it (compose 1.29 or v2: $COMPOSE): two services that build one
# context each get a plan of their own and verify independently; the user's build.args (from .env,
# interpolated by compose) reach the image layerpin builds; a profile keeps its service out until it
# is enabled; a git URL context is refused naming the service while the others deploy; a service
# can be chosen by name.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
project=layerpinmodel$$
export COMPOSE_PROJECT_NAME=$project
up() { $compose_cli -f compose.yaml -f .layerpin/compose.override.yml "$@"; }
trap 'cd "$work/p" 2>/dev/null && up down -v >/dev/null 2>&1; $docker images -q --filter "reference=$project-*" | sort -u | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/p/web" "$work/p/worker"
cd "$work/p"
cat > compose.yaml <<'YAML'
services:
  web1:
    build:
      context: web
      network: none
      args:
        GREETING: "${GREETING}"
    network_mode: none
  web2:
    build:
      context: ./web
      network: none
    network_mode: none
  worker:
    profiles: [extra]
    build:
      context: worker
      network: none
    network_mode: none
  remote:
    build: https://github.com/docker/awesome-compose.git#master:flask
YAML
printf 'GREETING=hello-from-dotenv\n' > .env
for dir in web worker; do
    cat > $dir/Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
ARG GREETING=none
RUN echo "$GREETING" > /greeting
WORKDIR /app
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["sleep", "600"]
DOCKERFILE
    printf '.layerpin/cache\n' > $dir/.dockerignore
    printf 'print("%s")\n' "$dir" > $dir/main.py
done

"$LAYERPIN" compose --build >"$work/out" 2>"$work/err"
status=$?
check "compose --build with a git URL context exits 1" test "$status" -eq 1
grep -q "service remote was not built, and is left out of the override: service remote builds from https://github.com/docker/awesome-compose.git#master:flask: layerpin hashes a local directory" "$work/err"
check "it names the service and why" test $? -eq 0
grep -q "services web1, web2 build one context" "$work/err"
check "it says which services share a context" test $? -eq 0
check "each sharing service has its own plan" test -f web/.layerpin/services/web1/manifest.json -a -f web/.layerpin/services/web2/manifest.json
grep -q "^web1 $project-web1:src-" "$work/out" && grep -q "^web2 $project-web2:src-" "$work/out"
check "both sharing services are built" test $? -eq 0
grep -q "^  worker:" .layerpin/compose.override.yml
check "a service of a profile that is not enabled is left alone" test $? -ne 0
grep -q "version:\|pull_policy" .layerpin/compose.override.yml
check "the override has no version: and no pull_policy" test $? -ne 0
grep -q "^wrote .layerpin/compose.override.yml: .* -f compose.yaml -f .layerpin/compose.override.yml up -d" "$work/out"
check "it prints the up line for this project's files" test $? -eq 0
image1=$(awk '$1 == "web1" { print $2 }' "$work/out")
check "the user's build arg, from .env through compose, reaches the image layerpin built" \
    test "$($docker run --rm --entrypoint cat "$image1" /greeting 2>/dev/null)" = hello-from-dotenv

up up -d web1 web2 >"$work/up.out" 2>&1
check "compose brings both up from the override" test $? -eq 0
for service in web1 web2; do
    container=$($docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$service")
    out=$(cd web && "$LAYERPIN" verify --container "$container" 2>&1)
    status=$?
    case "$status $out" in "0 ok: commit unknown, "*) pass "$service verifies on its own" ;; *) fail "verify $service (got: $status $out)" ;; esac
    $docker exec "$container" cat /etc/layerpin/manifest.json | grep -q "\"$project-$service:src-"
    check "$service carries its own manifest" test $? -eq 0
done
up up -d web1 web2 >"$work/up.out" 2>&1
grep -q Recreat "$work/up.out"
check "a second up recreates nothing (the override forces no rebuild)" test $? -ne 0

"$LAYERPIN" compose --profile extra worker >"$work/out" 2>"$work/err"
status=$?
check "one service by name, of an enabled profile" test "$status" -eq 0 -a "$(cut -d' ' -f1 "$work/out" | head -n 1)" = worker
grep -q "^  worker:" .layerpin/compose.override.yml && ! grep -q "^  web1:" .layerpin/compose.override.yml
check "the override holds the service asked for" test $? -eq 0
"$LAYERPIN" compose nosuch >/dev/null 2>"$work/err"
status=$?
check "an unknown service is exit 2, naming the ones that build" \
    sh -c "test $status -eq 2 && grep -q \"no service 'nosuch' that builds in the compose project (services that build: remote, web1, web2)\" '$work/err'"

# dockerfile_inline (compose v2 only; 1.29 refuses the key): planned and built from layerpin's copy.
if $compose_cli version --short 2>/dev/null | grep -q '^v\{0,1\}2'; then
    mkdir -p "$work/inline/app"
    cd "$work/inline"
    printf 'print("inline")\n' > app/main.py
    cat > compose.yaml <<'YAML'
services:
  inline:
    build:
      context: app
      network: none
      dockerfile_inline: |
        FROM layerpin-e2e/busybox
        WORKDIR /srv
        COPY . /srv/
    network_mode: none
YAML
    "$LAYERPIN" compose --build >"$work/out" 2>"$work/err"
    check "a dockerfile_inline service is built" test $? -eq 0
    image=$(awk '$1 == "inline" { print $2 }' "$work/out")
    check "its image holds the context at the inline Dockerfile's COPY" \
        test "$($docker run --rm "$image" cat /srv/main.py 2>/dev/null)" = 'print("inline")'
    $docker rmi -f "$image" >/dev/null 2>&1
else
    echo "SKIPPED dockerfile_inline: $compose_cli is compose 1.29, which refuses the key"
fi
finish
