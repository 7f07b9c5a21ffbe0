# Kaivo's build.  `make` builds build/kaivo and the Customer.io simulator;
# `make SANITIZE=1` builds the same into build-asan/ with ASan + UBSan;
# `make test` runs every test on both builds and ends with "N passed, N failed".

CC ?= cc
# json-c parses Customer.io pages (src/source: 3x jansson's speed); jansson
# does every other JSON job.  Both version their symbols, so each library's
# own calls stay inside it; jansson must come first on the link line so that
# the two names both define (json_object_get, json_object_iter_next) bind to
# it.  scripts/checkstyle.sh keeps json-c code off those two names.
PKGS := libcurl jansson json-c sqlite3 libmicrohttpd openssl
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Wwrite-strings -Wformat=2 \
        -Wno-format-nonliteral
CFLAGS_ALL := -std=c11 $(WARN) -g -I. -Isrc -Itests $(shell pkg-config --cflags $(PKGS))
LDLIBS := $(shell pkg-config --libs $(PKGS)) -lm

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
CFLAGS_ALL += -O1 -fno-omit-frame-pointer \
              -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_ALL := -fsanitize=address,undefined
else
BUILD ?= build
CFLAGS_ALL += -O2
LDFLAGS_ALL :=
endif

LIB_SRC := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
COMMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/common/*.c))
SIM_SRC := $(wildcard sim/*.c)
SIM_OBJ := $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
FAKEBQ_SRC := $(wildcard fakebq/*.c)
FAKEBQ_OBJ := $(FAKEBQ_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HARNESS_OBJ := $(BUILD)/obj/tests/harness.o

PROGRAMS := $(BUILD)/kaivo $(BUILD)/kaivo-cio-sim
ifneq ($(FAKEBQ_SRC),)
PROGRAMS += $(BUILD)/kaivo-fake-bq
endif

all: $(PROGRAMS) $(UNIT_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libkaivo.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/kaivo: $(BUILD)/obj/src/cli/main.o $(BUILD)/libkaivo.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The simulator shares only the common layer with the product.
$(BUILD)/kaivo-cio-sim: $(SIM_OBJ) $(COMMON_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The fake BigQuery links the product's library: it verifies JWTs with the
# same OpenSSL helpers and shares the common layer.
$(BUILD)/kaivo-fake-bq: $(FAKEBQ_OBJ) $(BUILD)/libkaivo.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(HARNESS_OBJ) $(BUILD)/libkaivo.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The seed-corpus replay calls each fuzz target's entry point under its own
# name, each target compiled apart (they use different JSON libraries).
REPLAY_TARGETS := cio_page mcp_request opts
REPLAY_OBJ := $(REPLAY_TARGETS:%=$(BUILD)/obj/tests/fuzz/replay_%.o)

$(BUILD)/obj/tests/fuzz/replay_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (replay)"
	@$(CC) $(CFLAGS_ALL) $(CFLAGS) -DLLVMFuzzerTestOneInput=replay_$* \
	    -MMD -MP -c $< -o $@

$(BUILD)/tests/test_fuzz_replay: $(BUILD)/obj/tests/unit/test_fuzz_replay.o \
        $(REPLAY_OBJ) $(HARNESS_OBJ) $(BUILD)/libkaivo.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The test command: both builds, one summary line.
test:
	bash scripts/install-node-deps.sh
	$(MAKE) all
	$(MAKE) SANITIZE=1 all
	bash tests/run.sh build build-asan

test-fast: all
	bash scripts/install-node-deps.sh
	bash tests/run.sh build

# The long failure suites: bigger odd payloads, then 20 kill -9 trials per
# build, run on their own because they outlast run.sh's 600 s per test.
test-long:
	$(MAKE) all
	$(MAKE) SANITIZE=1 all
	KAIVO_TEST_LONG=1 bash tests/run.sh build build-asan
	@for b in build build-asan; do \
	    KILL9_TRIALS=20 KAIVO_BUILD=$(CURDIR)/$$b timeout 3600 \
	        bash tests/e2e/test_kill9.sh >/tmp/kaivo-kill9-$$b.log 2>&1 \
	        || { tail -20 /tmp/kaivo-kill9-$$b.log; exit 1; }; \
	    echo "PASS [$$b] e2e.test_kill9, 20 trials"; \
	done

bench: all
	bash bench/bench.sh build

check:
	bash scripts/checkstyle.sh

# libFuzzer targets (clang): the page parser, the MCP request handler and
# the command-line parser, each run for FUZZ_SECONDS by `make fuzz`.  The
# library is rebuilt with coverage instrumentation in build-fuzz/.  The
# seed corpora (tests/fuzz/corpus/TARGET) also run as ordinary tests:
# build/tests/test_fuzz_replay feeds them to the same entry points.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := cio_page mcp_request opts
FUZZ_DIR := build-fuzz
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -std=c11 $(WARN) -g -O1 -I. -Isrc -Itests \
               $(shell pkg-config --cflags $(PKGS))
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@

$(FUZZ_DIR)/libkaivo.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libkaivo.a
	@echo "  LINK    $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) $^ $(LDLIBS) -o $@

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    mkdir -p $(FUZZ_DIR)/corpus-$$t; \
	    $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -print_final_stats=1 $(FUZZ_DIR)/corpus-$$t \
	        tests/fuzz/corpus/$$t || exit 1; \
	done

demo: all
	./build/kaivo demo

clean:
	rm -rf build build-asan $(FUZZ_DIR)

.PHONY: all test test-fast test-long bench check demo clean fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
