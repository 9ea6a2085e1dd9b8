# The front door. `make play` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := build
JOBS ?= $(shell nproc)
PORT ?= 8080
export NODE_PATH := /usr/share/nodejs

.PHONY: deps native asan sample wasm web build test check play bench fuzz format format-check clean

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

# The fast inner loop: native release build + its ctest suites, then the WASM Node suites.
check: deps
	@scripts/check.sh

play: web
	@echo "pql playground: http://127.0.0.1:$(PORT)/"
	@npx vite preview --config web/vite.config.ts --host 127.0.0.1 --port $(PORT) --strictPort

bench: native wasm sample web
	@scripts/bench.sh

fuzz: deps
	@scripts/fuzz.sh --seconds $${FUZZ_SECONDS:-60}

# clang-format over the C++, prettier over the JS/TS/CSS/HTML/JSON (scripts/format.sh).
format: deps
	@scripts/format.sh

format-check: deps
	@scripts/format.sh --check

clean:
	rm -rf build
