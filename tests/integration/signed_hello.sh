#!/bin/sh
# Builds a federation protocol v1 signed request from SPEC section 7 with nothing but the openssl
# command line and curl, to show that a peer written outside this project interoperates.
# Usage: signed_hello.sh PRIVATE_KEY NODE_ID PORT OUT_FILE ; prints the HTTP status.
set -eu
key=$1 node=$2 port=$3 out=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
path=/federation/v1/hello
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
nonce=$(openssl rand -base64 24 | tr '+/' '-_' | tr -d '=\n')
body_hash=$(printf '' | openssl dgst -sha256 -r | cut -d' ' -f1)
printf 'IOC1-ED25519\nGET\n%s\n%s\n%s\n%s' "$path" "$date" "$nonce" "$body_hash" > "$tmp/message"
openssl pkeyutl -sign -inkey "$key" -rawin -in "$tmp/message" -out "$tmp/signature"
signature=$(openssl base64 -A -in "$tmp/signature")
curl -s -o "$out" -w '%{http_code}' -H "IOC-Node: $node" -H "IOC-Date: $date" -H "IOC-Nonce: $nonce" \
  -H "IOC-Signature: $signature" "http://127.0.0.1:$port$path"
