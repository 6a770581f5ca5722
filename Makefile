# syncspec: the only build system. `make`, `make test`, `make test-asan`, `make bench`,
# `make install PREFIX=/usr/local DESTDIR=`, `make clean` (every build folder, and $(BUILD)).
# BUILD=DIR puts every build product in DIR (default build/).

CC      ?= cc
CFLAGS  ?= -O2 -g
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=

PKGS     := yaml-0.1 jansson libpcre2-8 sqlite3 libpq libcurl
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
TOOL_SRC    := $(sort $(wildcard src/util/*.c src/spec/*.c src/validate/*.c src/emit/*.c src/check/*.c \
                 src/compile/*.c))
# `syncspec serve` is a program of its own, syncspec-serve, which `syncspec serve` runs: its
# libraries (HTTP, JWT, TLS, libpq) would otherwise load with every other command.
SERVE_SRC   := $(sort $(wildcard src/serve/*.c)) src/cli/cmd_serve.c
CLI_SRC     := $(filter-out $(SERVE_SRC),$(sort $(wildcard src/cli/*.c)))
# The runtime, by who links it (docs/architecture.md): core/ (values, rows, sanitizers, the
# JSON readers; with model/) for everyone, client/ (the SQLite store, downloads, the HTTP
# transport; no libpq) for a device, server/ (PostgreSQL apply, the sync protocol) for a
# server. libsyncspec holds all three.
CORE_SRC    := $(sort $(wildcard src/model/*.c src/core/*.c))
CLIENT_SRC  := $(sort $(wildcard src/client/*.c))
SERVER_SRC  := $(sort $(wildcard src/server/*.c))
RUNTIME_SRC := $(CORE_SRC) $(CLIENT_SRC) $(SERVER_SRC)
TEMPLATES   := $(sort $(shell find templates -type f 2>/dev/null))

TOOL_OBJ    := $(TOOL_SRC:%.c=$(BUILD)/%.o) $(BUILD)/templates_embedded.o
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVE_OBJ   := $(SERVE_SRC:%.c=$(BUILD)/%.o)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
CORE_OBJ    := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLIENT_OBJ  := $(CORE_OBJ) $(CLIENT_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ  := $(CORE_OBJ) $(SERVER_SRC:%.c=$(BUILD)/%.o)

VERSION := $(shell sed -n 's/^\#define SYNCSPEC_VERSION "\(.*\)"/\1/p' include/syncspec.h)
SONAME_MAJOR := 0
LIB_A  := $(BUILD)/libsyncspec.a
LIB_SO := $(BUILD)/libsyncspec.so.$(SONAME_MAJOR)
CLIENT_SO := $(BUILD)/libsyncspec-client.so.$(SONAME_MAJOR)
SERVER_SO := $(BUILD)/libsyncspec-server.so.$(SONAME_MAJOR)
SHARED_LIBS := $(LIB_SO) $(CLIENT_SO) $(SERVER_SO)
PC_NAMES := syncspec syncspec-client syncspec-server
BIN    := $(BUILD)/syncspec
SERVE_BIN := $(BUILD)/syncspec-serve

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Integration tests in C build the same way; tests/run.sh gives them a live PostgreSQL.
INTEGRATION_SRC  := $(sort $(wildcard tests/integration/test_*.c))
INTEGRATION_BINS := $(INTEGRATION_SRC:tests/integration/%.c=$(BUILD)/tests/%)

.PHONY: all examples test test-unit test-build test-asan bench install uninstall clean generated format
all: $(BIN) $(SERVE_BIN) $(LIB_A) $(SHARED_LIBS)

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

# The runtime exports only what its headers mark SYNCSPEC_API; the program, the tests and the
# examples link the static library, so its internal functions stay reachable for them.
$(RUNTIME_OBJ): ALL_CFLAGS += -fvisibility=hidden

# One rule for the three shared libraries: LIB_PKGS are what each links. --as-needed keeps a
# library from recording one it does not call (the client does not record libpq).
$(LIB_SO): $(RUNTIME_OBJ)
$(LIB_SO): LIB_PKGS := $(PKGS)
$(CLIENT_SO): $(CLIENT_OBJ)
$(CLIENT_SO): LIB_PKGS := jansson libpcre2-8 sqlite3 libcurl
$(SERVER_SO): $(SERVER_OBJ)
$(SERVER_SO): LIB_PKGS := jansson libpcre2-8 sqlite3 libpq
$(SHARED_LIBS):
	$(CC) -shared -Wl,-soname,$(notdir $@) -Wl,--as-needed -Wl,--no-undefined $(LDFLAGS) $^ \
	    -o $@ $(shell pkg-config --libs $(LIB_PKGS)) -lm -pthread
	ln -sf $(notdir $@) $(basename $@)

# --as-needed: the program calls libpq only through dlopen (src/check/read_postgres.c), so
# libpq and its dependencies are not loaded, and do not slow down, every command it runs.
$(BIN): $(CLI_OBJ) $(TOOL_OBJ) $(LIB_A)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--as-needed $(CLI_OBJ) $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS)

# The server reuses the option parser, command summaries and spec loader of cli/ (not its
# main).
$(SERVE_BIN): $(SERVE_OBJ) $(BUILD)/src/cli/options.o $(BUILD)/src/cli/commands.o \
              $(BUILD)/src/cli/load.o $(TOOL_OBJ) $(LIB_A)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--as-needed $^ -o $@ $(SERVE_LIBS) $(LDLIBS)

# Each unit test links the whole compiler and runtime (not cli/), plus cmocka. The sync
# tests share headers, so a change to them rebuilds them.
TEST_HEADERS := $(wildcard tests/integration/sync/*.h)
$(BUILD)/tests/%: tests/unit/%.c $(TEST_HEADERS) $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Itests/unit $< $(TOOL_OBJ) $(LIB_A) -o $@ $(LDLIBS) -lcmocka

$(BUILD)/tests/%: tests/integration/%.c $(TEST_HEADERS) $(TOOL_OBJ) $(LIB_A)
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

$(BUILD)/tests/bench_sync: tests/bench/bench_sync.c $(GENERATED_C) $(BUILD)/src/util/fsutil.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Igenerated $(ALL_CFLAGS) -O2 $< $(GENERATED_C) $(BUILD)/src/util/fsutil.o \
	    $(LIB_A) -o $@ $(LDLIBS)

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
	install -m 755 $(SHARED_LIBS) $(DESTDIR)$(PREFIX)/lib/
	for l in $(notdir $(basename $(SHARED_LIBS))); do \
	    ln -sf $$l.$(SONAME_MAJOR) $(DESTDIR)$(PREFIX)/lib/$$l; done
	install -m 644 include/syncspec.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/syncspec/*.h $(DESTDIR)$(PREFIX)/include/syncspec/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	for pc in $(PC_NAMES); do \
	    sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' contrib/$$pc.pc.in \
	        > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; done
	install -m 644 docs/syncspec.1 $(DESTDIR)$(PREFIX)/share/man/man1/syncspec.1
	install -m 644 contrib/syncspec.bash-completion \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/syncspec

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/syncspec $(DESTDIR)$(PREFIX)/bin/syncspec-serve \
	      $(DESTDIR)$(PREFIX)/lib/libsyncspec.a \
	      $(foreach l,$(notdir $(basename $(SHARED_LIBS))),$(DESTDIR)$(PREFIX)/lib/$(l) \
	          $(DESTDIR)$(PREFIX)/lib/$(l).$(SONAME_MAJOR)) \
	      $(PC_NAMES:%=$(DESTDIR)$(PREFIX)/lib/pkgconfig/%.pc) $(DESTDIR)$(PREFIX)/include/syncspec.h \
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
