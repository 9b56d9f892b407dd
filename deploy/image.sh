#!/usr/bin/env bash
# image.sh: builds the pier container image from this source tree.
#
#   deploy/image.sh [TAG]        # default tag: pier:latest
#
# It compiles a static binary with the local Go toolchain, gathers it with
# the host's CA bundle and an empty data directory into a build context
# under results/image, and runs `docker build -f deploy/Dockerfile` there.
# Set DOCKER_HOST to use another engine. Set CA_BUNDLE to a PEM file when
# the host keeps its CA bundle elsewhere than Debian does.
set -euo pipefail

tag="${1:-pier:latest}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
context="${PIER_ARTIFACTS:-$root/results}/image"
ca_bundle="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

fail() {
	printf 'image.sh: %s\n' "$*" >&2
	exit 1
}

command -v go >/dev/null 2>&1 || fail "go is not installed"
command -v docker >/dev/null 2>&1 || fail "docker is not installed"
[[ -r "$ca_bundle" ]] || fail "no CA bundle at $ca_bundle (install ca-certificates, or set CA_BUNDLE)"

rm -rf "$context"
mkdir -p "$context/data"
printf 'image.sh: building a static pier into %s\n' "$context" >&2
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$context/pier" ./cmd/pier) ||
	fail "go build failed"
cp "$ca_bundle" "$context/ca-certificates.crt"
docker build --file "$root/deploy/Dockerfile" --tag "$tag" "$context" >&2 || fail "docker build failed"
printf '%s\n' "$tag"
