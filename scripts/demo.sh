#!/usr/bin/env bash
# The Da Nang demo: the city IOC, seven district operations centres and three sector OCs as eleven
# iocd processes on loopback, linked as examples/danang/federation.yaml says and governed by the
# reference policies in policies/danang/. Simulated sensors feed every district; a flood at Hai
# Chau raises CAP alerts and an incident Hai Chau owns by delegated authority (Son Tra's sensors
# publish through a Mosquitto broker instead of posting); the city orders the
# dispatch down to it; at alarm level 3 Hai Chau escalates and the city becomes the owner (a CAP
# Update); the city resolves it when the river falls, and its federated summary changes as it goes.
# Usage: scripts/demo.sh [SECONDS]   (default 60; Ctrl-C stops early)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
run="examples/danang/run"
fed="examples/danang/federation.yaml"
nodes=(danang danang/hai-chau danang/thanh-khe danang/son-tra danang/ngu-hanh-son danang/lien-chieu
       danang/cam-le danang/hoa-vang danang/health danang/education danang/trade)

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target iocd iocctl

mkdir -p "$run/logs" "$run/data"
scripts/danang-keys.sh
build/nodes/iocctl federation check "$fed"

# One admin token per node, made once and kept with the data.
if [[ ! -f "$run/tokens.json" ]]; then
  {
    echo "{"
    for i in "${!nodes[@]}"; do
      node="${nodes[$i]}"
      token=$(build/nodes/iocctl token issue --data "$run/data/${node//\//_}" --role admin --name demo)
      echo "  \"$node\": \"$token\"$([[ $i -lt $((${#nodes[@]} - 1)) ]] && echo ,)"
    done
    echo "}"
  } > "$run/tokens.json"
  chmod 600 "$run/tokens.json"
fi

# Son Tra's sensors publish over MQTT: the district's broker (Mosquitto), keeping sessions in
# the run directory.
mkdir -p "$run/mosquitto"
cat > "$run/mosquitto/mosquitto.conf" <<CONF
listener 7183 127.0.0.1
allow_anonymous true
persistence true
persistence_location $PWD/$run/mosquitto/
max_queued_messages 100000
max_inflight_messages 1000
CONF
[[ $(id -u) -eq 0 ]] && echo "user root" >> "$run/mosquitto/mosquitto.conf"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  city_token=$(python3 -c "import json; print(json.load(open('$run/tokens.json'))['danang'])")
  echo
  echo "Stopped all ${#nodes[@]} nodes. Data: $run/data/   Logs: $run/logs/   Tokens: $run/tokens.json"
  echo "Start the city again and query its federated summary:"
  echo "  build/nodes/iocd --federation $fed --node danang --data $run/data/danang --listen 127.0.0.1:7100 --key $run/keys/danang.key &"
  echo "  curl -s -H 'Authorization: Bearer $city_token' 'http://127.0.0.1:7100/api/v1/summary?window=1h'"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

/usr/sbin/mosquitto -c "$run/mosquitto/mosquitto.conf" >"$run/logs/mosquitto.log" 2>&1 &
pids+=($!)
for i in "${!nodes[@]}"; do
  node="${nodes[$i]}"
  stem="${node//\//_}"
  build/nodes/iocd --federation "$fed" --node "$node" --data "$run/data/$stem" --listen "127.0.0.1:$((7100 + i))" \
    --key "$run/keys/$stem.key" >"$run/logs/$stem.log" 2>&1 &
  pids+=($!)
done
for i in "${!nodes[@]}"; do
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$((7100 + i))/readyz" >/dev/null 2>&1 && break
    kill -0 "${pids[$((i + 1))]}" 2>/dev/null || { echo "${nodes[$i]} failed to start:"; cat "$run/logs/${nodes[$i]//\//_}.log"; exit 1; }
    sleep 0.1
  done
done
echo "All ${#nodes[@]} nodes serve on 127.0.0.1:7100-7110 (logs in $run/logs/); Son Tra's sensors"
echo "publish to Mosquitto on 127.0.0.1:7183 (GET /api/v1/sources at 127.0.0.1:7103)."
echo
token_of() { python3 -c "import json, sys; print(json.load(open('$run/tokens.json'))[sys.argv[1]])" "$1"; }
echo "Operations console (open in a browser, sign in with the token):"
echo "  city IOC:  http://127.0.0.1:7100/   token $(token_of danang)"
echo "  Hai Chau:  http://127.0.0.1:7101/   token $(token_of danang/hai-chau)"
echo
python3 examples/danang/simulate.py --tokens "$run/tokens.json" --seconds "$seconds"
