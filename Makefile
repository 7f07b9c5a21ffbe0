# Kaivo's build.  `make` builds build/kaivo and the Customer.io simulator;
# `make SANITIZE=1` builds the same into build-asan/ with ASan + UBSan;
# `make test` runs every test on both builds and ends with "N passed, N failed".

CC ?= cc
PKGS := libcurl jansson sqlite3 libmicrohttpd openssl
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
	@$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS)

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

# The test command: both builds, one summary line.
test:
	$(MAKE) all
	$(MAKE) SANITIZE=1 all
	bash tests/run.sh build build-asan

test-fast: all
	bash tests/run.sh build

bench: all
	bash bench/bench.sh build

check:
	bash scripts/checkstyle.sh

# libFuzzer targets (clang); FUZZ_SECONDS each.  The seed corpora also run
# as ordinary tests (test_cio_page replays tests/fuzz/corpus/cio_page).
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc
build-fuzz/fuzz_cio_page: tests/fuzz/fuzz_cio_page.c src/source/cio_page.c \
		src/common/err.c src/common/mem.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $^ $(shell pkg-config --cflags --libs jansson) -o $@

fuzz: build-fuzz/fuzz_cio_page
	mkdir -p build-fuzz/corpus-cio_page
	build-fuzz/fuzz_cio_page -max_total_time=$(FUZZ_SECONDS) \
		build-fuzz/corpus-cio_page tests/fuzz/corpus/cio_page

demo: all
	./build/kaivo demo

clean:
	rm -rf build build-asan

.PHONY: all test test-fast bench check demo clean fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
