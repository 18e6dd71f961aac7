#!/usr/bin/env bash
# Serves the built app on http://localhost:3000 with the local demo OpenID provider on
# 127.0.0.1:9400, so "Sign in with Demo ID" works with no outside account.
set -euo pipefail
cd "$(dirname "$0")/.."

export APP_URL=${APP_URL:-http://localhost:3000}
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/site}
export AUTH_CONFIG=${AUTH_CONFIG:-end2end/idp/demo-auth.toml}
IDP_PORT=9400

# The tokens providers grant are kept sealed with TOKEN_KEYS; the demo makes its own key once,
# readable by this user only, in data/ (see "Provider tokens" in docs/configuration.md).
if [ -z "${TOKEN_KEYS:-}" ]; then
  mkdir -p data
  [ -s data/token-key ] || (umask 077 && head -c 32 /dev/urandom | base64 > data/token-key)
  export TOKEN_KEYS="demo:$(cat data/token-key)"
fi

(cd end2end && IDP_PORT=$IDP_PORT APP_URL=$APP_URL exec node idp/demo-idp.mjs) &
idp=$!
trap 'kill $idp 2>/dev/null || true' EXIT

# Wait (bounded) until the provider answers discovery, so the app finds it at start.
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" >/dev/null && break
  kill -0 $idp 2>/dev/null || { echo "the demo provider did not start" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

  Open $APP_URL and choose "Sign in with Demo ID".
  At the demo provider, any login and password work: try login "ada", password "demo".
  Press Ctrl-C to stop.

MSG
target/release/server
