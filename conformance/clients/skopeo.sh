#!/usr/bin/env bash
# skopeo.sh: skopeo against pier (run by run.sh). Copies the test image from
# a docker-archive and from an OCI layout into pier and from one pier
# repository to another, checking every digest; inspects, lists tags, and
# deletes, after which the deleted image is unknown but its source stays.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
copy="$PIER_USER/copy"
export REGISTRY_AUTH_FILE="$WORK/auth.json"

login() { skopeo login --tls-verify=false -u "$PIER_USER" --password-stdin "$REG" <<<"$PIER_PASSWORD"; }

# to_pier SRC TAG: copies SRC to repo:TAG, the digest pushed in WORK/TAG.digest.
to_pier() {
	skopeo copy --dest-tls-verify=false --digestfile "$WORK/$2.digest" "$1" "docker://$REG/$repo:$2"
}

# digest_file TAG: prints the digest skopeo wrote for TAG.
digest_file() {
	local d
	d="$(cat "$WORK/$1.digest")"
	is_digest "$d" || fail "skopeo wrote no digest for $1: $d"
	printf '%s\n' "$d"
}

inspect_digest() { skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG/$1"; }

step "log in" login

step "copy from a docker-archive" to_pier "docker-archive:$FIXTURES/app.tar" 1
archive_digest="$(digest_file 1)"
same "digest pier serves for app:1" "$archive_digest" "$(registry_digest "$repo" 1)"

step "make an OCI layout from the docker-archive" \
	skopeo copy "docker-archive:$FIXTURES/app.tar" "oci:$WORK/layout:1"
layout_digest="$(jq -r '.manifests[0].digest' "$WORK/layout/index.json")"
step "copy from the OCI layout" to_pier "oci:$WORK/layout:1" oci
same "digest pushed from the OCI layout" "$layout_digest" "$(digest_file oci)"
same "digest pier serves for app:oci" "$layout_digest" "$(registry_digest "$repo" oci)"

step "copy from pier to pier" skopeo copy --src-tls-verify=false --dest-tls-verify=false \
	--digestfile "$WORK/copy.digest" "docker://$REG/$repo:1" "docker://$REG/$copy:1"
same "digest of the copy" "$archive_digest" "$(digest_file copy)"

step "inspect the copy" inspect_digest "$copy:1"
same "digest inspected" "$archive_digest" "$(output)"

step "list tags" skopeo list-tags --tls-verify=false "docker://$REG/$repo"
same "tags of $repo" '["1","oci"]' "$(jq -c '.Tags | sort' "$STEP_OUT")"

step "delete the copy" skopeo delete --tls-verify=false "docker://$REG/$copy:1"
refused "inspect the deleted copy" 'manifest unknown' inspect_digest "$copy:1"
step "inspect the source of the copy, still there" inspect_digest "$repo:1"
same "digest of app:1" "$archive_digest" "$(output)"
