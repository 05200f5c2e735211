#!/bin/sh
# Build cache across machines through a registry: layerpin build --cache pushes the image under
# REPO:deps-<12 hex>; after `docker builder prune` (a machine that never built it) the next build
# imports that cache and the dependency install is CACHED. A real docker-registry on 127.0.0.1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
work=$(mktemp -d)
port=$((5100 + $$ % 800))
cat > "$work/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry=$!
built=""
trap 'kill $registry 2>/dev/null; [ -n "$built" ] && $docker rmi -f $built >/dev/null 2>&1; rm -rf "$work"' EXIT
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/v2/')" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -gt 30 ] && { fail "docker-registry did not start"; finish; exit 1; }; sleep 1
done
cache=127.0.0.1:$port/layerpin-cache
python_app "$work/app" layerpin-e2e-cache
cd "$work/app"
printf '.layerpin/cache\n' >> .dockerignore
# Start from an empty build cache, so the first build records its inline cache fresh.
$docker builder prune -af >/dev/null 2>&1
first=$("$LAYERPIN" build --cache "$cache" -- --network=none 2>"$work/build1.log")
built="$first"
check "layerpin build --cache builds and pushes" test -n "$first"
deps=$(sed -n 's/.*"LAYERPIN_DEPS_DIGEST": "sha256:\(.\{12\}\).*/\1/p' .layerpin/manifest.json)
tags_list=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/v2/layerpin-cache/tags/list').read().decode())" 2>/dev/null)
case "$tags_list" in *"deps-$deps"*) pass "the registry holds REPO:deps-<12 hex>" ;; *) fail "the registry holds the cache tag (got: $tags_list)" ;; esac

# Forget everything locally: as a machine that never built this.
$docker rmi -f $first "$cache:deps-$deps" >/dev/null 2>&1
$docker builder prune -af >/dev/null 2>&1
sed -i 's/hello from python-app/hello from a cached build/' src/app/main.py
second=$("$LAYERPIN" build --cache "$cache" -- --network=none --progress=plain 2>"$work/build2.log")
built="$built $second"
check "the rebuild after a prune succeeds" test -n "$second"
grep -q "importing cache manifest from $cache:deps-$deps" "$work/build2.log"
check "it imports the cache keyed by the deps digest" test $? -eq 0
step=$(grep -m1 'RUN --mount=type=cache.*pip install' "$work/build2.log" | cut -d' ' -f1)
grep -q "^$step CACHED" "$work/build2.log"
check "the dependency install is CACHED" test $? -eq 0
grep -q "^$step pulling sha256:" "$work/build2.log"
check "its layer comes from the registry (pulled)" test $? -eq 0
finish
