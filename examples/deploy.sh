#!/bin/sh
# deploy.sh — the deploy a team runs instead of a hand-rolled one: plan, build, compose up, verify.
# Works against a remote engine: DOCKER_HOST=ssh://pi ./examples/deploy.sh (or a docker context).
# Fails loudly: any step that fails stops the deploy with its message and a non-zero exit.
#
#   examples/deploy.sh [SERVICE]     default service: app
#
# Needs: layerpin, docker (with BuildKit), docker-compose 1.29 or docker compose v2.
set -eu
service=${1:-app}
layerpin=${LAYERPIN:-layerpin}
# $COMPOSE, else compose v2 (the docker CLI plugin) when the CLI has it, else docker-compose 1.29.
docker=${DOCKER:-docker}
if [ -n "${COMPOSE:-}" ]; then
    compose=$COMPOSE
elif "$docker" compose version >/dev/null 2>&1; then
    compose="$docker compose"
else
    compose=docker-compose
fi
say() { printf 'deploy: %s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

say "checking out what will be deployed: $(git rev-parse --short HEAD 2>/dev/null || echo 'not a git checkout')"
if upstream=$(git rev-parse '@{upstream}' 2>/dev/null) && [ "$upstream" != "$(git rev-parse HEAD)" ]; then
    die "HEAD differs from its upstream: git pull first (a stale checkout deploys old code)"
fi

say "planning and building (layerpin's own context archive: what was hashed is what is built)"
"$layerpin" compose --build || die "layerpin compose --build"

say "recreating what changed"
$compose -f docker-compose.yml -f .layerpin/compose.override.yml up -d || die "$compose up -d"

say "verifying the running container against the plan"
container=$("$docker" ps -q --filter "label=com.docker.compose.service=$service" | head -n 1)
[ -n "$container" ] || die "no running container for service $service"
if ! "$layerpin" verify --container "$container" --manifest .layerpin/manifest.json; then
    "$layerpin" doctor --container "$container" || true
    die "the container does not run the planned code"
fi
say "ok: $service runs commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
