# make test: every test (installs what is missing). make run: serve ./data on :5000.

.PHONY: test build image run unit conformance clean

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

clean:
	rm -rf bin results
