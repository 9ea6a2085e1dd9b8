# The front door. `make play` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := build
JOBS ?= $(shell nproc)
PORT ?= 8080
export NODE_PATH := /usr/share/nodejs

.PHONY: deps native asan sample wasm web build test play bench fuzz clean

deps:
	@scripts/deps.sh

native: deps
	@cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/native -j $(JOBS)

# The test build: same sources with AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DPQL_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)

sample:
	@node examples/sample/generate.mjs --out build/sample

wasm: deps
	@scripts/build-wasm.sh

web: wasm sample
	@scripts/build-web.sh

build: native wasm web

test: deps
	@scripts/test.sh

play: web
	@echo "pql playground: http://127.0.0.1:$(PORT)/"
	@npx vite preview --config web/vite.config.ts --host 127.0.0.1 --port $(PORT) --strictPort

bench: native wasm sample web
	@scripts/bench.sh

fuzz: deps
	@scripts/fuzz.sh --seconds $${FUZZ_SECONDS:-60}

clean:
	rm -rf build
