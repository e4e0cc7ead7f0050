# strata — every target sets up what it needs (a MariaDB via scripts/ensure-mariadb.sh).
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/strata

.PHONY: build test lint demo bench clean

build:
	$(GO) build -o $(BIN) ./cmd/strata

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	dsn=$$(scripts/ensure-mariadb.sh) && STRATA_TEST_DSN="$$dsn" $(GO) test -count=1 -timeout 40m ./...

demo: build
	scripts/demo.sh

bench: build
	scripts/bench.sh

clean:
	rm -rf bin
