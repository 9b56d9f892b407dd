#!/usr/bin/env bash
# regctl.sh: regctl against pier (run by run.sh): image import of a
# docker-archive, digest, copy, export and import of the export, an artifact
# put on the image and its tree, copy with referrers, tag ls and tag delete.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
copy="$PIER_USER/copy"
export REGCTL_CONFIG="$WORK/regctl.json"
sig_type="application/vnd.pier.test.signature"

regctl() { "$REGCTL" "$@"; }

login() { regctl registry login "$REG" -u "$PIER_USER" --pass-stdin <<<"$PIER_PASSWORD"; }

digest() { regctl image digest "$REG/$1"; }

# tree REF: the referrers in REF's artifact tree, "digest type" a line.
tree() {
	regctl artifact tree --format '{{json .}}' "$REG/$1" |
		jq -r '.referrer[] | .reference.Digest + " " + .artifactType'
}

# tags REPO: REPO's tags on one line.
tags() { regctl tag ls "$REG/$1" | sort | tr '\n' ' ' | sed 's/ $//'; }

printf '{"signed":"by regctl"}\n' >"$WORK/sig.json"

# Before login pier answers regctl's connectivity check with 401: skip it;
# login checks.
step "use plain HTTP for pier" regctl registry set "$REG" --tls disabled --skip-check
step "log in" login

step "import the docker-archive" regctl image import "$REG/$repo:1" "$FIXTURES/app.tar"
step "digest" digest "$repo:1"
app_digest="$(output)"
is_digest "$app_digest" || fail "regctl printed no digest"
same "digest pier serves for app:1" "$app_digest" "$(registry_digest "$repo" 1)"

step "copy" regctl image copy "$REG/$repo:1" "$REG/$copy:1"
same "digest of the copy" "$app_digest" "$(registry_digest "$copy" 1)"

step "export" regctl image export "$REG/$repo:1" "$WORK/export.tar"
step "import the export" regctl image import "$REG/$PIER_USER/reimport:1" "$WORK/export.tar"
same "digest of the image exported and imported again" "$app_digest" "$(registry_digest "$PIER_USER/reimport" 1)"

step "put an artifact on the image" regctl artifact put --subject "$REG/$repo:1" \
	--artifact-type "$sig_type" --file "$WORK/sig.json" --file-media-type application/json
step "artifact tree" tree "$repo:1"
sig_digest="$(output | cut -d' ' -f1)"
is_digest "$sig_digest" || fail "no referrer in the artifact tree"
same "referrers of app:1" "$sig_digest $sig_type" "$(output)"
step "get the artifact" regctl artifact get "$REG/$repo@$sig_digest"
cmp "$WORK/sig.json" "$STEP_OUT" || fail "the artifact read back differs from the one put"

step "copy with referrers" regctl image copy --referrers "$REG/$repo:1" "$REG/$copy:2"
same "digest of copy:2" "$app_digest" "$(registry_digest "$copy" 2)"
step "artifact tree of the copy" tree "$copy:2"
same "referrers of copy:2" "$sig_digest $sig_type" "$(output)"

step "tag ls" tags "$copy"
same "tags of $copy" "1 2" "$(output)"
step "tag delete" regctl tag delete "$REG/$copy:1"
step "tag ls after delete" tags "$copy"
same "tags of $copy after delete" "2" "$(output)"
same "digest of copy:2 after deleting copy:1" "$app_digest" "$(registry_digest "$copy" 2)"
