# make test: install what the tests need (when missing), then run them all.
GO ?= go

.PHONY: test test-deps race bench build demo lint

test: test-deps
	$(GO) test -race -count=1 ./...

test-deps:
	./scripts/test-deps.sh

build:
	$(GO) build -o bin/evidence-proxy ./cmd/evidence-proxy

demo:
	$(GO) run ./cmd/evidence-proxy demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	$(GO) vet ./...
