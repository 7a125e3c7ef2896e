# AI Runway: the two commands of README's Quick start, and a few more for developers.
#   make        installs what is missing, then builds everything (runs nothing)
#   make test   installs what is missing, builds, runs every test suite
#   make demo   installs what is missing, builds, starts the system on http://127.0.0.1:3001
PRESET ?= release
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
AIRUNWAY := $(BUILD_DIR)/src/cli/airunway

.PHONY: all deps configure web build test demo bench format clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake --preset $(PRESET) >/dev/null

# The web UI (web/dist, embedded into airunway by CMake at build time). Rebuilt only when a
# source, the lockfile or the build config is newer than web/dist/index.html.
WEB_INPUTS := web/src web/public web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json
web: deps
	@if [ ! -f web/dist/index.html ] || [ -n "$$(find $(WEB_INPUTS) -newer web/dist/index.html -print -quit)" ]; then \
	  cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	fi

build: configure web
	@cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 300

demo: build
	@$(AIRUNWAY) serve --demo --port $${PORT:-3001}

bench: build
	@./bench/run_http_bench.sh $(BUILD_DIR)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	@rm -rf build
