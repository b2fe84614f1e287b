# fmalab: `make` sets up, builds and runs the main job; `make test` runs the test suite.
BUILD   ?= build
JOBS    ?= $(shell nproc)
FMALAB  := $(BUILD)/bin/fmalab
# Debian's interpreter, which sees Debian's python3-matplotlib (a pyenv python3 earlier in PATH would not).
PYTHON  := /usr/bin/python3

# Debian packages the project needs (checked with dpkg, installed with apt-get when missing).
DEB_PACKAGES := cmake g++ make libgtest-dev libgmock-dev libbenchmark-dev libmpfr-dev libgmp-dev \
                verilator yosys libsystemc-dev iverilog python3 tar xz-utils \
                python3-matplotlib python3-numpy qflow-tech-osu018 pkgconf pybind11-dev python3-pybind11 \
                libcli11-dev chromium slurm-wlm munge

.PHONY: all deps build test bench bench-memory regress regress-slurm synth main sanitize fuzz install clean

all: deps build main

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "make deps: installing" $$missing; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Throughput beside baselines measured in the same run; ratios are printed by sim/bench_report.py.
# Last, fmalab beside its peers (SoftFloat, ac_types, universal from FMALAB_PEERS) and the host's hardware
# paths, interleaved repetitions, each peer's agreement counted (tests/bench/bench_peers.cpp).
# Cosimulation beside Icarus Verilog on the same unit and vectors (sim/bench_icarus.py). The Python module's
# batch evaluation beside the C++ batch API on the same arrays (tests/bench/bench_python.py).
bench: deps build
	$(BUILD)/bin/bench_fma --benchmark_out=$(BUILD)/bench_fma.json --benchmark_out_format=json
	$(BUILD)/bin/bench_cosim --benchmark_out=$(BUILD)/bench_cosim.json --benchmark_out_format=json
	$(BUILD)/bin/bench_dot --benchmark_out=$(BUILD)/bench_dot.json --benchmark_out_format=json
	$(BUILD)/bin/bench_mx --benchmark_out=$(BUILD)/bench_mx.json --benchmark_out_format=json
	$(PYTHON) sim/bench_icarus.py --fmalab $(FMALAB) --unit fma_e4m3_fp32 --work $(BUILD)/icarus \
	    --json $(BUILD)/bench_icarus.json
	$(PYTHON) sim/bench_report.py $(BUILD)/bench_fma.json $(BUILD)/bench_cosim.json $(BUILD)/bench_icarus.json \
	    --dot $(BUILD)/bench_dot.json --mx $(BUILD)/bench_mx.json
	PYTHONPATH=$(BUILD)/python $(PYTHON) tests/bench/bench_python.py --bench-batch $(BUILD)/bin/bench_batch
	$(BUILD)/bin/bench_peers --json $(BUILD)/bench_peers.json

# Peak resident memory of the streaming commands at 1M and MEMORY_VECTORS vectors (bounded or not).
MEMORY_VECTORS ?= 100000000
bench-memory: deps build
	$(PYTHON) tests/bench/bench_memory.py --fmalab $(FMALAB) --large $(MEMORY_VECTORS)

# Long regressions: the random tests with 100x their counts (seeds are printed; FMALAB_SEED replays), then the
# Slurm campaign of regress-slurm.
regress: deps build
	cd $(BUILD) && FMALAB_RANDOM_SCALE=$${FMALAB_RANDOM_SCALE:-100} ctest --output-on-failure -j $(JOBS) -R 'Random|Settings|Fp32Source'
	$(MAKE) regress-slurm

# A 157.5M-vector cosimulation campaign (63 cases x 2.5M) as a Slurm job array of 8 shards and a dependent
# merge job on a private single-node Slurm (sim/slurm_local.sh: munged, slurmctld, slurmd under a temporary
# directory, stopped on exit), one task requeued mid-way; the merged results must equal one process's.
# Exit 77 with the reason where Slurm cannot start (no slurm-wlm or munge, not root).
regress-slurm: deps build
	@st=0; $(PYTHON) tests/test_slurm.py --fmalab $(FMALAB) --units mac_int8,mac_int8_acc24,fma_e4m3_fp32 \
	    --count 2500000 --shards 8 --requeue-one || st=$$?; \
	if [ $$st = 77 ]; then echo "make regress-slurm: skipped: Slurm could not start here (reason above)"; st=0; fi; \
	exit $$st

# The C++ tests under AddressSanitizer and UndefinedBehaviorSanitizer (with float-cast-overflow), in a
# build of their own; any report stops the test that made it. The exhaustive sweeps, the simulators'
# and synthesis tests are left to make test: under the sanitizers they take hours, not minutes.
SAN_BUILD ?= build-sanitize
# The DPI testbenches (Verilator --binary) and the install test's consumers are executables built without the
# sanitizers, which refuse to load a sanitized library; Slurm's daemons are not ours to instrument.
SAN_SLOW  := Icarus|Synth|Python|Dpi|Install|Slurm|Exhaustive|MillionPerMode|RandomVectorsOfEveryClass|BoundedMemory
sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFMALAB_SANITIZE=ON
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS) -E '$(SAN_SLOW)'

# libFuzzer targets (tests/fuzz/fuzz_<target>.cpp) under ASan + UBSan, built with clang in a build of their
# own; each runs FUZZ_SECONDS on a copy of its seed corpus (tests/ is never written, except that a crash
# input is copied to tests/fuzz/crashes/<target>/, where Fuzz.Replay.<target> replays it, and fails the run).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 150
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
fuzz: DEB_PACKAGES += clang libclang-rt-dev
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	    -DFMALAB_FUZZ=ON -DFMALAB_SANITIZE=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	@failed=""; for t in $(FUZZ_TARGETS); do \
	    w=$(FUZZ_BUILD)/fuzz/$$t; rm -rf $$w && mkdir -p $$w/corpus $$w/artifacts && \
	    cp tests/fuzz/corpus/$$t/* $$w/corpus/ && echo "make fuzz: fuzz_$$t for $(FUZZ_SECONDS) s (log: $$w/log)"; \
	    UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -artifact_prefix=$$w/artifacts/ -print_final_stats=1 $$w/corpus > $$w/log 2>&1 || failed="$$failed $$t"; \
	    tail -n 12 $$w/log | grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)'; \
	    if [ -n "$$(ls -A $$w/artifacts)" ]; then \
	        mkdir -p tests/fuzz/crashes/$$t && cp $$w/artifacts/* tests/fuzz/crashes/$$t/ && \
	        echo "make fuzz: fuzz_$$t: crash input copied to tests/fuzz/crashes/$$t/:" $$(ls $$w/artifacts); \
	        failed="$$failed $$t"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: FAILED:$$failed (see $(FUZZ_BUILD)/fuzz/<target>/log)"; exit 1; fi; \
	echo "make fuzz: clean ($(FUZZ_SECONDS) s per target)"

# Every RTL unit with each multiplier through synth/unit.ys: area (GE, um^2), transistors, depth, delay.
synth: deps
	$(PYTHON) synth/flow.py --out $(BUILD)/synth

# The main job: the design-space report (synthesis, gate-level energy per distribution, accuracy)
# in build/report/index.html, units.csv and units.json.
main: build
	$(PYTHON) synth/report.py --fmalab $(FMALAB) --work $(BUILD)/synth --out $(BUILD)/report

# The C++ library, headers, CMake package, pkg-config file, fmalab binary, DPI-C library and Python module
# under PREFIX (README: The C++ library).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
