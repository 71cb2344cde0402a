# Thin wrapper around CMake (DuckDB style). Every target installs missing
# dependencies first through `make deps`, which is quick when all is present.
BUILD_TYPE ?= Release
BUILD_DIR  ?= build
JOBS       ?= $(shell nproc)
SWERL_VENV ?= $(HOME)/.cache/swerl/venv
PYTHON     := $(SWERL_VENV)/bin/python
CTEST_ARGS ?=
export SWERL_VENV

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSWERL_PYTHON=$(PYTHON)
ifneq ($(shell command -v ccache 2>/dev/null),)
CMAKE_FLAGS += -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
endif

.PHONY: all deps configure build test test-all sanitize bench demo fuzz format tidy clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

configure: deps
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Everything except the `slow` and `gpu` labels (STYLE C7).
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE 'slow|gpu' $(CTEST_ARGS)

test-all: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The `make test` suites built with AddressSanitizer and UBSan (build-asan/):
# use after free, overflows and undefined behaviour fail the test that
# triggers them. Leak checks are off: LibTorch keeps global allocations for
# the life of the process. The trainer is left out unless
# SANITIZE_TRAINER=ON: its LibTorch files take about an hour to compile
# under ASan on 2 cores.
SANITIZE_TRAINER ?= OFF
sanitize: deps
	cmake -S . -B build-asan $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSWERL_SANITIZE=address,undefined -DSWERL_BUILD_BENCH=OFF \
	  -DSWERL_BUILD_TRAINER=$(SANITIZE_TRAINER)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -LE 'slow|gpu' $(CTEST_ARGS)

bench: build
	bash bench/run.sh $(BUILD_DIR)

demo: build
	bash scripts/demo.sh $(BUILD_DIR)

# Fuzz targets always build with a replay main (ctest label `fuzz`); with
# clang they are real libFuzzer binaries under build-fuzz/.
fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DSWERL_LIBFUZZER=ON -DSWERL_PYTHON=$(PYTHON)
	cmake --build build-fuzz -j $(JOBS) --target swerl_fuzzers
	cd build-fuzz && ctest --output-on-failure -L fuzz

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

tidy: build
	git ls-files 'lib/*.cc' 'tools/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) build-fuzz build-asan
