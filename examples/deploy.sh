#!/bin/sh
# deploy.sh — a team's deploy around `layerpin deploy`: refuse a stale checkout, then deploy.
# Works against a remote engine: DOCKER_HOST=ssh://pi ./examples/deploy.sh (or a docker context).
#
#   examples/deploy.sh [SERVICE...]    default: every service that builds
#
# layerpin deploy builds only what changed (dependency layers cached), recreates only the
# containers whose image changed, waits for them, and verifies every container against the working
# tree; its exit status is this script's (0: every container runs this checkout's code; 1: one does
# not, with doctor's cause and fix; 2: bad input). Needs: layerpin, docker (BuildKit), compose.
set -eu
layerpin=${LAYERPIN:-layerpin}
say() { printf 'deploy: %s\n' "$*" >&2; }

say "deploying $(git rev-parse --short HEAD 2>/dev/null || echo 'a directory that is not a git checkout')"
if upstream=$(git rev-parse '@{upstream}' 2>/dev/null) && [ "$upstream" != "$(git rev-parse HEAD)" ]; then
    say "FAILED: HEAD differs from its upstream: git pull first (a stale checkout deploys old code)"
    exit 1
fi
exec "$layerpin" deploy "$@"
