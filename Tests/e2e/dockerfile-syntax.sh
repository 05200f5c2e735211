#!/bin/sh
# The parser's reading of Fixtures/dockerfiles/engine-checked (pinned in its `expected`) is the
# engine's: build it and look at what the engine made of each line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base_image
tag=layerpin-e2e-syntax:$$
trap '$docker rmi -f $tag >/dev/null 2>&1' EXIT
fixture="$here/../../Fixtures/dockerfiles/engine-checked"
grep -q 'shell "echo one     two > /out1"' "$fixture/expected"
check "the golden outline joins the continuation without the comment and the blank line" test $? -eq 0
$docker build -q --network=none -t $tag -f "$fixture/Dockerfile" "$fixture" >/dev/null
check "the engine builds it (escape directive, ARG before FROM, named stage, COPY --from)" test $? -eq 0
out=$($docker run --rm --entrypoint cat $tag /out1)
check "the engine ran the same joined command" test "$out" = "one two"
out=$($docker run --rm --entrypoint cat $tag /out2)
check "the exec form ran as exec" test "$out" = "exec"
out=$($docker run --rm --entrypoint cat $tag /copied)
check "COPY --from the named stage" test "$out" = "one two"
out=$($docker image inspect -f '{{json .Config.Entrypoint}}' $tag)
check "invalid JSON is shell form for the engine too" test "$out" = '["/bin/sh","-c","[echo, hi]"]'
out=$($docker image inspect -f '{{json .Config.Cmd}}' $tag)
check "valid JSON is exec form" test "$out" = '["a","b"]'
finish
