#!/usr/bin/env bash
# Makes the Da Nang nodes' key pairs on first use (never committed): examples/danang/run/keys,
# linked as examples/danang/keys where federation.yaml looks for them. Needs build/nodes/iocctl.
set -euo pipefail
cd "$(dirname "$0")/.."
keys="examples/danang/run/keys"
mkdir -p "$keys"
ln -sfn run/keys examples/danang/keys
for node in danang danang/hai-chau danang/thanh-khe danang/son-tra danang/ngu-hanh-son danang/lien-chieu \
            danang/cam-le danang/hoa-vang danang/health danang/education danang/trade; do
  [[ -f "$keys/${node//\//_}.key" ]] || build/nodes/iocctl keys generate --node "$node" --out "$keys" >/dev/null
done
