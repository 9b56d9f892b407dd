#!/usr/bin/env bash
# podman.sh: podman against pier (run by run.sh). The test image, loaded from
# a docker-archive, is pushed as OCI and as Docker v2s2; pier must serve each
# with its own media type and digest; after every local image is gone, both
# come back, by tag and by digest, with the digests pushed.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
export REGISTRY_AUTH_FILE="$WORK/auth.json"

# pod: podman with all its state in WORK, no systemd and no TLS.
pod() {
	podman --root "$WORK/root" --runroot "$WORK/run" --tmpdir "$WORK/tmp" \
		--cgroup-manager=cgroupfs --events-backend=file "$@"
}

login() { pod login --tls-verify=false -u "$PIER_USER" --password-stdin "$REG" <<<"$PIER_PASSWORD"; }

# push FORMAT TAG: pushes the test image as FORMAT to repo:TAG, writing the
# digest pushed to WORK/TAG.digest.
push() {
	pod push --tls-verify=false --format "$1" --digestfile "$WORK/$2.digest" \
		"$FIXTURE_APP" "docker://$REG/$repo:$2"
}

remove_everything() {
	pod rmi --all --force
	local left
	left="$(pod images --all --quiet)"
	[[ -z "$left" ]] || {
		echo "images left: $left"
		return 1
	}
}

# pulled_digest REF: the manifest digest podman recorded for REF.
pulled_digest() { pod image inspect --format '{{.Digest}}' "$1"; }

mkdir -p "$WORK/tmp"
step "log in" login
step "load the test image from a docker-archive" pod load --input "$FIXTURES/app.tar"

step "push as OCI" push oci oci
oci_digest="$(cat "$WORK/oci.digest")"
is_digest "$oci_digest" || fail "podman wrote no digest: $oci_digest"
same "digest pier serves for app:oci" "$oci_digest" "$(registry_digest "$repo" oci)"
same "media type of app:oci" application/vnd.oci.image.manifest.v1+json "$(registry_type "$repo" oci)"

step "push as Docker v2s2" push v2s2 v2s2
v2_digest="$(cat "$WORK/v2s2.digest")"
is_digest "$v2_digest" || fail "podman wrote no digest: $v2_digest"
same "digest pier serves for app:v2s2" "$v2_digest" "$(registry_digest "$repo" v2s2)"
same "media type of app:v2s2" application/vnd.docker.distribution.manifest.v2+json "$(registry_type "$repo" v2s2)"
[[ "$oci_digest" != "$v2_digest" ]] || fail "the OCI and v2s2 pushes have the same digest $oci_digest"

step "remove every local image" remove_everything

step "pull app:oci by tag" pod pull --tls-verify=false "$REG/$repo:oci"
same "digest pulled for app:oci" "$oci_digest" "$(pulled_digest "$REG/$repo:oci")"

step "pull app:v2s2 by digest" pod pull --tls-verify=false "$REG/$repo@$v2_digest"
same "digest pulled for app@$v2_digest" "$v2_digest" "$(pulled_digest "$REG/$repo@$v2_digest")"
