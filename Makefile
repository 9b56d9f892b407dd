# make test: every test (installs what is missing). make run: serve ./data on :5000.

.PHONY: test build image run unit conformance bench clean

test:
	bash conformance/test.sh

# A static binary, as deployed.
build:
	CGO_ENABLED=0 go build -trimpath -o bin/pier ./cmd/pier

# The container image of deploy/Dockerfile, as pier:latest.
image:
	bash deploy/image.sh pier:latest

run:
	go run ./cmd/pier serve

unit:
	go test ./...

# The OCI conformance suite against the filesystem storage only.
conformance:
	bash conformance/oci.sh fs

# pier beside CNCF Distribution, nginx and a hash-and-write server on this
# machine (about 10 minutes); rewrites the tables in BENCHMARKS.md. Not part
# of make test. A quick trial that leaves BENCHMARKS.md alone:
#   make bench BENCH_FLAGS="-rounds 1 -blob-mib 16 -out results/bench.md"
bench:
	bash bench/run.sh $(BENCH_FLAGS)

clean:
	rm -rf bin results
