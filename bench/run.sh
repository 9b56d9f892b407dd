#!/usr/bin/env bash
# run.sh [bench flags...]: `make bench`. Installs what is missing (CNCF
# Distribution v3.1.2 and nginx; MinIO through conformance/minio.sh), builds
# pier and the bench, starts a throwaway MinIO, and runs the bench against
# pier and Distribution on the filesystem and on S3. The tables go to
# stdout and into BENCHMARKS.md; logs and scratch data to results/bench/.
# Flags are passed on: `bash bench/run.sh -rounds 1 -blob-mib 16` is a
# quick trial (it still rewrites BENCHMARKS.md unless -out "" is given).
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../conformance/lib.sh"
# shellcheck source=conformance/minio.sh
source "$PIER_ROOT/conformance/minio.sh"
cd "$PIER_ROOT"

DISTRIBUTION_MODULE="github.com/distribution/distribution/v3/cmd/registry"
DISTRIBUTION_VERSION="v3.1.2"

main() {
	local work registry nginx pier bench version
	command -v go >/dev/null 2>&1 || die "go is not installed"
	ensure_command curl curl
	ensure_command nginx nginx
	nginx="$(command -v nginx)"
	registry="$(go_tool "$DISTRIBUTION_MODULE" "$DISTRIBUTION_VERSION" registry)"
	pier="$(build_pier)"
	bench="$PIER_ARTIFACTS/bin/bench"
	go build -o "$bench" ./bench || die "go build ./bench failed"
	version="$(git describe --always --dirty 2>/dev/null || echo unknown)"

	work="$PIER_ARTIFACTS/bench"
	rm -rf "$work"
	mkdir -p "$work"
	on_exit rm -rf "$work/pier-fs/data" "$work/dist-fs/data" "$work/ceiling/data" "$work/ceiling-durable/data"

	minio_start || die "MinIO did not start"
	on_exit minio_stop
	# shellcheck disable=SC2154 # set by minio_start
	"$bench" -pier "$pier" -registry "$registry" -nginx "$nginx" -work "$work" \
		-pier-version "$version" -s3 -minio-pid "$_pier_minio_pid" \
		-out BENCHMARKS.md "$@"
}

main "$@"
