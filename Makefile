# urn — build, test and install.
# Sources are discovered by wildcard: every src/**/*.c except src/cli/ and src/bridgestan/
# goes into the library; src/cli/*.c make the `urn` program; src/bridgestan/*.c and the
# library's objects make build/urn_bridgestan.so (BridgeStan's ABI, embedded in `urn` for
# `urn compile --bridgestan`); tests/test_*.c are test programs.

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
# -Wno-missing-field-initializers: positional initializers such as (urn_type){URN_TY_REAL, 0} leave the
# later fields (urn_type.tup, for tuples only) zero on purpose.
WARN    := -std=c11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
DEFS    := -D_GNU_SOURCE
INCS    := -Iinclude -Isrc
# -fvisibility=hidden: liburn.so exports only the declarations marked URN_API (include/urn/common.h);
# src/bridgestan/ keeps default visibility (its version script exports the bs_* symbols).
# -MMD -MP: each object's header dependencies go to a .d file beside it (included below).
VISIBILITY = -fvisibility=hidden
ALLCFLAGS = $(WARN) $(DEFS) $(INCS) -fPIC $(VISIBILITY) -MMD -MP $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  := -lm -lpthread
# MPI (optional, issue #19, docs/scale.md): `make MPI=1` builds everything with mpicc (Debian's libopenmpi-dev)
# into build-mpi/, with src/mpi/ (include/urn/mpi.h) and the CLI's mpirun support (cli/cli_mpi.c); the default
# build never includes <mpi.h>.
ifeq ($(MPI),1)
CC      := mpicc
BUILD   ?= build-mpi
DEFS    += -DURN_MPI=1
endif
BUILD   ?= build
PREFIX  ?= /usr/local
VERSION := 0.1.0

# SUNDIALS (optional): CVODES and IDAS for ode_bdf/ode_adams/ode_adjoint_tol_ctl/dae (docs/ode.md).  Found with
# pkg-config (sundials-cvodes, sundials-idas) or else in the compiler's default paths (Debian's libsundials-dev ships
# no .pc files); version 6 is required.  `make SUNDIALS=0` builds without it (those functions then fail with a
# message naming the package); `make SUNDIALS=1` insists on it.  Only src/math/ode_*.c include its headers.
SUNDIALS_PC := sundials-cvodes sundials-idas
ifeq ($(shell pkg-config --exists $(SUNDIALS_PC) 2>/dev/null && echo y),y)
SUNDIALS_CFLAGS := $(shell pkg-config --cflags $(SUNDIALS_PC))
SUNDIALS_LIBS   := $(shell pkg-config --libs $(SUNDIALS_PC))
else
SUNDIALS_CFLAGS :=
SUNDIALS_LIBS   := -lsundials_idas -lsundials_cvodes -lsundials_sunlinsoldense -lsundials_sunmatrixdense \
                   -lsundials_nvecserial
endif
ifeq ($(origin SUNDIALS),undefined)
SUNDIALS := $(shell printf '\043include <cvodes/cvodes.h>\n\043include <idas/idas.h>\n\043if SUNDIALS_VERSION_MAJOR != 6 || !defined(SUNDIALS_DOUBLE_PRECISION)\n\043error\n\043endif\nint main(void){return 0;}\n' \
  | $(CC) $(SUNDIALS_CFLAGS) -x c - -o /dev/null $(SUNDIALS_LIBS) >/dev/null 2>&1 && echo 1 || echo 0)
endif
ifeq ($(SUNDIALS),1)
LDLIBS  += $(SUNDIALS_LIBS)
URN_PC_LIBS := $(SUNDIALS_LIBS)
endif
# The ODE objects are rebuilt when SUNDIALS changes value ($(BUILD)/sundials.cfg holds the value they were built with).
SUNDIALS_CFG := $(BUILD)/sundials.cfg
$(shell mkdir -p $(BUILD) && (echo '$(SUNDIALS)' | cmp -s - $(SUNDIALS_CFG) || echo '$(SUNDIALS)' > $(SUNDIALS_CFG)))
$(BUILD)/src/math/ode_%.o: ALLCFLAGS += -DURN_HAVE_SUNDIALS=$(if $(filter 1,$(SUNDIALS)),1,0) $(SUNDIALS_CFLAGS)

LIB_SRC  := $(shell find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/bridgestan/*' $(if $(filter 1,$(MPI)),,! -path 'src/mpi/*') | sort)
BS_SRC   := $(sort $(wildcard src/bridgestan/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
BENCH_SRC:= $(sort $(wildcard bench/bench_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
BS_OBJ   := $(BS_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
SUN_OBJ  := $(filter $(BUILD)/src/math/ode_%.o,$(LIB_OBJ))
DEPS     := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BS_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d)

.PHONY: all test test-asan test-tsan demo install clean bench bench-scale check-shared
all: $(BUILD)/liburn.a $(BUILD)/liburn.so $(BUILD)/urn_bridgestan.so $(BUILD)/urn urn

$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -DURN_VERSION='"$(VERSION)"' -c $< -o $@
$(SUN_OBJ): $(SUNDIALS_CFG)

$(BUILD)/liburn.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/liburn.so: $(LIB_OBJ)
	$(CC) -shared $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $^ $(LDLIBS)

# BridgeStan's ABI over a private copy of the library (only bs_* exported, debug info stripped).
$(BS_OBJ): VISIBILITY =
$(BUILD)/urn_bridgestan.so: $(BS_OBJ) $(LIB_OBJ) src/bridgestan/exports.map
	$(CC) -shared $(CFLAGS) $(EXTRA_CFLAGS) -Wl,--version-script=src/bridgestan/exports.map -Wl,-Bsymbolic -Wl,-S \
	  -o $@ $(BS_OBJ) $(LIB_OBJ) $(LDLIBS)

# The generic BridgeStan library as bytes inside `urn` (urn_bs_lib_start .. urn_bs_lib_end).
$(BUILD)/bs_blob.o: $(BUILD)/urn_bridgestan.so
	printf '.section .rodata\n.balign 16\n.globl urn_bs_lib_start\nurn_bs_lib_start:\n.incbin "%s"\n.globl urn_bs_lib_end\nurn_bs_lib_end:\n.section .note.GNU-stack,"",@progbits\n' \
	  $(BUILD)/urn_bridgestan.so | $(CC) -c -x assembler -o $@ -

$(BUILD)/urn: $(CLI_OBJ) $(BUILD)/bs_blob.o $(BUILD)/liburn.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/bs_blob.o $(BUILD)/liburn.a $(LDLIBS)

# Convenience link so that `./urn` works from the project root.
urn: $(BUILD)/urn
	@ln -sf $(BUILD)/urn urn

$(BUILD)/tests/%: tests/%.c $(BUILD)/liburn.a Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests -o $@ $< $(BUILD)/liburn.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/liburn.a
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -O3 -o $@ $< $(BUILD)/liburn.a $(LDLIBS)

-include $(DEPS)

# Every test: C test programs and CLI shell scripts; ends with "N passed, N failed".
test: $(BUILD)/urn $(BUILD)/liburn.so $(TEST_BIN) $(BUILD)/tests/conformance $(BUILD)/tests/conformance_functions $(BUILD)/tests/conformance_lang
	@sh tests/run_tests.sh $(BUILD)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) BUILD=build-asan OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

# The tests that run threads, and urn itself, under ThreadSanitizer (any report fails the test: exit 66).
TSAN_TESTS := test_par test_reliability test_model_api test_run test_hmm test_nuts test_nuts_mode test_bridgestan
test-tsan:
	$(MAKE) BUILD=build-tsan OPT=-O1 EXTRA_CFLAGS=-fsanitize=thread build-tsan/urn $(TSAN_TESTS:%=build-tsan/tests/%)
	@fail=0; for t in $(TSAN_TESTS); do build-tsan/tests/$$t >build-tsan/$$t.log 2>&1 || fail=1; \
	  echo "$$t: $$(tail -n 1 build-tsan/$$t.log), $$(grep -c 'WARNING: ThreadSanitizer' build-tsan/$$t.log) reports"; done; \
	exit $$fail

# strong scaling of threads (reduce_sum) and MPI ranks (hmm fit), docs/scale.md; needs build-mpi/urn for the MPI part
bench-scale: $(BUILD)/urn
	@sh bench/scale.sh $(BUILD)

# the share of sampling time spent writing draws, before and after the fast writer (bench/output.sh)
.PHONY: bench-output
bench-output: $(BUILD)/bench/bench_output
	@sh bench/output.sh $(BUILD)

bench: $(BUILD)/urn $(BENCH_BIN)
	@sh bench/run_bench.sh $(BUILD)

demo: $(BUILD)/urn
	$(BUILD)/urn tutorial --out demo-output

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/urn $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/urn $(DESTDIR)$(PREFIX)/bin/urn
	install -m 644 $(BUILD)/liburn.a $(BUILD)/liburn.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/urn.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/urn/*.h $(DESTDIR)$(PREFIX)/include/urn/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBS@|$(URN_PC_LIBS)|' urn.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/urn.pc
	install -d $(DESTDIR)$(PREFIX)/share/urn/bridgestan
	install -m 755 $(BUILD)/urn_bridgestan.so $(DESTDIR)$(PREFIX)/lib/urn_bridgestan.so
	sed -e 's|^URN ?= .*|URN ?= $(PREFIX)/bin/urn|' bridgestan/Makefile > $(DESTDIR)$(PREFIX)/share/urn/bridgestan/Makefile
	$(BUILD)/urn cmdstan-home $(DESTDIR)$(PREFIX)/share/urn/cmdstan --urn $(PREFIX)/bin/urn >/dev/null

clean:
	rm -rf build build-asan build-tsan build-mpi urn demo-output

# Fuzzing (clang's libFuzzer): every fuzz/fuzz_NAME.c is a target.
# `make fuzz` builds them into build-fuzz/; `make fuzz-smoke` runs each for
# FUZZ_SECONDS (default 30) on its seed corpus; `make fuzz-long FUZZ_SECONDS=600`.
FUZZ_SRC   := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN   := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 30
.PHONY: fuzz fuzz-smoke fuzz-long
fuzz: $(FUZZ_BIN)
build-fuzz/lib/%.o: %.c $(shell find include src -name '*.h')
	@mkdir -p $(dir $@)
	clang $(WARN) $(DEFS) $(INCS) $(FUZZ_FLAGS) -c $< -o $@
build-fuzz/liburn.a: $(LIB_SRC:%.c=build-fuzz/lib/%.o)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/fuzz_%: fuzz/fuzz_%.c build-fuzz/liburn.a
	clang $(WARN) $(DEFS) $(INCS) -g -O1 -fsanitize=fuzzer,address,undefined -o $@ $< build-fuzz/liburn.a $(LDLIBS)
fuzz-smoke fuzz-long: $(FUZZ_BIN)
	@sh fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# Full-size simulation-based calibration of the sampler (1000 replications per model).
.PHONY: sbc
sbc: $(BUILD)/tests/test_sbc
	$(BUILD)/tests/test_sbc --full

# posteriordb conformance: sample every fixture urn accepts, compare with reference.json (pass rule of
# ../shared/posteriordb/README.md); a line per posterior and a total.  CONFORMANCE_ARGS e.g. "--chains 4".
.PHONY: conformance
conformance: $(BUILD)/tests/conformance
	$(BUILD)/tests/conformance $(CONFORMANCE_ARGS) $${URN_SHARED:-../shared}/posteriordb

# Stan's built-in functions: one program per signature of ../shared/stanc3/stan_math_signatures.txt.xz checked
# as `urn check` does, plus probes of the variadic names; a line per incomplete name, then
# "names: A/603; signatures: B/24246" (docs/conformance.md).  CONFORMANCE_ARGS e.g. "--only lbeta --verbose".
.PHONY: conformance-functions functions-docs
conformance-functions: $(BUILD)/tests/conformance_functions
	$(BUILD)/tests/conformance_functions --shared $${URN_SHARED:-../shared} $(CONFORMANCE_ARGS)

# docs/functions.md (every Stan name, urn's status, the built-in table's description) and the known-failures
# list of make test, regenerated from the table and ../shared/stanc3.
functions-docs: $(BUILD)/tests/conformance_functions
	$(BUILD)/tests/conformance_functions --shared $${URN_SHARED:-../shared} --docs docs/functions.md \
	  --known tests/data/conformance_functions_known.txt --update

# Language conformance: stanc3's compiler test programs (good/ must pass `urn check`, bad/ must be
# refused); per-directory counts, the wrong verdicts, and "good: A/B accepted; bad: C/D rejected"
# (docs/conformance.md).  conformance-lang-update rewrites the list of still-wrong verdicts that
# `make test` checks against (tests/data/conformance_lang_expected.txt).
.PHONY: conformance-lang conformance-lang-update
conformance-lang: $(BUILD)/tests/conformance_lang
	@sh tests/conformance_lang.sh $(BUILD) --list --format; rc=$$?; [ $$rc = 3 ] && exit 0; exit $$rc
conformance-lang-update: $(BUILD)/tests/conformance_lang
	@sh tests/conformance_lang.sh $(BUILD) --quiet --format --write-expect tests/data/conformance_lang_expected.txt

# Pathfinder and ADVI on every posteriordb posterior: means vs the references (in sds), gradient evaluations vs a
# full NUTS run (docs/sampling.md).  VI_ARGS e.g. "--no-nuts" or "--only arK-arK".
.PHONY: bench-vi
bench-vi: $(BUILD)/urn
	/usr/bin/python3 bench/vi_posteriordb.py $(BUILD)/urn $${URN_SHARED:-../shared} $(VI_ARGS)

# Metric adaptation schemes side by side (--adapt stan, --adapt fisher, --metric lowrank) on every posteriordb
# posterior and M1-M5: min bulk-ESS per gradient (warmup included), wall time, divergences, R-hat, ratios to stan
# and their medians (docs/sampling.md).  ADAPT_ARGS e.g. "--seeds 1,2 --only kidiq --timeout 300".
.PHONY: bench-adapt
bench-adapt: $(BUILD)/urn
	/usr/bin/python3 bench/bench_adapt.py $(BUILD)/urn $${URN_SHARED:-../shared} $(ADAPT_ARGS)

# Side-by-side with rstan (needs R + rstan installed; not part of make test or make bench).
.PHONY: bench-stan
bench-stan: $(BUILD)/urn
	URN=$(BUILD)/urn sh bench/stan/run.sh

# urn and rstan side by side on posteriordb's posteriors that have data (bench/pdb/run.sh: us per gradient counting
# warmup, the ratio, the median; docs/performance.md).  Not part of make test.  Variables: POSTERIORDB, WORK,
# RSTAN_CACHE, ONLY, SEED, WARMUP, DRAWS, SIDE, COMPILE, PCH, TIMEOUT, STAN_CPU, NATIVE (see bench/pdb/run.sh);
# WORK/table.md: bench/pdb/table.py.
.PHONY: bench-pdb
bench-pdb: $(BUILD)/urn
	URN=$(BUILD)/urn sh bench/pdb/run.sh

# Upper bound of a native tier: three posteriors' gradients by hand in C (docs/autodiff.md, "Native tier")
.PHONY: bench-native
bench-native:
	sh bench/native/run.sh

# Draws with and without loop batching (URN_NOBATCH=1) on every posteriordb posterior: the same bits? (short chains)
.PHONY: pdb-draws
pdb-draws: $(BUILD)/urn
	URN=$(BUILD)/urn sh bench/pdb/draws.sh

# rstan reads urn's Stan CSV files (needs R and rstan; also part of `make test`, skipped there without R).
.PHONY: test-interop
test-interop: $(BUILD)/urn
	@URN=$$(pwd)/$(BUILD)/urn sh tests/cli/test_interop_rstan.sh

# The CLI tests with every urn run under valgrind's memcheck (errors and definite leaks fail the run).
VALGRIND_TESTS ?= test_main test_summary test_sample test_hmm test_check test_logdensity test_plot
.PHONY: test-valgrind
test-valgrind: $(BUILD)/urn
	@p=0; f=0; for t in $(VALGRIND_TESTS); do [ -f tests/cli/$$t.sh ] || continue; \
	  out=$$(URN_REAL=$$(pwd)/$(BUILD)/urn URN=$$(pwd)/tests/valgrind_urn.sh sh tests/cli/$$t.sh 2>&1); \
	  line=$$(echo "$$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1); echo "  $$t: $$line"; \
	  echo "$$out" | grep -E '^FAIL' | head -n 5; \
	  p=$$((p + $${line%% passed*})); rest=$${line#*passed, }; f=$$((f + $${rest%% failed*})); done; \
	  echo "$$p passed, $$f failed"; [ $$f = 0 ]
