# layerpin — every target installs what it needs on a fresh Debian machine (as root).
PREFIX ?= /usr/local
SWIFT ?= swift
APT_PACKAGES := libssl-dev libarchive-dev libarchive-tools pkg-config git util-linux busybox-static strace python3 python3-jsonschema docker-compose
E2E_PACKAGES := docker.io docker-compose docker-registry busybox-static perl python3 python3-pip openssh-server openssh-client python3-paramiko qemu-user-static debootstrap
BENCH_PACKAGES := hyperfine time git openssl python3 python3-pip
BIN_DEBUG := .build/debug/layerpin
BIN_RELEASE := .build/release/layerpin

.PHONY: all deps e2e-deps build release run test unit e2e fuzz fuzz-smoke bench install lint clean

all: build

deps:
	@scripts/apt-ensure $(APT_PACKAGES)

# Node and npm for the Node app's stand-in image: Debian's, unless the machine has its own.
e2e-deps:
	@scripts/apt-ensure $(E2E_PACKAGES)
	@command -v npm >/dev/null || scripts/apt-ensure nodejs npm

build: deps
	$(SWIFT) build

# The Swift runtime linked in: the installed binary runs without a Swift toolchain (on a CI
# runner or a Raspberry Pi) and starts in half the time.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product layerpin

# The main job on the bundled example: the context Docker would get, and its digests.
run: build
	@echo "== layerpin context --root Fixtures/python-app"
	@$(BIN_DEBUG) context --root Fixtures/python-app
	@echo "== layerpin digest --no-cache --root Fixtures/python-app"
	@$(BIN_DEBUG) digest --no-cache --root Fixtures/python-app

# Every test: unit and CLI tests, a short fuzz of every parser, then the end-to-end tests on
# real Docker engines of both generations.
test: unit fuzz-smoke e2e

# The tests' stat caches go to a directory of their own (never the user's ~/.cache/layerpin).
unit: deps
	$(SWIFT) build --build-tests
	rm -rf .build/test-cache && XDG_CACHE_HOME=$(abspath .build/test-cache) $(SWIFT) test --skip-build
	@scripts/check-sarif

# Coverage-guided fuzzing (libFuzzer + ASan) of every parser and reader; FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@scripts/fuzz $(FUZZ_SECONDS)

# The seed corpus replayed through the plain builds, then a few seconds of libFuzzer each.
fuzz-smoke: unit
	@scripts/fuzz --replay
	@scripts/fuzz 5

e2e: deps e2e-deps
	@scripts/e2e

bench: release e2e-deps
	@scripts/apt-ensure $(BENCH_PACKAGES)
	@LAYERPIN=$(BIN_RELEASE) bench/run
	@echo "== verify.sh start-up time"
	@LAYERPIN=$(abspath $(BIN_RELEASE)) bench/verify-sh
	@echo "== a code-only deploy, by phase, against compose build && up -d"
	@LAYERPIN=$(abspath $(BIN_RELEASE)) bench/deploy

install: release
	install -D -m 0755 $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/layerpin

lint:
	$(SWIFT) format lint --strict -r Sources Tests Fuzz Package.swift
	@sh -n scripts/engine scripts/e2e scripts/apt-ensure scripts/engine-context-list scripts/fuzz
	@bash -n scripts/check-dockerignore-fixtures scripts/check-layout-fixtures scripts/check-dockerfile-fixtures bench/run bench/verify-sh bench/deploy scripts/check-corpus-pins

clean:
	rm -rf .build .build-fuzz
