#!/usr/bin/env bash
# crane.sh: crane against pier (run by run.sh): push a docker-archive, digest,
# pull as a tarball and as an OCI layout, push the tarball back, copy, tag,
# ls, catalog (only what this user may pull), a two-platform index made with
# `index append`, delete by digest.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
copy="$PIER_USER/copy"
export DOCKER_CONFIG="$WORK/docker-config"

crane() { "$CRANE" "$@"; }

login() { crane auth login "$REG" -u "$PIER_USER" --password-stdin <<<"$PIER_PASSWORD"; }

# platforms REF: the platforms an index lists, as one JSON array.
platforms() {
	crane manifest "$1" | jq -c '[.manifests[].platform | .os + "/" + .architecture]'
}

step "log in" login

step "push the docker-archive" crane push "$FIXTURES/app.tar" "$REG/$repo:1"
app_digest="$(digest_in_output '@')"
step "digest" crane digest "$REG/$repo:1"
same "digest of app:1" "$app_digest" "$(output)"
same "digest pier serves for app:1" "$app_digest" "$(registry_digest "$repo" 1)"

step "pull as a tarball" crane pull "$REG/$repo:1" "$WORK/app.tar"
step "push the pulled tarball back" crane push "$WORK/app.tar" "$REG/$repo:again"
same "digest of the tarball pushed back" "$app_digest" "$(digest_in_output '@')"
step "pull as an OCI layout" crane pull --format oci "$REG/$repo:1" "$WORK/layout"
same "digest in the OCI layout" "$app_digest" "$(jq -r '.manifests[0].digest' "$WORK/layout/index.json")"

step "copy" crane copy "$REG/$repo:1" "$REG/$copy:1"
same "digest of the copy" "$app_digest" "$(registry_digest "$copy" 1)"
step "tag" crane tag "$REG/$copy:1" latest
step "ls" crane ls "$REG/$copy"
same "tags of $copy" "1 latest" "$(sort "$STEP_OUT" | tr '\n' ' ' | sed 's/ $//')"
step "catalog" crane catalog "$REG"
for want in "$repo" "$copy"; do
	grep -qx "$want" "$STEP_OUT" || fail "the catalog lacks $want"
done
if grep -v "^$PIER_USER/" "$STEP_OUT"; then
	fail "the catalog lists repositories $PIER_USER may not pull"
fi

step "make a linux/arm64 variant" crane mutate --set-platform linux/arm64 "$REG/$repo:1" -t "$REG/$repo:arm64"
arm_digest="$(digest_in_output '@')"
step "index append" crane index append -m "$REG/$repo:1" -m "$REG/$repo:arm64" -t "$REG/$repo:multi"
index_digest="$(digest_in_output '@')"
same "digest pier serves for app:multi" "$index_digest" "$(registry_digest "$repo" multi)"
same "media type of app:multi" application/vnd.oci.image.index.v1+json "$(registry_type "$repo" multi)"
step "platforms of the index" platforms "$REG/$repo:multi"
same "platforms of app:multi" '["linux/amd64","linux/arm64"]' "$(output)"
step "digest of linux/arm64 in the index" crane digest --platform linux/arm64 "$REG/$repo:multi"
same "digest of linux/arm64" "$arm_digest" "$(output)"
step "digest of linux/amd64 in the index" crane digest --platform linux/amd64 "$REG/$repo:multi"
same "digest of linux/amd64" "$app_digest" "$(output)"

step "delete the copy by digest" crane delete "$REG/$copy@$app_digest"
refused "the deleted copy is unknown" 'MANIFEST_UNKNOWN' crane digest "$REG/$copy:latest"
step "ls after delete" crane ls "$REG/$copy"
same "tags of $copy after delete" "" "$(output)"
step "the source of the copy is still there" crane digest "$REG/$repo:1"
same "digest of app:1" "$app_digest" "$(output)"
