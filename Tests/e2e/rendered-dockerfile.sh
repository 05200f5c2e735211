#!/bin/sh
# The Dockerfile `layerpin init` renders for Fixtures/python-app builds offline on a real engine;
# a code-only rebuild keeps the dependency layer (the installed package's files) and a
# requirements change re-runs the install.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
work=$(mktemp -d)
images=""
trap 'rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT
python_app "$work/app" layerpin-e2e-python
cd "$work/app"
check "the rendered Dockerfile has no # syntax line" test "$(grep -c '^# *syntax' Dockerfile)" -eq 0
lints_clean() { "$LAYERPIN" lint --format text >"$work/lint.txt"; }
check "the rendered Dockerfile lints clean of warnings" lints_clean

build() { "$LAYERPIN" build -- --network=none 2>"$work/build.log" || { grep -v '^#' "$work/build.log" | tail -20; }; }
first=$(build)
images="$images $first"
check "the rendered Dockerfile builds (offline, from layerpin's archive)" test -n "$first"
out=$($docker run --rm --network=none "$first" 2>"$work/startup.err")
case "$(cat "$work/startup.err")" in "layerpin: commit unknown src sha256:"*"verified"*"files") pass "the verifier's start-up line" ;;
*) fail "the verifier's start-up line (got: $(cat "$work/startup.err"))" ;; esac
case "$out" in "hello from python-app (six 1.16.0"*) pass "then the app runs" ;; *) fail "then the app runs (got: $out)" ;; esac

layers() { $docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | grep -v '^$'; }
sed -i 's/hello from python-app/hello again from python-app/' src/app/main.py
started=$(date +%s)
second=$(build)
elapsed=$(($(date +%s) - started))
images="$images $second"
echo "code-only rebuild took ${elapsed}s"
check "a code-only change gets a new digest tag" test -n "$second" -a "$second" != "$first"
out=$($docker run --rm --network=none "$second" 2>/dev/null)
case "$out" in *"hello again from python-app"*) pass "the code change is in the image" ;; *) fail "the code change is in the image (got: $out)" ;; esac
layers "$first" > "$work/l1"
layers "$second" > "$work/l2"
six_first=$($docker run --rm --entrypoint sh "$first" -c 'sha256sum /usr/local/lib/python3.11/dist-packages/six.py' 2>&1)
six_second=$($docker run --rm --entrypoint sh "$second" -c 'sha256sum /usr/local/lib/python3.11/dist-packages/six.py' 2>&1)
check "the installed package's files are unchanged" test "$six_first" = "$six_second" -a -n "$six_first"
# The last four layers are the application's (COPY .layerpin/…, RUN verify.sh --record-before-copy,
# COPY . ./, RUN verify.sh --build);
# everything below them — base, dependency COPYs, the install — must be the very same layers.
shared=$(($(wc -l < "$work/l1") - 4))
check "the dependency layers are cached: every layer below the application COPY is identical" \
    test "$(head -n "$shared" "$work/l1")" = "$(head -n "$shared" "$work/l2")"
check "the application layers differ" test "$(tail -n 3 "$work/l1")" != "$(tail -n 3 "$work/l2")"
grep -q 'pip install' "$work/build.log" && grep -A2 'pip install' "$work/build.log" | grep -q CACHED
check "the build log shows the install step CACHED" test $? -eq 0

echo "six==1.16.0  # pinned" > requirements/base.txt
third=$(build)
images="$images $third"
layers "$third" > "$work/l3"
check "a requirements change re-runs the install (its layer differs)" \
    test "$(head -n "$shared" "$work/l1" | tail -n 1)" != "$(head -n "$shared" "$work/l3" | tail -n 1)"
finish
