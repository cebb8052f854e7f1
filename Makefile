# make test: install what the tests need (when missing), then run them all.
GO ?= go

.PHONY: test test-deps race bench build demo lint

test: test-deps
	$(GO) test -race -count=1 ./...

test-deps:
	./scripts/test-deps.sh

# -buildvcs=true: stamp the git revision (and whether the tree was modified)
# into the binary even where GOFLAGS turns VCS stamping off, so the version
# is never a bare "dev" for a build from a checkout.
build:
	$(GO) build -buildvcs=true -o bin/evidence-proxy ./cmd/evidence-proxy

demo:
	$(GO) run ./cmd/evidence-proxy demo

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	$(GO) vet ./...
