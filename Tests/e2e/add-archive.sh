#!/bin/sh
# ADD of a local archive on the engine: the engine unpacks `ADD vendor.tar.gz ./vendor/`, so the
# manifest maps no path to the archive there (LP014 says so), and what it unpacks is recorded as a
# build output: the pinned image builds (the in-build check passes), the program runs after the
# start-up check, verify --image passes, and a changed unpacked file fails the start-up check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
work=$(mktemp -d)
images=""
trap 'rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT
mkdir -p "$work/app/payload/lib"
cd "$work/app" || exit 1
# Unique per run: BuildKit's cache would otherwise hand back another run's layers.
echo "vendored $$-$(date +%s%N)" > payload/lib/a.txt
tar -C payload -czf vendor.tar.gz lib
rm -rf payload
printf 'echo "started: $(cat /app/vendor/lib/a.txt)"\n' > main.sh
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/busybox
WORKDIR /app
ADD vendor.tar.gz ./vendor/
COPY . .
CMD ["sh", "main.sh"]
DOCKERFILE
printf 'Dockerfile*\n.dockerignore\n' > .dockerignore
printf 'image: layerpin-e2e-add-archive\n' > layerpin.yaml
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/pin.out" 2>&1
check "the Dockerfile with ADD of a local archive pins" test $? -eq 0
"$LAYERPIN" lint --no-cache Dockerfile.user >"$work/lint.out" 2>&1
check "lint says the archive is unpacked, its files checked as build outputs (LP014)" grep -q '^Dockerfile.user:3: info LP014 ADD vendor.tar.gz unpacks' "$work/lint.out"
git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm archive
"$LAYERPIN" build -- --network=none >"$work/build.out" 2>"$work/build.log"
status=$?
check "the pinned image builds: the in-build check accepts what the engine unpacked" test "$status" -eq 0
[ "$status" -eq 0 ] || tail -n 15 "$work/build.log"
tag=$(head -n 1 "$work/build.out")
images="$tag"
$docker run --rm "$tag" >"$work/run.out" 2>&1
check "the program runs after the start-up check, reading the unpacked file" sh -c "grep -q '^started: vendored' '$work/run.out' && grep -q 'layerpin: commit $(git rev-parse HEAD)' '$work/run.out'"
"$LAYERPIN" verify --image "$tag" >"$work/verify.out" 2>&1
check "verify --image passes" test $? -eq 0
$docker run --rm --entrypoint /bin/sh "$tag" -c 'echo changed >> /app/vendor/lib/a.txt && exec /etc/layerpin/verify.sh true' >"$work/tamper.out" 2>&1
check "a changed unpacked file fails the start-up check" test $? -ne 0
check "... naming it" grep -q '/app/vendor/lib/a.txt' "$work/tamper.out"
finish
