# The two commands of the README: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
# Cargo's tools, and the wasm-opt that setup links in beside them, come from ~/.cargo/bin: the
# same PATH a plain `cargo leptos build --release` sees in a shell with Rust set up.
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: setup build run test size bench soak

setup:
	scripts/setup.sh

# Release build: size-optimised wasm, wasm-opt, and .br/.gz siblings served precompressed.
build: setup
	cargo leptos build --release --precompress

run: build
	scripts/run-demo.sh

# The Rust suite runs twice, on SQLite and on a throwaway PostgreSQL cluster; the browser
# suite runs beside such a cluster too (two instances behind nginx share one database). Both
# Rust passes select the same packages: another selection unifies other features and rebuilds
# every test binary. Clippy goes first, over the whole workspace, and fails on any warning.
test: build
	cargo clippy --locked --all-targets -- -D warnings
	cargo test --locked -p app -p server
	scripts/throwaway-postgres.sh cargo test --locked -p app -p server
	cd end2end && ../scripts/throwaway-postgres.sh npx playwright test

# Prints what a browser downloads: each file of the bundle (raw, gzip, brotli), then the first
# load of the sign-in and callback pages against the 80 KB budget (a test in `make test` too).
size: build
	scripts/bundle-size.sh
	cd end2end && npx playwright test bundle.spec.ts --grep 'first load'

# Load benchmark (not a test): full sign-ins at 1, 8, 64 and 256 clients at once against the
# release server and a fast loopback OpenID provider; prints rate, server CPU per sign-in,
# latency, errors and memory; then the same sign-ins against Flask + Authlib (bench/flask-authlib
# under gunicorn, from a virtual environment made here) with our CPU per sign-in as a share of
# theirs. Then the forward-auth check (`GET /auth/check`, signed in) and
# the pages (`/` signed out and in, `/dashboard`, `/account`) on 16 keep-alive connections next
# to an axum hello-world (bench's `hello-world` binary) in the same run, each with its share of
# hello-world's rate; `target/release/signin-bench --check-only` (or `--pages-only`) runs just
# those rows.
bench: build
	cargo build --release --locked -p bench
	scripts/flask-authlib-venv.sh target/flask-authlib-venv
	target/release/signin-bench --clients 1,8,64,256 --sign-ins 2000 --flask-authlib target/flask-authlib-venv

# Soak (about 11 minutes, not part of `make test`): 80 % of the highest measured rate for ten
# minutes; fails on any error or on resident memory moving more than 10 % after warm-up.
soak: build
	cargo build --release --locked -p bench
	target/release/signin-bench --soak 600
