# syncspec: the only build system. `make`, `make test`, `make test-asan`, `make bench`,
# `make install PREFIX=/usr/local DESTDIR=`, `make clean` (every build folder, and $(BUILD)).
# BUILD=DIR puts every build product in DIR (default build/).

CC      ?= cc
CFLAGS  ?= -O2 -g
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=

PKGS     := yaml-0.1 jansson libpcre2-8 sqlite3 libpq
# What `syncspec serve` needs besides: the program links these, the library does not.
SERVE_PKGS := libmicrohttpd librhonabwy libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(SERVE_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SERVE_LIBS := $(shell pkg-config --libs $(SERVE_PKGS) 2>/dev/null)

WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CPPFLAGS := -D_DEFAULT_SOURCE -Iinclude -Isrc -I$(BUILD) $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   := $(WARN) -fPIC $(CFLAGS)
LDLIBS   += $(PKG_LIBS) -lm -pthread -ldl

# The compiler: one folder a stage. The runtime (libsyncspec) is what generated code links;
# it carries model/ (the tables of types and rules), which the compiler reads too.
TOOL_SRC    := $(sort $(wildcard src/util/*.c src/spec/*.c src/validate/*.c src/emit/*.c src/check/*.c))
# `syncspec serve` is a program of its own, syncspec-serve, which `syncspec serve` runs: its
# libraries (HTTP, JWT, TLS, libpq) would otherwise load with every other command.
SERVE_SRC   := $(sort $(wildcard src/serve/*.c)) src/cli/cmd_serve.c
CLI_SRC     := $(filter-out $(SERVE_SRC),$(sort $(wildcard src/cli/*.c)))
RUNTIME_SRC := $(sort $(wildcard src/model/*.c src/runtime/*.c))
TEMPLATES   := $(sort $(shell find templates -type f 2>/dev/null))

TOOL_OBJ    := $(TOOL_SRC:%.c=$(BUILD)/%.o) $(BUILD)/templates_embedded.o
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVE_OBJ   := $(SERVE_SRC:%.c=$(BUILD)/%.o)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)

VERSION := $(shell sed -n 's/^\#define SYNCSPEC_VERSION "\(.*\)"/\1/p' include/syncspec.h)
SONAME_MAJOR := 0
LIB_A  := $(BUILD)/libsyncspec.a
LIB_SO := $(BUILD)/libsyncspec.so.$(SONAME_MAJOR)
BIN    := $(BUILD)/syncspec
SERVE_BIN := $(BUILD)/syncspec-serve

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Integration tests in C build the same way; tests/run.sh gives them a live PostgreSQL.
INTEGRATION_SRC  := $(sort $(wildcard tests/integration/test_*.c))
INTEGRATION_BINS := $(INTEGRATION_SRC:tests/integration/%.c=$(BUILD)/tests/%)

.PHONY: all examples test test-unit test-build test-asan bench install uninstall clean generated format
all: $(BIN) $(SERVE_BIN) $(LIB_A) $(LIB_SO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# Templates are compiled into the binary, so an installed syncspec needs no other files.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 $< -o $@

$(BUILD)/tools/benchrun: tools/benchrun.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -D_DEFAULT_SOURCE -O2 $< -o $@

$(BUILD)/templates_embedded.c: $(BUILD)/tools/embed $(TEMPLATES)
	$(BUILD)/tools/embed $(TEMPLATES) > $@.tmp && mv $@.tmp $@

$(BUILD)/templates_embedded.o: $(BUILD)/templates_embedded.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(RUNTIME_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIB_SO): $(RUNTIME_OBJ)
	$(CC) -shared -Wl,-soname,libsyncspec.so.$(SONAME_MAJOR) $(LDFLAGS) $^ -o $@ $(LDLIBS)
	ln -sf libsyncspec.so.$(SONAME_MAJOR) $(BUILD)/libsyncspec.so

# --as-needed: the program calls libpq only through dlopen (src/check/postgres.c), so
# libpq and its dependencies are not loaded, and do not slow down, every command it runs.
$(BIN): $(CLI_OBJ) $(TOOL_OBJ) $(LIB_A)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--as-needed $(CLI_OBJ) $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS)

# The server reuses the option parser and spec loader of cli/ (not its main).
$(SERVE_BIN): $(SERVE_OBJ) $(BUILD)/src/cli/options.o $(BUILD)/src/cli/load.o $(TOOL_OBJ) $(LIB_A)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--as-needed $^ -o $@ $(SERVE_LIBS) $(LDLIBS)

# Each unit test links the whole compiler and runtime (not cli/), plus cmocka. The sync
# tests share a header, so a change to it rebuilds them.
TEST_HEADERS := $(wildcard tests/integration/sync/*.h)
$(BUILD)/tests/%: tests/unit/%.c $(TEST_HEADERS) $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Itests/unit $< $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/integration/%.c $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $< $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS) -lcmocka

# The sanitizer tests link the generated C for schemas/app.yaml and for the edge-case golden
# spec (every type and option), compiled with -Werror.
GENERATED_C := generated/app_schema.c generated/app_sanitize.c
EDGE_C := tests/golden/edge/expected/edge_schema.c tests/golden/edge/expected/edge_sanitize.c
$(BUILD)/tests/test_sanitize: tests/unit/test_sanitize.c $(GENERATED_C) generated/app_schema.h \
                              $(EDGE_C) tests/golden/edge/expected/edge_schema.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated -Itests/golden/edge/expected $(ALL_CFLAGS) -Werror $< \
	    $(GENERATED_C) $(EDGE_C) $(LIB_A) -o $@ $(LDLIBS) -lcmocka

# The PostgreSQL round trip links both as well.
$(BUILD)/tests/test_sanitize_pg: tests/integration/test_sanitize_pg.c $(GENERATED_C) $(EDGE_C) $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated -Itests/golden/edge/expected $(ALL_CFLAGS) -Werror $< \
	    $(GENERATED_C) $(EDGE_C) $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS) -lcmocka

# Examples a user copies, built the way docs/sanitizers.md says.
$(BUILD)/examples/upload_server: examples/upload_server/upload_server.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -Werror $< $(GENERATED_C) $(LIB_A) -o $@ $(LDLIBS)

examples: $(BUILD)/examples/upload_server

$(BUILD)/tests/bench_sync: tests/bench/bench_sync.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(LIB_A) -o $@ $(LDLIBS)

$(BUILD)/tests/bench_sync_server: tests/bench/bench_sync_server.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(LIB_A) -o $@ $(LDLIBS)

$(BUILD)/tests/bench_protocol: tests/bench/bench_protocol.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(LIB_A) -o $@ $(LDLIBS)

$(BUILD)/tests/bench_sanitize: tests/bench/bench_sanitize.c $(GENERATED_C) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(LIB_A) -o $@ $(LDLIBS)

test-unit: all $(UNIT_BINS)

# Every program the suite builds, without running it (the -Werror builds of scripts/test-all.sh).
test-build: all $(UNIT_BINS) $(INTEGRATION_BINS) examples

# The whole suite: unit tests, golden files, the invalid-spec corpus and the integration
# tests against real SQLite, a throwaway PostgreSQL 15 and PowerSync's compiler.
# Programs the tests build against the library link with the same flags (sanitizers).
test: all $(UNIT_BINS) $(INTEGRATION_BINS) examples
	SYNCSPEC_LDFLAGS="$(LDFLAGS)" tests/run.sh $(BUILD)

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
test-asan:
	$(MAKE) BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" test

bench: all $(BUILD)/tools/benchrun
	tests/bench/run.sh $(BUILD)

generated: $(BIN)
	$(BIN) generate schemas/app.yaml -o generated

format:
	clang-format -i $(shell find src include tests/unit tools examples -name '*.[ch]')

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/syncspec
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/syncspec
	install -m 755 $(SERVE_BIN) $(DESTDIR)$(PREFIX)/bin/syncspec-serve
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libsyncspec.so.$(SONAME_MAJOR) $(DESTDIR)$(PREFIX)/lib/libsyncspec.so
	install -m 644 include/syncspec.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/syncspec/*.h $(DESTDIR)$(PREFIX)/include/syncspec/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' contrib/syncspec.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/syncspec.pc
	install -m 644 docs/syncspec.1 $(DESTDIR)$(PREFIX)/share/man/man1/syncspec.1
	install -m 644 contrib/syncspec.bash-completion \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/syncspec

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/syncspec $(DESTDIR)$(PREFIX)/bin/syncspec-serve \
	      $(DESTDIR)$(PREFIX)/lib/libsyncspec.a \
	      $(DESTDIR)$(PREFIX)/lib/libsyncspec.so $(DESTDIR)$(PREFIX)/lib/libsyncspec.so.$(SONAME_MAJOR) \
	      $(DESTDIR)$(PREFIX)/include/syncspec.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/syncspec.pc \
	      $(DESTDIR)$(PREFIX)/share/man/man1/syncspec.1 \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/syncspec
	rm -rf $(DESTDIR)$(PREFIX)/include/syncspec

# Also $(BUILD) when it is set elsewhere, unless it is this folder or one that holds it.
clean:
	@b='$(abspath $(BUILD))'; case '$(CURDIR)/' in "$$b"/*) \
	    echo "make clean: BUILD=$(BUILD) holds the sources; not removing it" >&2; exit 2;; esac
	rm -rf build build-asan build-werror-gcc build-werror-clang '$(BUILD)'

# Area fragments (packaging, benchmarks, ...) add their own rules here.
-include $(sort $(wildcard mk/*.mk))
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
