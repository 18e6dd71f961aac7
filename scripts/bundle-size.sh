#!/usr/bin/env bash
# Prints what a browser downloads for the app: raw, gzip and brotli sizes of the release bundle.
set -euo pipefail
cd "$(dirname "$0")/../target/site/pkg"
printf '%-10s %10s %10s %10s\n' file raw gzip brotli
for f in app.wasm app.js app.css; do
  raw=$(stat -c %s "$f")
  gz=$( [ -f "$f.gz" ] && stat -c %s "$f.gz" || gzip -9c "$f" | wc -c)
  br=$( [ -f "$f.br" ] && stat -c %s "$f.br" || echo n/a)
  printf '%-10s %10s %10s %10s\n' "$f" "$raw" "$gz" "$br"
done
