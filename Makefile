# The two commands of the README: `make run` and `make test`. Both install what is missing.
SHELL := /bin/bash
# wasm-opt (binaryen) and Playwright come from end2end/node_modules; cargo tools from ~/.cargo/bin.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: setup build run test size

setup:
	scripts/setup.sh

# Release build: size-optimised wasm, wasm-opt, and .br/.gz siblings served precompressed.
build: setup
	cargo leptos build --release --precompress

run: build
	scripts/run-demo.sh

test: build
	cargo test --locked -p app -p server
	cd end2end && npx playwright test

# Prints the size of what a browser downloads; a benchmark, not a test.
size: build
	scripts/bundle-size.sh
