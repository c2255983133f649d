# SPDX-License-Identifier: Apache-2.0
# The two commands a newcomer types: `make run` and `make test`. Everything else is a helper.
.PHONY: all setup build build-server build-console run test unit integration e2e sanitize fuzz bench bench-ingest bench-restart bench-dashboard format clean

BUILD_DIR   ?= build/release
ASAN_DIR    ?= build/asan
FUZZ_DIR    ?= build/fuzz
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache hits across checkouts (a CI clone lives elsewhere than the developer's tree).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

all: build

setup:
	@scripts/setup

build: setup build-server build-console

build-server:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

build-console:
	@cd web && npm run --silent build

run: build
	@scripts/run

test: build
	@scripts/test $(BUILD_DIR)

unit: build-server
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

integration: build-server
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure

e2e: build
	@WATCHTOWER_BIN=$(BUILD_DIR)/src/app/watchtower tests/e2e/run

# Unit and integration suites under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: setup
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWT_SANITIZE=ON -DWT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) -L "unit|integration" --output-on-failure -j $(JOBS)

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: setup
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWT_FUZZ=ON \
	  -DWT_BUILD_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_all
	@scripts/fuzz $(FUZZ_DIR) $(FUZZ_SECONDS)

# `make bench` runs both load benchmarks (HTTP, then ingestion); see docs/performance.md.
bench: build
	@bench/http/run $(BUILD_DIR)/src/app/watchtower
	@bench/ingest/run $(BUILD_DIR)/src/app/watchtower

bench-ingest: build
	@bench/ingest/run $(BUILD_DIR)/src/app/watchtower

bench-restart: build
	@bench/ingest/restart $(BUILD_DIR)/src/app/watchtower

# GET /dashboard over 10 million stored transactions (heavy: minutes, ~6 GB of disk; ROWS= to change).
bench-dashboard: build-server
	@bench/dashboard/run $(BUILD_DIR)/src/app/watchtower

format:
	@find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	@rm -rf build web/dist
