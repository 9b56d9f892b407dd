#!/usr/bin/env bash
# oras.sh: oras against pier (run by run.sh): push an image (the hello layer
# and its config) and an artifact, pull the artifact back, attach an
# SBOM-like artifact to the image, discover it through the referrers API
# (not the tag fallback), pull it by digest, and copy the image with its
# referrers to another repository.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
notes="$PIER_USER/notes"
copy="$PIER_USER/copy"
export DOCKER_CONFIG="$WORK/docker-config"

oras() { "$ORAS" "$@"; }

login() { oras login --plain-http -u "$PIER_USER" --password-stdin "$REG" <<<"$PIER_PASSWORD"; }

# referrers REF: the referrers oras discovers for REF, "digest type" a line.
referrers() {
	oras discover --plain-http --format json "$REG/$1" |
		jq -r '.referrers[] | .digest + " " + .artifactType'
}

# pull_into DIR REF: pulls REF's files into DIR.
pull_into() {
	mkdir -p "$1"
	oras pull --plain-http --output "$1" "$REG/$2"
}

# oras names layers after their files: work where the files are.
mkdir -p "$WORK/files"
cd "$WORK/files"
cp "$FIXTURES/rootfs.tar" rootfs.tar
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/hello"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$(sha256sum rootfs.tar | cut -d' ' -f1)" >config.json
printf 'release notes, pushed by oras\n' >notes.txt
printf '{"spdxVersion":"SPDX-2.3","name":"hello","packages":[{"name":"hello","versionInfo":"1"}]}\n' >sbom.spdx.json

step "log in" login

step "push an image" oras push --plain-http --format json "$REG/$repo:1" \
	--config config.json:application/vnd.oci.image.config.v1+json \
	rootfs.tar:application/vnd.oci.image.layer.v1.tar
image_digest="$(jq -r .digest "$STEP_OUT")"
same "digest pier serves for app:1" "$image_digest" "$(registry_digest "$repo" 1)"
api_manifest "$repo" 1 "$WORK/app.json" >/dev/null
same "config media type of app:1" application/vnd.oci.image.config.v1+json "$(jq -r .config.mediaType "$WORK/app.json")"

step "push an artifact" oras push --plain-http --format json \
	--artifact-type application/vnd.pier.test.notes "$REG/$notes:1" notes.txt:text/plain
notes_digest="$(jq -r .digest "$STEP_OUT")"
same "digest pier serves for notes:1" "$notes_digest" "$(registry_digest "$notes" 1)"
step "pull the artifact" pull_into "$WORK/pulled" "$notes:1"
same "digest pulled for notes:1" "$notes_digest" "$(digest_in_output 'Digest:')"
cmp notes.txt "$WORK/pulled/notes.txt" || fail "the pulled notes.txt differs from the one pushed"

step "attach an SBOM to the image" oras attach --plain-http --format json \
	--artifact-type application/spdx+json "$REG/$repo:1" sbom.spdx.json:application/spdx+json
sbom_digest="$(jq -r .digest "$STEP_OUT")"
is_digest "$sbom_digest" || fail "oras attach printed no digest"
mark="$(pier_log_mark)"
step "discover the SBOM" referrers "$repo:1"
same "referrers of app:1" "$sbom_digest application/spdx+json" "$(output)"
asked="$(pier_log_since "$mark" | grep -F " path=/v2/$repo/referrers/$image_digest " | grep ' method=GET .*status=200 ' || true)"
[[ -n "$asked" ]] || fail "oras did not ask the referrers API"
step "no fallback tag was made" oras repo tags --plain-http "$REG/$repo"
same "tags of $repo" "1" "$(output)"
step "pull the SBOM by digest" pull_into "$WORK/sbom" "$repo@$sbom_digest"
cmp sbom.spdx.json "$WORK/sbom/sbom.spdx.json" || fail "the pulled SBOM differs from the one attached"

step "copy the image with its referrers" oras cp --recursive --from-plain-http --to-plain-http \
	"$REG/$repo:1" "$REG/$copy:1"
same "digest of the copy" "$image_digest" "$(registry_digest "$copy" 1)"
step "discover the SBOM on the copy" referrers "$copy:1"
same "referrers of copy:1" "$sbom_digest application/spdx+json" "$(output)"
