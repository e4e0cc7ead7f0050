# strata — every target sets up what it needs (a MariaDB via scripts/ensure-mariadb.sh).
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/strata
# strata version prints these (Go and Atlas versions come from the build info).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(BUILD_DATE)
IMAGE ?= ghcr.io/stratadb/strata:$(VERSION)
DOCKER ?= docker

.PHONY: build test chaos lint demo bench bench-scale bench-servers clean image

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/strata

# The container image (Dockerfile) where a container engine runs (DOCKER=podman works too).
image:
	@command -v $(DOCKER) >/dev/null 2>&1 || { echo "make image: no '$(DOCKER)' command here: install Docker (or pass DOCKER=podman) to build $(IMAGE)" >&2; exit 1; }
	@$(DOCKER) info >/dev/null 2>&1 || { echo "make image: '$(DOCKER)' cannot reach a container engine (is the daemon running?)" >&2; exit 1; }
	$(DOCKER) build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg BUILD_DATE=$(BUILD_DATE) -t $(IMAGE) .

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	dsn=$$(scripts/ensure-mariadb.sh) && STRATA_TEST_DSN="$$dsn" $(GO) test -count=1 -timeout 40m ./...

# The fault suite alone (make test runs it too); STRATA_FAULT_SEED=N repeats a run's kill points.
chaos:
	dsn=$$(scripts/ensure-mariadb.sh) && STRATA_TEST_DSN="$$dsn" $(GO) test -count=1 -v -run 'TestFaults|TestSeedKilledBeforeRecorded' ./cmd/strata/

demo: build
	scripts/demo.sh

bench: build
	scripts/bench.sh

# N=10,000 on a private MariaDB the script starts (not in CI; ~30 min on 2 cores).
bench-scale: build
	scripts/bench-scale.sh

# Rollout on 1 vs 3 private MariaDB servers (not in CI).
bench-servers: build
	scripts/bench-servers.sh

clean:
	rm -rf bin
