# Fuzzing (tests/fuzz/, docs/fuzzing.md). Each tests/fuzz/fuzz_<name>.c is one target.
#   make fuzz FUZZ_SECONDS=N    builds every target with libFuzzer, ASan and UBSan (clang,
#                               in $(FUZZ_BUILD)) and runs each for N seconds from its corpus
#   make fuzz-build             only builds them
# The test suite replays every committed input through $(BUILD)/tests/fuzz/<name>: the same
# target linked with tests/fuzz/replay.c instead of libFuzzer, built with the suite's flags.

FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SUPPORT := tests/fuzz/support.c
FUZZ_DEPS    := tests/fuzz/fuzz.h $(FUZZ_SUPPORT)
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_CPPFLAGS := -DFUZZ_ROOT='"$(CURDIR)"' -Itests/fuzz

$(BUILD)/tests/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_DEPS) $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(FUZZ_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $< tests/fuzz/replay.c \
	    $(FUZZ_SUPPORT) $(FUZZ_EXTRA_OBJ) $(TOOL_OBJ) $(LIB_A) -o $@ $(FUZZ_EXTRA_LIBS) $(LDLIBS)

# The libFuzzer binaries, in a build whose every object has the fuzzer's coverage.
$(BUILD)/fuzz/%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(FUZZ_CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_SUPPORT) \
	    $(FUZZ_EXTRA_OBJ) $(TOOL_OBJ) $(LIB_A) -o $@ $(FUZZ_EXTRA_LIBS) $(LDLIBS)

test test-build: $(FUZZ_REPLAY)

.PHONY: fuzz fuzz-build fuzz-binaries
fuzz-binaries: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: the usual libFuzzer convention; the template
# engine then reaches its work limit sooner.
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_FLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" fuzz-binaries

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

.PHONY: fuzz-clean
clean: fuzz-clean
fuzz-clean:
	rm -rf '$(FUZZ_BUILD)'

# The serve target links the parts of `syncspec serve` that need no socket or database
# (and, for the rest of serve's objects, the libraries they name).
FUZZ_SERVE_OBJ := $(filter-out %/main.o %/cmd_serve.o,$(SERVE_OBJ))
$(BUILD)/tests/fuzz/serve $(BUILD)/fuzz/serve: $(FUZZ_SERVE_OBJ)
$(BUILD)/tests/fuzz/serve $(BUILD)/fuzz/serve: FUZZ_EXTRA_OBJ := $(FUZZ_SERVE_OBJ)
$(BUILD)/tests/fuzz/serve $(BUILD)/fuzz/serve: FUZZ_EXTRA_LIBS := $(SERVE_LIBS)
