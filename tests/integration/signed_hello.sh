#!/bin/sh
# Builds a federation protocol version 2 signed call (docs/protocol.md, "Signing") with nothing
# but the openssl command line and curl, to show that a peer written outside this project
# interoperates. Usage: signed_hello.sh PRIVATE_KEY NODE_ID RECEIVER_ID PORT OUT_FILE ; prints
# the HTTP status; the answer's headers go to OUT_FILE.headers.
set -eu
key=$1 node=$2 receiver=$3 port=$4 out=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
path=/federation/v1/hello
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
nonce=$(openssl rand -base64 24 | tr '+/' '-_' | tr -d '=\n')
body_hash=$(printf '' | openssl dgst -sha256 -r | cut -d' ' -f1)
printf 'IOC2-ED25519\nGET\n%s\n%s\n%s\n%s\n%s\n%s' "$path" "$date" "$nonce" "$node" "$receiver" \
  "$body_hash" > "$tmp/message"
openssl pkeyutl -sign -inkey "$key" -rawin -in "$tmp/message" -out "$tmp/signature"
signature=$(openssl base64 -A -in "$tmp/signature")
curl -s -o "$out" -D "$out.headers" -w '%{http_code}' -H "IOC-Node: $node" -H "IOC-To: $receiver" \
  -H "IOC-Date: $date" -H "IOC-Nonce: $nonce" -H "IOC-Signature: $signature" \
  -H "IOC-Protocol: 2" "http://127.0.0.1:$port$path"
