#!/bin/sh
# The pins of Fixtures/pinned/ on the engine: a Dockerfile checked out with CRLF line ends (a
# heredoc among them), one with a BOM, Latin-1 bytes and no final newline. `layerpin dockerfile
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
    name=$(basename "$case_dir")
    python_app "$work/$name" "layerpin-e2e-bytes-$name"
    cd "$work/$name" || exit 1
    printf 'print("hello from %s")\n' "$name" > main.py
    printf 'Dockerfile*\n' >> .dockerignore
    cp "$case_dir/Dockerfile" Dockerfile.user
    "$LAYERPIN" dockerfile --from Dockerfile.user -o Dockerfile >"$work/$name.pin" 2>&1
    status=$?
    if [ "$generation" = 20.10 ] && grep -q '<<EOF' Dockerfile.user; then
        check "$name: on 20.10, whose frontend has no heredocs, the pin is refused (exit 2)" test "$status" -eq 2
        $docker build -f Dockerfile.user --network=none . >"$work/$name.engine" 2>&1
        check "$name: ... as the engine refuses the file" test $? -ne 0
        cd "$work" || exit 1
        continue
    fi
    check "$name: the pin exits 0" test "$status" -eq 0
    cmp -s Dockerfile "$case_dir/expected"
    check "$name: the pin is the expected bytes" test $? -eq 0
    git init -q && git add -A && git -c user.name=t -c user.email=t@x.invalid commit -qm "$name"
    "$LAYERPIN" build -- --network=none >"$work/$name.build" 2>&1
    status=$?
    check "$name: the pinned file builds" test "$status" -eq 0
    [ "$status" -eq 0 ] || tail -n 15 "$work/$name.build"
    tag=$(head -n 1 "$work/$name.build")
    images="$images $tag"
    $docker run --rm "$tag" >"$work/$name.run" 2>&1
    check "$name: the program runs after the start-up check" sh -c "grep -q 'hello from $name' '$work/$name.run' && grep -q 'layerpin: commit $(git rev-parse HEAD)' '$work/$name.run'"
    "$LAYERPIN" verify --image "$tag" >"$work/$name.verify" 2>&1
    check "$name: verify --image passes" test $? -eq 0
    cd "$work" || exit 1
done
finish
