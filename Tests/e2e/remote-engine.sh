#!/bin/sh
# A remote engine for real: Debian's sshd on the loopback address (its own host key, port and
# authorized_keys in a temporary directory; nothing of the machine's ssh configuration is read or
# changed) in front of the private engine, and layerpin driven with DOCKER_HOST=ssh://root@…:PORT.
# The docker CLI's ssh helper runs `docker system dial-stdio` on the far side. layerpin build sends
# its archive over that connection (its size and time printed); verify --image and --container,
# doctor and deploy (compose over ssh) answer as they do locally.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
if [ ! -x /usr/sbin/sshd ]; then
    echo "SKIPPED remote-engine: no /usr/sbin/sshd (make e2e-deps installs openssh-server)"
    exit 0
fi
base_image
python_image
work=$(mktemp -d)
sshd_pid=""
project=layerpinremote$$
export COMPOSE_PROJECT_NAME=$project
local_host=$DOCKER_HOST
trap 'cd "$work/app" 2>/dev/null && DOCKER_HOST=$local_host $compose_cli -f docker-compose.yml -f .layerpin/deploy.override.yml down >/dev/null 2>&1; [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null; DOCKER_HOST=$local_host $docker images -q --filter "reference=$project-*" | xargs -r env DOCKER_HOST=$local_host $docker rmi -f >/dev/null 2>&1; rm -rf "$work"' EXIT

# The server: a host key, a client key, authorized_keys, and an sshd_config of its own that
# points the far side's docker CLI at the private engine.
mkdir -p "$work/ssh" "$work/bin"
chmod 700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client_key"
cp "$work/ssh/client_key.pub" "$work/ssh/authorized_keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
socket=${local_host#unix://}
cat > "$work/ssh/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $work/ssh/host_key
AuthorizedKeysFile $work/ssh/authorized_keys
PidFile $work/ssh/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST=unix://$socket PATH=$(dirname "$docker"):/usr/local/bin:/usr/bin:/bin
CONFIG
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" 2>"$work/ssh/sshd.log" &
sshd_pid=$!
# The client: the docker CLI runs `ssh` from PATH; this one names its own config and key.
cat > "$work/ssh/config" <<CONFIG
Host 127.0.0.1
    Port $port
    User root
    IdentityFile $work/ssh/client_key
    IdentitiesOnly yes
    StrictHostKeyChecking no
    UserKnownHostsFile $work/ssh/known_hosts
    LogLevel ERROR
CONFIG
printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$work/ssh/config" > "$work/bin/ssh"
chmod 755 "$work/bin/ssh"
export PATH="$work/bin:$PATH"
for _ in 1 2 3 4 5 6 7 8 9 10; do
    ssh 127.0.0.1 true 2>/dev/null && break
    sleep 0.5
done
check "sshd answers on 127.0.0.1:$port" ssh 127.0.0.1 true
export DOCKER_HOST="ssh://root@127.0.0.1:$port"
out=$($docker version --format '{{.Server.Version}}' 2>&1)
check "the docker CLI reaches the engine over ssh (engine $out)" test -n "$out" -a "$(printf '%s' "$out" | grep -c rror)" -eq 0

python_app "$work/app" "$project-app"
cd "$work/app"
started=$(date +%s%N)
tag=$("$LAYERPIN" build -- --network=none 2>"$work/build.log" | head -n 1)
took=$((($(date +%s%N) - started) / 1000000))
size=$("$LAYERPIN" context --tar - | wc -c)
check "layerpin build over ssh" test -n "$tag"
[ -n "$tag" ] || grep -v '^#' "$work/build.log" | tail -n 10
echo "   (the context archive, $size bytes, went over ssh; the build took $took ms)"
out=$($docker run --rm --network=none "$tag" 2>&1)
case "$out" in *"layerpin: commit unknown src sha256:"*"verified"*) pass "the image runs its start-up check on the remote engine" ;;
*) fail "the start-up check (got: $out)" ;; esac
"$LAYERPIN" verify --image "$tag" >"$work/verify.out" 2>&1
check "verify --image over ssh (docker save streams back)" test $? -eq 0

printf '.git\n' >> .dockerignore
app_compose_file
"$LAYERPIN" deploy --timeout 60 >"$work/deploy.out" 2>"$work/deploy.err"
status=$?
check "layerpin deploy over ssh" test "$status" -eq 0
[ "$status" -eq 0 ] || { cat "$work/deploy.out"; grep -v '^#' "$work/deploy.err" | tail -n 10; }
container=$($docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=app")
check "... the container runs on the remote engine" test -n "$container"
"$LAYERPIN" verify --container "$container" >"$work/verify.out" 2>&1
check "verify --container over ssh (docker cp streams back)" test $? -eq 0
sed -i 's/hello from python-app/hello over ssh/' src/app/main.py
"$LAYERPIN" deploy --timeout 60 >"$work/deploy.out" 2>"$work/deploy.err"
check "a code change deploys over ssh: rebuilt and recreated" sh -c "grep '^app  ' '$work/deploy.out' | grep -q '  rebuilt  recreated  '"
container=$($docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=app")
$docker exec "$container" sh -c 'echo "# edited" >> /app/src/app/main.py'
"$LAYERPIN" doctor --service app >"$work/doctor.out" 2>&1
check "doctor over ssh names the in-place edit" grep -q "cause: files-differ" "$work/doctor.out"
finish
