#!/usr/bin/env bash
# test.sh: every test of pier, as `make test` and CI run them. It installs
# what is missing, then runs each stage and reports all of them, failing if
# any failed:
#
#   gofmt, go vet, go test ./...     static checks and unit tests
#   oci-fs, oci-s3                   the OCI conformance suite on each storage
#   clients                          docker, podman, skopeo, crane, oras, regctl, helm, cosign
#   archive                          pier import/export/images with docker and skopeo
#   deploy                           deploy/Dockerfile's image on a real Docker engine
#   acme                             a certificate from a real ACME CA (Pebble)
#
# When conformance/minio.sh exists, a throwaway MinIO runs for the whole
# test run and PIER_REQUIRE_S3=1 makes the S3 tests fail instead of skip.
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PIER_ROOT"

passed=()
failed=()

# stage NAME CMD...: runs CMD and records whether it passed.
stage() {
	local name="$1" start=$SECONDS
	shift
	printf '\n=== %s\n' "$name"
	if "$@"; then
		passed+=("$name")
		printf '=== %s: ok (%ds)\n' "$name" $((SECONDS - start))
	else
		failed+=("$name")
		printf '=== %s: FAILED (%ds)\n' "$name" $((SECONDS - start))
	fi
}

check_gofmt() {
	local files
	files="$(gofmt -l . 2>&1)" || {
		printf '%s\n' "$files"
		return 1
	}
	if [[ -n "$files" ]]; then
		printf 'not gofmt-ed (run gofmt -w on them):\n%s\n' "$files"
		return 1
	fi
}

start_minio() {
	# shellcheck source=conformance/minio.sh
	source conformance/minio.sh
	minio_start || die "MinIO did not start; S3 tests cannot run"
	on_exit minio_stop
	export PIER_REQUIRE_S3=1
}

main() {
	command -v go >/dev/null 2>&1 || die "go is not installed (https://go.dev/doc/install)"
	ensure_command curl curl
	mkdir -p "$PIER_ARTIFACTS"

	stage gofmt check_gofmt
	stage vet go vet ./...
	if [[ -f conformance/minio.sh ]]; then
		start_minio
	fi
	stage unit go test -count=1 -timeout 15m ./...
	stage oci-fs bash conformance/oci.sh fs
	if [[ -n "${PIER_REQUIRE_S3:-}" ]]; then
		stage oci-s3 bash conformance/oci.sh s3
	fi
	stage clients bash conformance/clients/run.sh
	stage archive bash conformance/archive.sh
	stage deploy bash conformance/deploy.sh
	stage acme bash conformance/acme.sh

	printf '\n=== summary\n'
	printf 'passed: %s\n' "${passed[*]:-none}"
	printf 'failed: %s\n' "${failed[*]:-none}"
	printf 'stages: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
	((${#failed[@]} == 0))
}

main
