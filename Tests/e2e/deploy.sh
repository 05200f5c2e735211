#!/bin/sh
# layerpin deploy on a two-service compose project (the Python sample app and a busybox worker
# from a context of its own), with real compose (1.29 or v2: $COMPOSE): the first deploy; a
# code-only change (only the app rebuilt and recreated, its dependency layers reused, the new
# commit logged, verified); no change (nothing rebuilt or recreated); --dry-run (says what would
# change, touches nothing); a requirements change (the install runs again); a service that fails to
# start (exit 1 with doctor's cause, the other kept running); --json.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
base_image
work=$(mktemp -d)
project=layerpindeploy$$
export COMPOSE_PROJECT_NAME=$project LAYERPIN_COMPOSE="$compose_cli"
compose() { $compose_cli -f docker-compose.yml -f .layerpin/deploy.override.yml "$@"; }
layers() { $docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | grep -v '^$'; }
container_of() { $docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1"; }
trap 'cd "$work/app" 2>/dev/null && compose down -v >/dev/null 2>&1; $docker images -q --filter "reference=$project-*" | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
python_app "$work/app"
cd "$work/app"
printf '.git\nworker\n' >> .dockerignore
mkdir worker
cat > worker/Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /w
COPY . .
CMD ["sh", "-c", "if [ -e fail ]; then echo worker refuses; exit 3; fi; cat greeting; exec sleep 600"]
DOCKERFILE
printf 'hello from the worker\n' > worker/greeting
printf 'Dockerfile*\n' > worker/.dockerignore
(cd worker && "$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >/dev/null)
app_compose_file
cat >> docker-compose.yml <<'YAML'
  worker:
    build:
      context: worker
      network: none
    network_mode: none
YAML
git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm first

deploy() { "$LAYERPIN" deploy --timeout 60 "$@" >"$work/deploy.out" 2>"$work/deploy.err"; }
line() { grep "^$1  " "$work/deploy.out"; }
deploy
status=$?
check "first deploy exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || { cat "$work/deploy.out"; grep -v '^#' "$work/deploy.err" | tail -n 20; }
check "first deploy: both services built and created" sh -c "line() { grep \"^\$1  \" '$work/deploy.out'; }; line app | grep -q '  rebuilt  recreated  ' && line worker | grep -q '  rebuilt  recreated  '"
check "... and a summary" grep -q "^deployed 2 service(s): 2 rebuilt, 2 recreated; every container runs the working tree's code$" "$work/deploy.out"
commit=$(git rev-parse HEAD)
check "the line names the commit and the source digest" sh -c "grep '^app  commit $(git rev-parse HEAD | cut -c1-12)  src [0-9a-f]\{12\}  ' '$work/deploy.out' >/dev/null"
app=$(container_of app)
worker=$(container_of worker)
$docker logs "$app" 2>&1 | grep -q "layerpin: commit $commit src sha256:"
check "the app logs its commit at start-up" test $? -eq 0
first_image=$($docker inspect -f '{{.Image}}' "$app")

# A code-only change: only the app is rebuilt and recreated; the worker is kept.
sed -i 's/hello from python-app/hello, deployed/' src/app/main.py
git -c user.name=t -c user.email=t@x.invalid commit -qam code
deploy
check "a code-only change deploys (exit 0)" test $? -eq 0
check "... the app rebuilt and recreated" sh -c "grep '^app  ' '$work/deploy.out' | grep -q '  rebuilt  recreated  '"
check "... the worker reused and kept" sh -c "grep '^worker  ' '$work/deploy.out' | grep -q '  reused  kept  '"
check "... the worker's container is the same" test "$(container_of worker)" = "$worker"
app=$(container_of app)
$docker logs "$app" 2>&1 | grep -q "layerpin: commit $(git rev-parse HEAD) src sha256:"
check "... the new container logs the new commit" test $? -eq 0
$docker logs "$app" 2>&1 | grep -q "hello, deployed"
check "... and runs the new code" test $? -eq 0
layers "$first_image" >"$work/l1"
layers "$($docker inspect -f '{{.Image}}' "$app")" >"$work/l2"
shared=$(($(wc -l <"$work/l1") - 4))
check "... the dependency layers reused" test "$(head -n "$shared" "$work/l1")" = "$(head -n "$shared" "$work/l2")"

# No change: nothing built, nothing recreated.
started=$(date +%s%N)
deploy
status=$?
took=$((($(date +%s%N) - started) / 1000000))
check "no change deploys (exit 0)" test "$status" -eq 0
check "... nothing rebuilt or recreated" grep -q "^deployed 2 service(s): 0 rebuilt, 0 recreated;" "$work/deploy.out"
check "... no docker build ran" sh -c "! grep -q 'load build definition' '$work/deploy.err'"
echo "   (an unchanged deploy took ${took} ms, compose up included)"

# --dry-run after a change: says what would change, touches nothing.
printf 'hello again from the worker\n' > worker/greeting
before=$($docker images -q | sort | tr '\n' ' ')
deploy --dry-run
check "--dry-run exits 0" test $? -eq 0
check "... says the worker would be rebuilt and recreated" sh -c "grep '^worker  ' '$work/deploy.out' | grep -q 'would rebuild  would recreate'"
check "... and the app kept" sh -c "grep '^app  ' '$work/deploy.out' | grep -q 'reuse  keep'"
check "... built nothing" test "$($docker images -q | sort | tr '\n' ' ')" = "$before"
check "... recreated nothing" test "$(container_of worker)" = "$worker"
deploy worker
check "deploying only the worker after it" sh -c "grep '^worker  ' '$work/deploy.out' | grep -q '  rebuilt  recreated  '"
worker=$(container_of worker)

# A requirements change: the install runs again (a content of this run's own: the engine's cache
# holds every requirements file it ever installed from).
printf 'six==1.16.0\n# pinned by run %s\n' "$project" > requirements.txt
deploy
check "a requirements change deploys (exit 0)" test $? -eq 0
grep -A3 'pip install' "$work/deploy.err" | grep -q CACHED
check "... the install ran again (not cached)" test $? -ne 0

# A service that fails to start: exit 1, doctor's cause, the other left running.
touch worker/fail
deploy --json
status=$?
check "a worker that exits at start-up fails the deploy (exit 1)" test "$status" -eq 1
check "... the JSON says the worker failed, exited" python3 -c "
import json, sys
out = json.load(open('$work/deploy.out'))
services = {s['service']: s for s in out['services']}
worker, app = services['worker'], services['app']
ok = (not out['ok']) and (not worker['ok']) and app['ok'] and any('exited' in f for f in worker['failures']) \
    and any(c['cause'] == 'exited' for c in worker['causes'])
sys.exit(0 if ok else 1)"
check "... the app is still running" test "$($docker inspect -f '{{.State.Running}}' "$(container_of app)")" = true
deploy
check "... and in text, the cause and its fix" sh -c "grep -q '^worker: cause: exited' '$work/deploy.out' && grep -q '^  fix: ' '$work/deploy.out' && grep -q '^deploy failed: worker (1 of 2 services); the others are running$' '$work/deploy.out'"
finish
