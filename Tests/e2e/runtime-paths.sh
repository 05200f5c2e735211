#!/bin/sh
# An application that writes into its own directory at run time (a Django-style db.sqlite3):
# without `runtime:` in layerpin.yaml, verify fails and the start-up check refuses a restart; with
# it, verify passes (naming the file as written at run time) and the container restarts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
ctr=layerpin-e2e-runtime-c
trap '$docker rm -f $ctr >/dev/null 2>&1; $docker images -q layerpin-e2e-runtime | sort -u | xargs -r $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -r "$here/../../Fixtures/python-app" "$work/app"
cd "$work/app"
cat > Dockerfile <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /app
COPY . /app/
COPY .layerpin/manifest.json .layerpin/verify.sh /etc/layerpin/
RUN ["/etc/layerpin/verify.sh", "--build"]
ENTRYPOINT ["/etc/layerpin/verify.sh"]
CMD ["sh", "-c", "echo rows > /app/db.sqlite3 && exec sleep 600"]
DOCKERFILE
printf '.layerpin/cache\n' >> .dockerignore

# deploy: build with layerpin, start a container and let it write its database.
deploy() {
    tag=$("$LAYERPIN" build --tag layerpin-e2e-runtime -- --network=none 2>"$work/build.log") || cat "$work/build.log"
    $docker rm -f $ctr >/dev/null 2>&1
    $docker run -d --name $ctr --network=none "$tag" >/dev/null
    i=0
    until $docker exec $ctr test -f /app/db.sqlite3 2>/dev/null || [ "$i" -gt 40 ]; do
        sleep 0.25
        i=$((i + 1))
    done
}
running_after_restart() {
    $docker restart $ctr >/dev/null 2>&1
    sleep 2
    test "$($docker inspect -f '{{.State.Running}} {{.RestartCount}}' $ctr)" = "true 0"
}

deploy
out=$("$LAYERPIN" verify --container $ctr 2>/dev/null)
status=$?
check "without runtime:, the file the app wrote fails verify (exit 1)" test "$status" -eq 1
check "and is named" test "$out" = "extra /app/db.sqlite3"
running_after_restart
check "and the start-up check refuses a restart" test $? -ne 0
$docker logs $ctr 2>&1 | grep -q "layerpin: extra /app/db.sqlite3"
check "the refusal names the file" test $? -eq 0

printf 'runtime: [db.sqlite3]\n' > layerpin.yaml
deploy
out=$("$LAYERPIN" verify --container $ctr 2>/dev/null)
status=$?
check "with runtime: [db.sqlite3], verify passes (exit 0)" test "$status" -eq 0
case "$out" in "ok: commit "*"
written at run time: extra /app/db.sqlite3") pass "and reports the file as written at run time" ;;
*) fail "written at run time (got: $out)" ;; esac
running_after_restart
check "and the container restarts" test $? -eq 0
finish
