# Strata — the only entry points: build, run, stop, test, bench, lint, format.
# `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := all

CC ?= cc
BUILD := build

# Debian 12 packages the project needs; `make deps` installs the missing ones.
DEB_PACKAGES := build-essential pkg-config libfcgi-dev libpq-dev libcjson-dev \
	libjwt-dev libssl-dev check libsubunit-dev nginx postgresql-15 \
	postgresql-client-15 wrk jq curl openssl ca-certificates procps \
	cppcheck clang-tidy clang-format libseccomp-dev clang libclang-rt-14-dev \
	chromium chromium-driver python3-selenium libcurl4-openssl-dev \
	libqrencode-dev patroni etcd-server etcd-client pgbackrest python3-aiosmtpd \
	iproute2 postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev

WARN := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
	-Werror -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2 -fno-common
INCS := -Ilib -I/usr/include/postgresql -I/usr/include/cjson
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDHARDEN := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LIBS := -lfcgi -lpq -lcjson -ljwt -lssl -lcrypto -lseccomp -lcurl -lqrencode -lm

RELEASE_CFLAGS := $(WARN) $(INCS) $(HARDEN) -O2 -g
ASAN_CFLAGS := $(WARN) $(INCS) -fPIE -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -DSTRATA_TEST_HOOKS
ASAN_LDFLAGS := -pie -fsanitize=address,undefined

LIB_SRC := $(sort $(wildcard lib/*/*.c))
MAIN_SRC := cgi-bin/strata.c
UNIT_SRC := $(sort $(wildcard tests/unit/check_*.c))

# make fuzz: libFuzzer harnesses (clang), the library instrumented beside.
FUZZ_CC := clang
FUZZ_CFLAGS := $(WARN) $(INCS) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/bin/%)
.SECONDARY: $(FUZZ_OBJ)

REL_OBJ := $(LIB_SRC:%.c=$(BUILD)/rel/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/%)
# The seccomp list that ships is the release build's (the sanitizer build
# allows what ASan needs): its unit tests run against release objects too.
REL_UNIT_BIN := $(BUILD)/rel/tests/check_sandbox_release

.PHONY: all asan deps run stop test unit bench bench-scale lint format \
	clean distclean flags help test-deploy floor fuzz fuzz-build test-browser \
	test-dr bench-dr backup test-regions test-citus

all: flags $(BUILD)/strata

help:
	@echo "make run       install deps, build, start the dev stack under var/"
	@echo "make stop      stop what make run started"
	@echo "make test      sanitizer build, unit tests, stack tests (var/test)"
	@echo "make test-browser  the console in headless Chromium on a test stack"
	@echo "make test-dr   the disaster-recovery drill (failover, PITR) in var/dr"
	@echo "make test-regions  two regions in two network namespaces (var/regions)"
	@echo "make backup    pgBackRest backup of the HA=1 stack (BACKUP=full|incr|diff)"
	@echo "make bench-dr  backup and restore times of the bench data set (HA=1, var/drbench)"
	@echo "make bench     load test against the machine's own ceilings"
	@echo "make fuzz      libFuzzer harnesses, FUZZ_SECONDS (600) each"
	@echo "make test-citus  the stack and its tests on a 3-node Citus cluster"
	@echo "make lint      cppcheck + clang-tidy + clang-format check"
	@echo "make format    apply clang-format"
	@echo "make deps      install missing Debian packages"
	@echo "make clean     remove build/;  make distclean  also var/"

flags:
	@echo "CFLAGS (release): $(RELEASE_CFLAGS)"
	@echo "CFLAGS (test):    $(ASAN_CFLAGS)"

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< \
		$(FUZZ_OBJ) $(LIBS)

$(BUILD)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(RELEASE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/strata: $(REL_OBJ) $(BUILD)/rel/cgi-bin/strata.o
	@echo "  LD      $@"
	@$(CC) $(LDHARDEN) -o $@ $^ $(LIBS)

$(BUILD)/asan/strata: $(ASAN_OBJ) $(BUILD)/asan/cgi-bin/strata.o
	@echo "  LD asan $@"
	@$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/asan/tests/%: tests/unit/%.c $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(ASAN_CFLAGS) -MMD -MP -MF $@.d -Itests/unit -o $@ $< \
		$(ASAN_OBJ) $(ASAN_LDFLAGS) \
		$(LIBS) -lcheck -lsubunit -lrt -lpthread

$(BUILD)/rel/tests/%_release: tests/unit/%.c $(REL_OBJ)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(RELEASE_CFLAGS) -MMD -MP -MF $@.d -Itests/unit -o $@ $< \
		$(REL_OBJ) $(LDHARDEN) $(LIBS) -lcheck -lsubunit -lrt -lpthread

# The `floor` responder of make bench: the architecture's own cost.
$(BUILD)/floor: tests/load/floor.c
	$(CC) $(RELEASE_CFLAGS) $(LDHARDEN) -o $@ $< -lfcgi -lpq

asan: $(BUILD)/asan/strata $(UNIT_BIN)

deps:
	@tests/stack/deps.sh $(DEB_PACKAGES)

# HA=1: two PostgreSQL nodes under Patroni and etcd, WAL archived by
# pgBackRest (tests/dr/ha.sh); the default stays one node.
run: deps all
	@HA=$(or $(HA),0) tests/stack/stack.sh up var

# The disaster-recovery drill on a stack of its own (tests/dr/run.sh).
test-dr: deps all
	@tests/dr/run.sh

# Backup and restore times of the bench data set on the HA=1 layout
# (tests/dr/bench.sh; measured, nothing asserted).
bench-dr: deps all
	@tests/dr/bench.sh

# Two regions, each a whole Strata in a network namespace of its own
# (tests/regions/run.sh; docs/regions.md).
test-regions: deps all
	@tests/regions/run.sh

backup: deps
	@tests/dr/backup.sh var $(or $(BACKUP),incr)

stop:
	@tests/stack/stack.sh down var

unit: $(UNIT_BIN) $(REL_UNIT_BIN)
	@tests/stack/unit.sh $(UNIT_BIN) $(REL_UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory flags asan all $(BUILD)/floor \
		$(REL_UNIT_BIN)
	@tests/stack/test.sh $(UNIT_BIN) $(REL_UNIT_BIN)

# PostGraphile, the comparison of make bench, runs on Node.js: Debian's
# nodejs and npm when the machine has no node of its own.
bench: deps all $(BUILD)/floor
	@command -v node >/dev/null && command -v npm >/dev/null || tests/stack/deps.sh nodejs npm
	@tests/load/bench.sh

bench-scale: deps all $(BUILD)/floor
	@BENCH_SCALE=1 tests/load/bench.sh

# The stack on a Citus coordinator and two workers (docs/scale-out.md);
# builds Citus into PostgreSQL 15 once per machine when it is missing.
test-citus: deps
	@$(MAKE) --no-print-directory asan all
	@tests/citus/run.sh

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@tests/fuzz/run.sh

test-deploy: deps all
	@ansible/test-deploy.sh

# The console's browser tests alone (tests/browser/), on the test stack of
# make test (sanitizer build, var/test, free ports) with no stack scripts
# (TESTS=none) and no unit tests.
test-browser: deps
	@$(MAKE) --no-print-directory $(BUILD)/asan/strata
	@TESTS=none BROWSER_IN_TESTS=1 tests/stack/test.sh

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 --inline-suppr --suppress=missingIncludeSystem \
		--library=tests/lint/cjson.cfg \
		-Ilib lib cgi-bin
	clang-tidy --quiet $(LIB_SRC) $(MAIN_SRC) -- $(WARN) $(INCS) 2>/dev/null
	clang-format --dry-run --Werror $(LIB_SRC) $(MAIN_SRC) $(wildcard lib/*/*.h)
	@# Include guards are STRATA_<DIR>_<FILE>_H, so no two can collide.
	@for h in $(wildcard lib/*/*.h); do \
		g=$$(echo "$$h" | sed 's|^lib/||; s|\.h$$||; s|/|_|' | tr a-z A-Z); \
		grep -q "^#ifndef STRATA_$${g}_H$$" "$$h" || \
			{ echo "$$h: include guard is not STRATA_$${g}_H"; exit 1; }; \
	done

format:
	clang-format -i $(LIB_SRC) $(MAIN_SRC) $(wildcard lib/*/*.h) $(UNIT_SRC)

clean:
	rm -rf $(BUILD)

# Every stack under var/ is stopped, and its files go (also where a link
# points: tests/stack/stack.sh, "purge").
distclean: clean
	-@for e in var/*/stack.env var/stack.env; do \
		[ -f "$$e" ] && tests/stack/stack.sh purge "$${e%/stack.env}" >/dev/null 2>&1; \
	done; true
	rm -rf var

-include $(REL_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(BUILD)/rel/cgi-bin/strata.d \
	$(BUILD)/asan/cgi-bin/strata.d $(UNIT_BIN:=.d) $(REL_UNIT_BIN:=.d) $(FUZZ_OBJ:.o=.d)
