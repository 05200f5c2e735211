#!/bin/sh
# A Node app as its own Dockerfile has it: COPY . . followed by RUN npm ci, then a build step that
# writes into the app directory. Pinned, the COPY is split around the install; npm ci writes
# node_modules under /app before the application COPY and `npm run build` writes dist/ after it:
# both are recorded as build outputs. The image builds, starts (the start-up check passes and the
# program runs), verifies with its build outputs, and a file changed in node_modules in the running
# container is reported as a changed build output, at start-up and by verify --container. The
# dependency comes from a local tarball (npm ci --offline; the builds run with --network=none).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIPPED node-app: no node and npm on this machine (make e2e-deps installs them)"
    exit 0
fi
node_image || { fail "the node stand-in image"; finish; exit 1; }
work=$(mktemp -d)
images=""
container=layerpin-e2e-node-$$
trap '$docker rm -f "$container" >/dev/null 2>&1; rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT

# The dependency: a package of our own, packed into vendor/ as a registry would serve it.
mkdir -p "$work/pad" "$work/app/vendor" "$work/app/src"
printf '{"name": "pad", "version": "1.0.0", "main": "index.js"}\n' > "$work/pad/package.json"
printf 'module.exports = (s, n) => s.padStart(n, "*");\n' > "$work/pad/index.js"
(cd "$work/pad" && npm pack --silent --pack-destination "$work/app/vendor" >/dev/null 2>&1)
cd "$work/app"
cat > package.json <<'JSON'
{
  "name": "node-app",
  "version": "1.0.0",
  "private": true,
  "dependencies": { "pad": "file:vendor/pad-1.0.0.tgz" },
  "scripts": { "build": "node src/build.js" }
}
JSON
printf 'const fs = require("fs");\nfs.mkdirSync("dist", { recursive: true });\nfs.writeFileSync("dist/banner.txt", require("pad")("built", 8) + "\\n");\n' > src/build.js
cat > src/server.js <<'JS'
const fs = require("fs");
console.log("node-app says " + require("pad")("hi", 5) + " " + fs.readFileSync("dist/banner.txt", "utf8").trim());
if (process.argv[2] === "--serve") setInterval(() => {}, 1000);
JS
npm install --package-lock-only --offline --no-audit --no-fund >/dev/null 2>&1
check "a package-lock.json for the local dependency" test -f package-lock.json
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/node
WORKDIR /app
COPY . .
RUN npm ci --offline --no-audit --no-fund
RUN npm run build
CMD ["node", "src/server.js"]
DOCKERFILE
printf 'node_modules\nDockerfile*\n' > .dockerignore
printf 'groups:\n  deps: [package.json, package-lock.json, vendor/]\n' > layerpin.yaml
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/pin.log" 2>&1
check "the Node Dockerfile pins" test $? -eq 0
install=$(grep -n '^RUN npm ci' Dockerfile | cut -d: -f1)
src=$(grep -n '^ARG LAYERPIN_SRC_DIGEST' Dockerfile | cut -d: -f1)
check "COPY . . is split: the install comes before the source digest" test "$install" -lt "$src"
check "a record step follows the build step" sh -c "sed -n '/^RUN npm run build/{n;p;}' Dockerfile | grep -q -- '--record'"

tag=$("$LAYERPIN" build -- --network=none 2>"$work/build.log" | head -n 1)
images="$images $tag"
check "the pinned Node app builds with layerpin build" test -n "$tag"
[ -n "$tag" ] || grep -v '^#' "$work/build.log" | tail -n 20
out=$($docker run --rm --network=none "$tag" 2>"$work/start.err")
check "the program runs through the start-up check" test "$out" = "node-app says ***hi ***built"
case "$(cat "$work/start.err")" in
"layerpin: commit unknown src sha256:"*" verified "[1-9]*" files and "[1-9]*" build outputs") pass "the start-up check verified source files and build outputs" ;;
*) fail "the start-up line (got: $(cat "$work/start.err"))" ;;
esac
out=$("$LAYERPIN" verify --image "$tag" 2>&1)
case "$out" in "ok: "*"build outputs"*) pass "verify --image passes, counting the build outputs" ;; *) fail "verify --image (got: $out)" ;; esac

# A changed dependency file at start-up: refused, named as a build output.
$docker run --rm --network=none --entrypoint sh "$tag" -c \
    'echo "// changed" >> /app/node_modules/pad/index.js && exec /etc/layerpin/verify.sh node src/server.js' \
    >"$work/tampered.out" 2>&1
status=$?
check "a node_modules file changed after the build is refused at start-up" test "$status" -eq 1
check "... named as a changed build output" \
    grep -q 'layerpin: build output changed since the build: content /app/node_modules/pad/index.js' "$work/tampered.out"

# In a running container: verify --container and doctor report it.
$docker run -d --name "$container" --network=none "$tag" node src/server.js --serve >/dev/null
sleep 2
check "the served container runs" test "$($docker inspect -f '{{.State.Running}}' "$container")" = true
"$LAYERPIN" verify --container "$container" >"$work/verify.out" 2>&1
check "verify --container passes before any change" test $? -eq 0
[ "$failed" -eq 0 ] || cat "$work/verify.out"
$docker exec "$container" sh -c 'echo "// changed" >> /app/node_modules/pad/index.js'
"$LAYERPIN" verify --container "$container" >"$work/verify.out" 2>&1
status=$?
check "verify --container fails after a node_modules file changed" test "$status" -eq 1
check "... reporting it as a changed build output" \
    grep -q '^build output changed since the build: content /app/node_modules/pad/index.js$' "$work/verify.out"
"$LAYERPIN" verify --container "$container" --json >"$work/verify.json" 2>/dev/null
check "... and in --json under outputs.mismatches" python3 -c "
import json, sys
report = json.load(open('$work/verify.json'))
mismatches = report['outputs']['mismatches']
sys.exit(0 if [m['path'] for m in mismatches] == ['/app/node_modules/pad/index.js'] and report['mismatches'] == [] else 1)"

# A code-only change: the install layers are reused.
layers() { $docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | grep -v '^$'; }
sed -i 's/node-app says/node-app now says/' src/server.js
second=$("$LAYERPIN" build -- --network=none 2>"$work/build2.log" | head -n 1)
images="$images $second"
check "a code-only rebuild" test -n "$second" -a "$second" != "$tag"
grep -q 'RUN npm ci' "$work/build2.log" && grep -A2 'RUN npm ci' "$work/build2.log" | grep -q CACHED
check "... reuses the npm ci layer" test $? -eq 0
out=$($docker run --rm --network=none "$second" 2>/dev/null)
check "... and runs the new code" test "$out" = "node-app now says ***hi ***built"
finish
