#!/bin/sh
# The pins of Fixtures/pinned/ on the engine: a Dockerfile checked out with CRLF line ends (a
# heredoc among them), one with a BOM, Latin-1 bytes and no final newline, and the shapes of real
# Dockerfiles (a builder with dev-envs after it, the user's ENTRYPOINT in exec and shell form, a
# slim stage copying --from, a file copied to the base image's /etc, ONBUILD triggers). `layerpin dockerfile
# --from` gives exactly the expected bytes (every line it does not change as it was), and the
# pinned file builds with `layerpin build`, runs the program through the start-up check, and
# verifies. Docker 20.10's built-in frontend has no heredocs: there the CRLF case is refused at
# the heredoc's body, as the engine refuses it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
python_image
work=$(mktemp -d)
images=""
trap 'rm -rf "$work"; [ -n "$images" ] && $docker rmi -f $images >/dev/null 2>&1' EXIT
generation=$($docker --version | grep -q 'version 20\.' && echo 20.10 || echo current)
for case_dir in "$here"/../../Fixtures/pinned/*/; do
    shape=$(basename "$case_dir")
    python_app "$work/$shape" "layerpin-e2e-bytes-$shape"
    cd "$work/$shape" || exit 1
    printf 'print("hello from %s")\n' "$shape" > main.py
    # The files a case's Dockerfile copies besides the sample app's (an app.conf).
    [ -d "$case_dir/context" ] && cp -R "$case_dir/context/." .
    printf 'Dockerfile*\n' >> .dockerignore
    cp "$case_dir/Dockerfile" Dockerfile.user
    "$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/$shape.pin" 2>&1
    status=$?
    if [ "$generation" = 20.10 ] && grep -q '<<EOF' Dockerfile.user; then
        check "$shape: on 20.10, whose frontend has no heredocs, the pin is refused (exit 2)" test "$status" -eq 2
        $docker build -f Dockerfile.user --network=none . >"$work/$shape.engine" 2>&1
        check "$shape: ... as the engine refuses the file" test $? -ne 0
        cd "$work" || exit 1
        continue
    fi
    check "$shape: the pin exits 0" test "$status" -eq 0
    cmp -s Dockerfile "$case_dir/expected"
    check "$shape: the pin is the expected bytes" test $? -eq 0
    git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm "$shape"
    "$LAYERPIN" build -- --network=none >"$work/$shape.build" 2>"$work/$shape.build-log"
    status=$?
    check "$shape: the pinned file builds" test "$status" -eq 0
    [ "$status" -eq 0 ] || tail -n 15 "$work/$shape.build-log"
    tag=$(head -n 1 "$work/$shape.build")
    images="$images $tag"
    $docker run --rm "$tag" >"$work/$shape.run" 2>&1
    check "$shape: the program runs after the start-up check" sh -c "grep -q 'hello from $shape' '$work/$shape.run' && grep -q 'layerpin: commit $(git rev-parse HEAD)' '$work/$shape.run'"
    "$LAYERPIN" verify --image "$tag" >"$work/$shape.verify" 2>&1
    status=$?
    check "$shape: verify --image passes, checking files" sh -c "test $status -eq 0 && ! grep -q '(0 files)' '$work/$shape.verify'"
    # A tampered main.py (where the image's WORKDIR holds it) is refused by the start-up check that
    # wraps the image's own entry point.
    workdir=$($docker image inspect -f '{{.Config.WorkingDir}}' "$tag")
    program=$($docker image inspect -f '{{range .Config.Entrypoint}}{{.}}{{"\n"}}{{end}}' "$tag" | head -n 1)
    $docker run --rm --network=none --entrypoint sh "$tag" -c \
        "echo '# tampered' >> '${workdir:-/}/main.py' && exec '$program' python3 main.py" >"$work/$shape.tampered" 2>&1
    status=$?
    check "$shape: a tampered main.py is refused at start-up" sh -c "test $status -eq 1 && grep -q 'layerpin: content ${workdir%/}/main.py' '$work/$shape.tampered'"
    # A code-only change: the dependency install, when there is one, is not run again.
    if grep -q 'pip install' Dockerfile.user; then
        printf 'print("hello again from %s")\n' "$shape" > main.py
        git commit -qam "$shape: code only"
        "$LAYERPIN" build -- --network=none --progress=plain >"$work/$shape.build2" 2>"$work/$shape.build2-log"
        tag2=$(head -n 1 "$work/$shape.build2")
        images="$images $tag2"
        grep -A3 'pip install --no-index' "$work/$shape.build2-log" | grep -q CACHED
        check "$shape: a code-only rebuild keeps the dependency install CACHED" test $? -eq 0
        $docker run --rm "$tag2" >"$work/$shape.run2" 2>&1
        check "$shape: and the new code runs" grep -q "hello again from $shape" "$work/$shape.run2"
    fi
    cd "$work" || exit 1
done
finish
