# Calendula — the README's commands. Meson + Ninja do the real work.
#   make run     install packages, build, migrate, serve on http://127.0.0.1:8080
#   make test    install packages, build, run every test (also under ASan+UBSan)

BUILD      ?= build
ASAN_BUILD ?= build-asan
DATA_DIR   ?= ./var
MESON_OPTS ?=

.PHONY: all build web deps test-deps run test bench clean

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) calendula

# The web app (web/dist), served by calendula at /. Needs Node.js 20+.
web:
	@if [ -x web/build.sh ]; then web/build.sh; fi

run: build web
	CALENDULA_DATA_DIR="$${CALENDULA_DATA_DIR:-$(DATA_DIR)}" $(BUILD)/calendula serve

test: test-deps
	scripts/run-tests

bench: build
	ninja -C $(BUILD) bench/bench_slots
	$(BUILD)/bench/bench_slots

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
