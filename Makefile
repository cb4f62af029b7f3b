# pycore: see README.md.  `make` builds, `make check` runs every test,
# `make demo` cores a corpus scenario and analyzes it.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
PYTHON ?= /usr/bin/python3

# Fixed-size text fields truncate long names on purpose (bounded output).
# Fixed-size text fields truncate long names on purpose: gcc's
# -Wformat-truncation is off (clang has no such warning).
WARN = -Wall -Wextra -Werror $(shell $(CC) -Werror -Wno-format-truncation -E -x c /dev/null >/dev/null 2>&1 && echo -Wno-format-truncation)
CFLAGS ?= -O2 -g
# Hidden by default: libpycore.so exports only pycore.h's PC_API functions.
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -D_GNU_SOURCE -Ianalyzer/include -Ianalyzer/src
LDLIBS = -ldw -lelf -lzstd -llz4 -llzma -lz -lsqlite3 -ldl

LIB_SRC = $(sort $(wildcard analyzer/src/base/*.c analyzer/src/arch/*.c analyzer/src/target/*.c analyzer/src/native/*.c \
            analyzer/src/cpython/*.c analyzer/src/diagnose/*.c analyzer/src/report/*.c \
            analyzer/src/triage/*.c analyzer/src/tree/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ = $(BUILD)/obj/analyzer/src/cli/main.o $(BUILD)/obj/analyzer/src/cli/triage_main.o \
          $(BUILD)/obj/analyzer/src/cli/watch_main.o $(BUILD)/obj/analyzer/src/cli/save_core.o
UNIT_SRC = $(sort $(wildcard analyzer/tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:analyzer/tests/unit/%.c=$(BUILD)/tests/%)

SONAME = libpycore.so.0

.PHONY: deps all lib asan asan-check check unit integration layouts check-layouts demo bench bench-triage install clean \
        fuzz fuzz-bins fuzz-check memimage
all: $(BUILD)/bin/pycore-analyze $(BUILD)/lib/libpycore.a $(BUILD)/lib/libpycore.so

# Objects depend on this file too: a flag changed here rebuilds them.
$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/lib/libpycore.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/libpycore.so: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/bin/pycore-analyze: $(CLI_OBJ) $(BUILD)/lib/libpycore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# heap.c: hand-built CPython objects in a memory target, for the unit tests.
$(BUILD)/tests/test_%: analyzer/tests/unit/test_%.c analyzer/tests/unit/heap.c analyzer/tests/unit/heap.h \
                       $(BUILD)/lib/libpycore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< analyzer/tests/unit/heap.c $(BUILD)/lib/libpycore.a $(LDFLAGS) $(LDLIBS) -lcmocka

# ASan+UBSan build in its own tree (build-asan/); `make asan-check` runs
# the unit and integration tests on it.
ASAN_FLAGS = BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
             LDFLAGS="-fsanitize=address,undefined"
asan:
	$(MAKE) $(ASAN_FLAGS) all

asan-check:
	LSAN_OPTIONS=suppressions=$(abspath tools/lsan.supp):print_suppressions=0 $(MAKE) $(ASAN_FLAGS) unit integration

# Fuzzing (tests/fuzz, docs/testing.md): libFuzzer targets built by clang
# with ASan+UBSan in build-fuzz/.  `make fuzz-check` replays every corpus
# and regression input, then fuzzes each target for FUZZ_SECONDS.
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 10
FUZZ_COMMON = tests/fuzz/memimage.c tests/fuzz/memimage.h
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" fuzz-bins

fuzz-bins: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $(BUILD)/lib/libpycore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< tests/fuzz/memimage.c $(BUILD)/lib/libpycore.a \
	  $(LDFLAGS) $(LDLIBS)

fuzz-check: fuzz
	tests/fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS)

# The recorder of fuzz_memory's seeds (tests/fuzz/make_seeds.py).
memimage: $(BUILD)/tools/make_memimage
$(BUILD)/tools/make_memimage: tests/fuzz/make_memimage.c $(FUZZ_COMMON) $(BUILD)/lib/libpycore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ tests/fuzz/make_memimage.c tests/fuzz/memimage.c \
	  $(BUILD)/lib/libpycore.a $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

check-layouts:
	$(PYTHON) analyzer/src/cpython/gen/gen_layouts.py --check
	$(PYTHON) analyzer/src/cpython/gen/gen_greenlet.py --check

layouts:
	$(PYTHON) analyzer/src/cpython/gen/gen_layouts.py
	$(PYTHON) analyzer/src/cpython/gen/gen_greenlet.py

integration: all
	PYCORE_ANALYZE=$(abspath $(BUILD)/bin/pycore-analyze) $(PYTHON) -m pytest -q tests/integration

# Debian-suite CPythons 3.9, 3.13, 3.14, 3.15 (+ d builds), arm64 3.11 and 3.15
# (+ d builds, run under qemu-user), and free-threaded
# 3.13t and 3.14t (+ d builds) built from source, for the tests, into
# $PYCORE_DEBIAN_PYTHONS (default ~/.cache/pycore/pythons); see docs/versions.md.
.PHONY: provision
provision:
	corpus/provision/provision-debian-pythons.sh
	corpus/provision/provision-debian-pythons.sh --arch arm64 3.11 3.15
	corpus/provision/build-freethreaded-pythons.sh

# Installs missing Debian packages (as root) or says which are missing.
deps:
	@tools/install-deps.sh

check: deps
	$(MAKE) all
	$(MAKE) provision
	$(MAKE) unit check-layouts fuzz-check integration

demo: deps
	$(MAKE) all
	$(PYTHON) corpus/demo.py --analyzer $(BUILD)/bin/pycore-analyze

bench: all
	$(PYTHON) tests/bench/bench_analyze.py --analyzer $(BUILD)/bin/pycore-analyze

# Batch triage: 100 kernel cores, half zstd; cores/s and peak RSS (docs/triage.md).
bench-triage: all
	$(PYTHON) tests/bench/bench_triage.py --analyzer $(BUILD)/bin/pycore-analyze

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	           $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/bin/pycore-analyze $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/lib/libpycore.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/lib/libpycore.so $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libpycore.so
	install -m 644 analyzer/include/pycore.h $(DESTDIR)$(PREFIX)/include/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig
	printf 'prefix=%s\nName: pycore\nDescription: post-mortem analysis of hung CPython processes\nVersion: %s\nCflags: -I$${prefix}/include\nLibs: -L$${prefix}/lib -lpycore\nLibs.private: %s\n' \
	  '$(PREFIX)' "$$(sed -n 's/^#define PYCORE_VERSION "\(.*\)"/\1/p' analyzer/include/pycore.h)" '$(LDLIBS)' \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pycore.pc
	install -m 644 docs/pycore-analyze.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/pycore/gdb/pycore_gdb
	install -m 644 gdb-ext/pycore-gdb.py $(DESTDIR)$(PREFIX)/share/pycore/gdb/
	install -m 644 gdb-ext/pycore_gdb/*.py $(DESTDIR)$(PREFIX)/share/pycore/gdb/pycore_gdb/
	install -d $(DESTDIR)$(PREFIX)/share/pycore/pytest
	install -m 644 pytest-plugin/pycore_hang.py $(DESTDIR)$(PREFIX)/share/pycore/pytest/

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
