#!/bin/sh
# A user's own multi-stage Dockerfile, pinned with `layerpin dockerfile --from` and built with
# `layerpin build --target`: a tool upgrade before the install, COPY . . before the install (split),
# the user's ENTRYPOINT ["python3"] with a CMD, and a dev-envs stage after the built one
# (docker/awesome-compose's Python shape). The container runs the user's program with its
# arguments through the start-up check, verify --image checks files, a tampered file is refused at
# start-up, and a code-only rebuild keeps the dependency layers.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
work=$(mktemp -d)
images=""
trap 'rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT
python_app "$work/app" layerpin-e2e-shapes
cd "$work/app"
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/python AS builder
RUN pip install --no-index --upgrade pip || true
WORKDIR /app
COPY . .
RUN pip install --no-index --find-links wheels -r requirements.txt
ENTRYPOINT ["python3"]
CMD ["src/app/main.py"]

FROM builder AS dev-envs
RUN echo dev > /dev-marker
DOCKERFILE
# A common line: the Dockerfiles themselves stay out of the context (COPY . . never copies them).
printf 'Dockerfile*\n' >> .dockerignore
"$LAYERPIN" dockerfile --from Dockerfile.user --target builder -o Dockerfile >"$work/pin.out" 2>&1
check "the user's Dockerfile pins" test $? -eq 0
tool=$(grep -n 'upgrade pip' Dockerfile | cut -d: -f1)
src=$(grep -n 'ARG LAYERPIN_SRC_DIGEST' Dockerfile | cut -d: -f1)
install=$(grep -n 'find-links wheels' Dockerfile | cut -d: -f1)
check "the source digest comes after the real install, not after the tool upgrade" test "$src" -gt "$install" -a "$install" -gt "$tool"
grep -q '^ENTRYPOINT \["/etc/layerpin/verify.sh", "python3"\]$' Dockerfile
check "the user's ENTRYPOINT is wrapped, not replaced" test $? -eq 0
sed -n '/^FROM builder AS dev-envs/,$p' Dockerfile | grep -q LAYERPIN
check "the stage after the built one is left alone" test $? -ne 0

# build TARGET: the image's first tag (a dependency stage of its own would add its deps- tag).
build() {
    "$LAYERPIN" build --target "$1" -- --network=none 2>"$work/build.log" | head -n 1
    grep -q 'docker build failed' "$work/build.log" && grep -v '^#' "$work/build.log" | tail -20 >&2
}
first=$(build builder)
images="$images $first"
check "the pinned file builds as builder, from layerpin's archive" test -n "$first"
out=$($docker run --rm --network=none "$first" 2>"$work/startup.err")
case "$(cat "$work/startup.err")" in "layerpin: commit unknown src sha256:"*" verified "[1-9]*" files") pass "the start-up check ran and checked files" ;;
*) fail "the start-up line (got: $(cat "$work/startup.err"))" ;; esac
case "$out" in "hello from python-app (six 1.16.0"*) pass "then the user's program runs (ENTRYPOINT python3 + CMD)" ;; *) fail "the program (got: $out)" ;; esac
out=$($docker run --rm --network=none "$first" -c 'print(6 * 7)' 2>/dev/null)
check "arguments replace CMD as before pinning: python3 -c runs" test "$out" = 42
$docker run --rm --entrypoint sh "$first" -c 'test ! -e /app/Dockerfile && test ! -e /app/Dockerfile.user'
check "a Dockerfile .dockerignore keeps out is not in the image (as with docker build DIR)" test $? -eq 0
out=$("$LAYERPIN" verify --image "$first" 2>&1)
case "$out" in "ok: commit unknown, "*" (0 files)"*) fail "verify --image checked no file (got: $out)" ;;
"ok: commit unknown, "*) pass "verify --image passes, checking files" ;; *) fail "verify --image (got: $out)" ;; esac
$docker run --rm --network=none --entrypoint sh "$first" -c \
    'echo "# tampered" >> /app/src/app/main.py && exec /etc/layerpin/verify.sh python3 src/app/main.py' \
    >"$work/tampered.out" 2>&1
status=$?
check "a tampered file is refused at start-up" sh -c "test $status -eq 1 && grep -q 'layerpin: content /app/src/app/main.py' '$work/tampered.out'"

layers() { $docker image inspect -f '{{range .RootFS.Layers}}{{println .}}{{end}}' "$1" | grep -v '^$'; }
sed -i 's/hello from python-app/hello, shapes/' src/app/main.py
second=$(build builder)
images="$images $second"
layers "$first" >"$work/l1"
layers "$second" >"$work/l2"
# The last four layers are the application's (COPY .layerpin/…, RUN verify.sh --record-before-copy,
# COPY . ., RUN verify.sh --build).
shared=$(($(wc -l <"$work/l1") - 4))
check "a code-only rebuild keeps the dependency layers (tool upgrade, deps COPY, install)" \
    test "$(head -n "$shared" "$work/l1")" = "$(head -n "$shared" "$work/l2")"
out=$($docker run --rm --network=none "$second" 2>/dev/null)
case "$out" in "hello, shapes"*) pass "and the new code runs" ;; *) fail "new code (got: $out)" ;; esac

dev=$(build dev-envs)
images="$images $dev"
check "the dev-envs target builds too" test -n "$dev"
$docker run --rm --network=none --entrypoint cat "$dev" /dev-marker >/dev/null 2>&1
check "it is dev-envs (its own step ran)" test $? -eq 0
"$LAYERPIN" verify --image "$dev" >/dev/null 2>&1
check "and verifies: it carries the builder's check" test $? -eq 0

# A slim final stage that copies the application --from a build stage: the check and the labels
# travel into the final image, where the files are traced to (context lib/ → /src/lib → /app/lib).
mkdir -p "$work/slim/lib"
cd "$work/slim"
printf 'import lib.helper\nprint("slim", lib.helper.VALUE)\n' > app.py
printf 'VALUE = 1\n' > lib/helper.py
touch lib/__init__.py
printf 'image: layerpin-e2e-slim\n' > layerpin.yaml
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/python AS build
WORKDIR /src
COPY . .
RUN echo built > /built

FROM layerpin-e2e/python
WORKDIR /app
COPY --from=build /src/app.py ./
COPY --from=build /src/lib ./lib/
ENTRYPOINT ["python3"]
CMD ["app.py"]
DOCKERFILE
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >/dev/null 2>&1
check "the slim shape pins: the final stage carries the check" grep -q '^COPY --from=build /etc/layerpin /etc/layerpin$' Dockerfile
slim=$("$LAYERPIN" build -- --network=none 2>"$work/slim.log" | head -n 1)
images="$images $slim"
check "it builds" test -n "$slim"
out=$($docker run --rm --network=none "$slim" 2>"$work/slim.err")
case "$(cat "$work/slim.err") $out" in "layerpin: commit unknown src sha256:"*" verified "[1-9]*" files slim 1") pass "the final image checks its traced files at start-up, then runs" ;;
*) fail "slim start-up (got: $(cat "$work/slim.err") $out)" ;; esac
out=$("$LAYERPIN" verify --image "$slim" 2>&1)
case "$out" in "ok: commit unknown, "*" verified"*) pass "verify --image passes on the final image" ;; *) fail "verify --image slim (got: $out)" ;; esac

# A final image without a shell (FROM scratch): the manifest and labels, no RUN; checked from outside.
mkdir -p "$work/scratch/static"
cd "$work/scratch"
printf 'hello\n' > static/index.html
printf 'FROM scratch\nCOPY static /srv/www/\nENTRYPOINT ["/nothing"]\n' > Dockerfile.user
printf 'image: layerpin-e2e-scratch\n' > layerpin.yaml
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >/dev/null 2>&1
check "a FROM scratch file pins without a RUN" sh -c '! grep -q "^RUN" Dockerfile && grep -q "^COPY .layerpin/manifest.json" Dockerfile'
scratch=$("$LAYERPIN" build 2>"$work/scratch.log" | head -n 1)
images="$images $scratch"
check "it builds" test -n "$scratch"
out=$("$LAYERPIN" verify --image "$scratch" 2>&1)
case "$out" in "ok: commit unknown, "*" (1 files) verified"*) pass "verify --image checks its file from outside" ;;
*) fail "verify --image of a scratch image (got: $out)" ;; esac

# runs_verifies_refuses NAME IMAGE PATTERN TAMPER PATH: the container's start-up line and output
# ("STDERR STDOUT") match PATTERN, verify --image passes checking files, and the start-up check
# refuses the image once TAMPER (a shell command ending in the verifier) changed PATH.
runs_verifies_refuses() {
    out=$($docker run --rm --network=none "$2" 2>"$work/$1.err")
    # shellcheck disable=SC2254 # PATTERN is a glob
    case "$(cat "$work/$1.err") $out" in $3) pass "$1: the start-up check passes, then the program runs" ;;
    *) fail "$1: start-up (got: $(cat "$work/$1.err") $out)" ;; esac
    out=$("$LAYERPIN" verify --image "$2" 2>&1)
    case "$out" in "ok: commit unknown, "*" (0 files)"*) fail "$1: verify --image checked no file (got: $out)" ;;
    "ok: commit unknown, "*" verified"*) pass "$1: verify --image passes, checking files" ;; *) fail "$1: verify --image (got: $out)" ;; esac
    $docker run --rm --network=none --entrypoint sh "$2" -c "$4" >"$work/$1-tampered.out" 2>&1
    status=$?
    check "$1: a tampered $5 is refused at start-up" sh -c "test $status -eq 1 && grep -q 'layerpin: content $5' '$work/$1-tampered.out'"
}

# After the install, a configuration file copied to a directory the base image has, with no
# trailing / (COPY app.conf /etc: the engine puts it at /etc/app.conf), one to a directory a RUN
# made, a step between the application's copies, and COPY . . last: the check follows the last
# copy, recording what the step left, and every verifier asks the built image where files went.
mkdir -p "$work/conf"
cd "$work/conf"
printf 'print(open("/etc/app.conf").read().strip(), open("/srv/conf/extra.conf").read().strip())\n' > main.py
printf 'setting=%s\n' "$$" > app.conf
printf 'extra=1\n' > extra.conf
printf 'image: layerpin-e2e-conf\n' > layerpin.yaml
printf 'Dockerfile*\n' > .dockerignore
: > requirements.txt
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/python
WORKDIR /app
RUN mkdir -p /srv/conf
COPY requirements.txt .
RUN pip install --no-index -r requirements.txt
COPY app.conf /etc
RUN echo stamp > /app/stamp
COPY extra.conf /srv/conf
COPY . .
CMD ["python3", "main.py"]
DOCKERFILE
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/conf.pin" 2>&1
check "the configuration shape pins" test $? -eq 0
last_copy=$(grep -n '^COPY \. \.$' Dockerfile | cut -d: -f1)
checked=$(grep -n 'verify.sh", "--record", "--build"' Dockerfile | cut -d: -f1)
check "the in-build check follows the last application copy, recording the step between" \
    test -n "$checked" -a "$checked" = "$((last_copy + 1))"
conf=$("$LAYERPIN" build -- --network=none 2>"$work/conf.log" | head -n 1)
images="$images $conf"
check "it builds: the in-build check finds /etc/app.conf inside the base image's /etc" test -n "$conf"
[ -n "$conf" ] || grep -v '^#' "$work/conf.log" | tail -20 >&2
runs_verifies_refuses conf "$conf" "layerpin: commit unknown src sha256:*verified [1-9]* files and 1 build outputs setting=$$ extra=1" \
    'echo tampered >> /etc/app.conf && exec /etc/layerpin/verify.sh python3 main.py' /etc/app.conf

# A stage whose parent's ONBUILD triggers copy the application (the old *-onbuild images' shape,
# written as a stage): the triggers run first in the stage built FROM it, so the pinned lines
# follow that FROM, and the image checks what the triggers copied.
mkdir -p "$work/onbuild"
cd "$work/onbuild"
printf 'print("onbuild", open("/app/data.txt").read().strip())\n' > main.py
printf '%s\n' "$$" > data.txt
printf 'image: layerpin-e2e-onbuild\n' > layerpin.yaml
printf 'Dockerfile*\n' > .dockerignore
cat > Dockerfile.user <<'DOCKERFILE'
FROM layerpin-e2e/python AS onbuild
WORKDIR /app
ONBUILD COPY . .

FROM onbuild
CMD ["python3", "main.py"]
DOCKERFILE
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/onbuild.pin" 2>&1
check "a stage copied by its parent's ONBUILD trigger pins" test $? -eq 0
from=$(grep -n '^FROM onbuild$' Dockerfile | cut -d: -f1)
check "the pinned lines follow the FROM whose triggers copy, the parent stays as written" \
    sh -c "sed -n '$((from + 1))p' Dockerfile | grep -q '^ARG LAYERPIN_SRC_DIGEST$' && test \"\$(sed -n '1,$((from - 1))p' Dockerfile)\" = \"\$(sed -n '1,$((from - 1))p' Dockerfile.user)\""
onbuild=$("$LAYERPIN" build -- --network=none 2>"$work/onbuild.log" | head -n 1)
images="$images $onbuild"
check "it builds" test -n "$onbuild"
[ -n "$onbuild" ] || grep -v '^#' "$work/onbuild.log" | tail -20 >&2
runs_verifies_refuses onbuild "$onbuild" "layerpin: commit unknown src sha256:*verified [1-9]* files onbuild $$" \
    'echo 0 > /app/data.txt && exec /etc/layerpin/verify.sh python3 main.py' /app/data.txt

# The groups follow the Dockerfile: a file no COPY takes (a README) is in no layer, so changing it
# keeps the src digest, the tag and every layer; a copied file moves them.
mkdir -p "$work/subset/src"
cd "$work/subset"
printf 'print("subset", %s)\n' "$$" > src/main.py
printf '# readme\n' > README.md
printf 'image: layerpin-e2e-subset\n' > layerpin.yaml
printf 'Dockerfile*\n' > .dockerignore
printf 'FROM layerpin-e2e/python\nWORKDIR /app\nCOPY src/ ./src/\nCMD ["python3", "src/main.py"]\n' > Dockerfile.user
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >/dev/null 2>&1
one=$("$LAYERPIN" build -- --network=none 2>"$work/subset.log" | head -n 1)
images="$images $one"
check "a Dockerfile copying src/ only builds" test -n "$one"
printf '# readme, edited\n' > README.md
out=$("$LAYERPIN" plan 2>&1)
case "$out" in *"in no layer"*"README.md"*"content README.md (in no layer)"*"rebuilds: no layer"*) pass "plan: README.md is in no layer, and nothing rebuilds" ;;
*) fail "plan after a README change (got: $out)" ;; esac
two=$("$LAYERPIN" build -- --network=none 2>>"$work/subset.log" | head -n 1)
check "the rebuild keeps the src tag" test -n "$two" -a "$two" = "$one"
layers "$one" >"$work/s1"
layers "$two" >"$work/s2"
check "and every layer" cmp -s "$work/s1" "$work/s2"
out=$($docker run --rm --network=none "$two" 2>/dev/null)
check "the image runs the same code" test "$out" = "subset $$"
printf 'print("subset, changed")\n' > src/main.py
three=$("$LAYERPIN" build -- --network=none 2>>"$work/subset.log" | head -n 1)
images="$images $three"
check "a copied file's change moves the src tag" test -n "$three" -a "$three" != "$one"

# A final stage without a shell that takes only a build product --from a build stage (the Go and
# Rust shape): the build stage, which has a shell, checks the copied files against its own layout
# right after the copy, and a stale manifest fails the build there.
mkdir -p "$work/product"
cd "$work/product"
printf 'one %s\n' "$$" > a.txt
printf 'two\n' > b.txt
printf 'image: layerpin-e2e-product\n' > layerpin.yaml
printf 'Dockerfile*\n' > .dockerignore
# (A file already in the copy's destination, as a base image may have one, is recorded first.)
printf 'FROM layerpin-e2e/busybox AS build\nWORKDIR /src\nRUN echo base > /src/base.txt\nCOPY . .\nRUN cat a.txt b.txt > /bundle.txt\n\nFROM scratch\nCOPY --from=build /bundle.txt /bundle.txt\nENTRYPOINT ["/nothing"]\n' > Dockerfile.user
"$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >/dev/null 2>&1
grep -q '^RUN \["/etc/layerpin/verify.sh", "--stage", "--build"\]$' Dockerfile
check "the build stage checks its own copy (the final stage has no shell)" test $? -eq 0
product=$("$LAYERPIN" build -- --network=none --progress=plain 2>"$work/product.log" | head -n 1)
images="$images $product"
check "it builds" test -n "$product"
grep -q 'layerpin: commit unknown src sha256:.* verified [1-9][0-9]* files' "$work/product.log"
check "the in-build check verified the copied files in the build stage" test $? -eq 0
out=$("$LAYERPIN" verify --image "$product" 2>&1)
case "$out" in "ok: commit unknown, provenance only: "*) pass "verify --image of the final image: provenance only, said so" ;; *) fail "verify --image product (got: $out)" ;; esac
printf 'changed after the plan\n' > a.txt
$docker build --network=none -f Dockerfile . >"$work/product-stale.log" 2>&1
status=$?
check "a build with a stale manifest fails at the build stage's check" sh -c "test $status -ne 0 && grep -q 'layerpin: content /src/a.txt' '$work/product-stale.log'"
finish
