#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already in place.
# Safe to run again and again; called by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs rustc 1.96
say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 14 minutes, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# The CLI must be exactly the wasm-bindgen version the lock file resolved.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: one of its locked dependencies is no longer in the registry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Debian packages the tests start themselves: Chromium, PostgreSQL (a throwaway cluster per
# run), nginx (the reverse proxy in front of two instances, and with TLS in front of a protected
# app), openssl (that test's throwaway certificate) and python3 (the app it protects).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${missing[@]}"
fi

# Playwright, oidc-provider and wasm-opt (binaryen) come from end2end/package-lock.json.
if [ ! -f end2end/node_modules/.package-lock.json ] \
  || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing npm packages in end2end/"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# cargo-leptos runs `wasm-opt` from PATH on release builds and, finding none, tries to download
# binaryen and fails offline. Link the project's binaryen in beside cargo's own tools, so that
# `cargo leptos build --release` and `cargo leptos watch` work as typed in any shell. Only a
# missing tool or a link is (re)made; a wasm-opt of the user's own is left alone.
wasm_opt="$PWD/end2end/node_modules/.bin/wasm-opt"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
if [ ! -e "$cargo_bin/wasm-opt" ] || { [ -L "$cargo_bin/wasm-opt" ] && [ "$(readlink "$cargo_bin/wasm-opt")" != "$wasm_opt" ]; }; then
  say "linking $cargo_bin/wasm-opt to the project's binaryen"
  ln -sfn "$wasm_opt" "$cargo_bin/wasm-opt"
fi
