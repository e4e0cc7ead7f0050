# strata — every target sets up what it needs (a MariaDB via scripts/ensure-mariadb.sh).
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/strata

.PHONY: build test chaos lint demo bench bench-scale bench-servers clean

build:
	$(GO) build -o $(BIN) ./cmd/strata

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
