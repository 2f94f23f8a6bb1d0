#!/usr/bin/env bash
# The Da Nang demo. Until the federation links exist (issue 3) it runs the city IOC alone, fed
# by simulated sensors across all eleven areas, and drives a flood at Hai Chau through CAP
# alerts, an incident and its handling, showing the city's summary as it changes.
# Usage: scripts/demo.sh [SECONDS]   (default 60; Ctrl-C stops early)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
run="examples/danang/run"
fed="examples/danang/federation.yaml"

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target iocd iocctl

mkdir -p "$run/keys" "$run/logs"
ln -sfn run/keys examples/danang/keys  # federation.yaml names keys/NAME.pub beside it
for node in danang danang/hai-chau danang/thanh-khe danang/son-tra danang/ngu-hanh-son danang/lien-chieu \
            danang/cam-le danang/hoa-vang danang/health danang/education danang/trade; do
  stem="${node//\//_}"
  [[ -f "$run/keys/$stem.key" ]] || build/nodes/iocctl keys generate --node "$node" --out "$run/keys" >/dev/null
done
data="$run/data/danang"
if [[ ! -f "$run/tokens" ]]; then
  {
    echo "admin=$(build/nodes/iocctl token issue --data "$data" --role admin --name demo-admin)"
    echo "ingest=$(build/nodes/iocctl token issue --data "$data" --role ingest --name demo-sensors)"
    echo "operator=$(build/nodes/iocctl token issue --data "$data" --role operator --name demo-duty-officer)"
  } > "$run/tokens"
  chmod 600 "$run/tokens"
fi
source "$run/tokens"

build/nodes/iocd --federation "$fed" --node danang --data "$data" --listen 127.0.0.1:7100 \
  --key "$run/keys/danang.key" >"$run/logs/danang.log" 2>&1 &
iocd_pid=$!
cleanup() {
  kill "$iocd_pid" 2>/dev/null && wait "$iocd_pid" 2>/dev/null || true
  echo
  echo "Stopped. Data: $data   Log: $run/logs/danang.log   Tokens: $run/tokens"
  echo "Start the city again and query it:"
  echo "  build/nodes/iocd --federation $fed --node danang --data $data --listen 127.0.0.1:7100 &"
  echo "  curl -s -H 'Authorization: Bearer $admin' 'http://127.0.0.1:7100/api/v1/summary?window=1h'"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 100); do
  curl -sf http://127.0.0.1:7100/readyz >/dev/null 2>&1 && break
  kill -0 "$iocd_pid" 2>/dev/null || { cat "$run/logs/danang.log"; exit 1; }
  sleep 0.1
done
echo "City IOC 'danang' is serving on http://127.0.0.1:7100 (log: $run/logs/danang.log)"
echo "Watch it yourself: curl -s -H 'Authorization: Bearer $admin' http://127.0.0.1:7100/api/v1/alerts?active=true"
echo
python3 examples/danang/simulate.py --url http://127.0.0.1:7100 --ingest "$ingest" --operator "$operator" \
  --viewer "$admin" --seconds "$seconds"
