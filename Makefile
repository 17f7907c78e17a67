# Sluice: build, run and test. `make run` and `make test` are all a developer
# needs; both install missing system packages first (make deps).

GO      ?= go
BIN     := bin/sluice
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# librocksdb-dev: grocksdb (state stores) links against it.
# tmux, kcat: the terminal end-to-end tests and manual checks against a broker.
APT_PACKAGES := librocksdb-dev tmux kcat

.PHONY: all deps build run test test-faults bench conformance clean

all: build

deps:
	@if ! command -v dpkg >/dev/null 2>&1; then \
		echo "deps: no dpkg here; install by hand: $(APT_PACKAGES)"; exit 0; \
	fi; \
	missing=""; \
	for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" -ne 0 ] && sudo="sudo"; \
		echo "deps: installing$$missing with apt-get"; \
		$$sudo apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/sluice

run: build
	./$(BIN) shell

# go test runs last so that its summary closes the output.
test: build
	@[ -d ../shared/conformance/ksql/qtt ] || echo "test: ../shared/conformance/ksql not found: the ksqlDB conformance corpus is skipped"
	$(GO) vet ./...
	$(GO) test -timeout 30m ./...

# The long kill tests: 100,000 events, 10 SIGKILLs of the server per
# processing guarantee (the short form runs in make test).
test-faults: build
	SLUICE_FAULTS=long $(GO) test -count=1 -timeout 60m -run 'TestKill' -v ./tests/e2e

# ksqlDB's functional test corpus (../shared/conformance/ksql): totals per file,
# the largest failure causes, and a check against tests/conformance/passing.txt.
conformance: build
	@if [ -d ../shared/conformance/ksql/qtt ]; then \
		$(GO) test -count=1 ./tests/conformance -run TestConformance -v -qtt.v 2>&1 | grep -v '^=== RUN'; \
		./$(BIN) test ../shared/conformance/ksql/rqtt/*.json | tail -n 1 | sed 's/^/rqtt: /'; \
		./$(BIN) test ../shared/conformance/ksql/sqltests/*.sql ../shared/conformance/ksql/sqltests/*/*.sql | tail -n 1 | sed 's/^/sqltests: /'; \
	else \
		echo "conformance: ../shared/conformance/ksql not found, skipped"; \
	fi

# Sluice's benchmarks, then the goka keyed count (bench/goka, its own module;
# -mod=mod lets it follow changes of the main go.mod), which reads Sluice's
# output and prints the ratio sluice/goka.
bench:
	@if [ -d bench ]; then \
		out=$$(mktemp); \
		{ $(GO) test -run XXX -bench . -benchtime 1x ./bench/...; echo $$? > $$out.rc; } | tee $$out; \
		rc=$$(cat $$out.rc); \
		if [ -d bench/goka ]; then \
			(cd bench/goka && $(GO) test -mod=mod -run XXX -bench . -benchtime 1x . -sluice $$out) || rc=1; \
		fi; \
		rm -f $$out $$out.rc; exit $$rc; \
	else \
		echo "bench: no bench/ directory yet"; \
	fi

clean:
	rm -rf bin
