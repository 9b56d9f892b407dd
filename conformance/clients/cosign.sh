#!/usr/bin/env bash
# cosign.sh: cosign against pier (run by run.sh), with a key pair made here
# and no transparency log (none is reachable): log in, push an image with
# crane, sign it by digest, verify the signature (and fail with another
# key), attest an SPDX SBOM and verify the attestation, then sign a second
# time storing the signature through the OCI 1.1 referrers API and find it
# there.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/app"
export DOCKER_CONFIG="$WORK/docker-config"
# The key pairs' password, and no prompt for it or for uploads.
export COSIGN_PASSWORD="pier-test" COSIGN_YES=true
# cosign looks for Sigstore's public TUF repository even to verify with a
# key and without a transparency log (it warns and goes on). This proxy, a
# closed loopback port, keeps that attempt on this machine, where it fails
# at once; requests to 127.0.0.1, pier's, are never sent to a proxy.
export HTTPS_PROXY="http://127.0.0.1:9" HTTP_PROXY="http://127.0.0.1:9" NO_PROXY=""

cosign() { "$COSIGN" "$@" --allow-http-registry --allow-insecure-registry; }
keygen() { (cd "$WORK" && "$COSIGN" generate-key-pair --output-key-prefix "$1"); }
login() { "$COSIGN" login "$REG" -u "$PIER_USER" --password-stdin <<<"$PIER_PASSWORD"; }

# referrer_types DIGEST: the artifact types pier lists as referrers of DIGEST.
referrer_types() {
	local token
	token="$(api_token "$repo")"
	curl -sSf -H "Authorization: Bearer $token" "http://$REG/v2/$repo/referrers/$1" |
		jq -r '.manifests[].artifactType'
}

step "make a key pair" keygen signer
step "make another key pair" keygen stranger
step "log in" login
step "push an image" "$CRANE" push "$FIXTURES/app.tar" "$REG/$repo:1"
digest="$(digest_in_output '@')"
ref="$REG/$repo@$digest"

step "sign" cosign sign --key "$WORK/signer.key" --tlog-upload=false "$ref"
step "find the signature" "$COSIGN" triangulate "$ref"
sig_tag="$(output | sed 's/.*://')"
same "signature tag" "sha256-${digest#sha256:}.sig" "$sig_tag"
registry_digest "$repo" "$sig_tag" >/dev/null
step "verify" cosign verify --key "$WORK/signer.pub" --insecure-ignore-tlog=true "$ref"
same "signed digest" "$digest" "$(jq -r '.[0].critical.image."docker-manifest-digest"' "$STEP_OUT")"
refused "verify with another key" "no matching signatures|invalid signature|error" \
	cosign verify --key "$WORK/stranger.pub" --insecure-ignore-tlog=true "$ref"

printf '{"spdxVersion":"SPDX-2.3","name":"app","packages":[{"name":"app","versionInfo":"1"}]}\n' >"$WORK/sbom.json"
step "attest an SBOM" cosign attest --key "$WORK/signer.key" --tlog-upload=false \
	--type spdxjson --predicate "$WORK/sbom.json" "$ref"
step "verify the attestation" cosign verify-attestation --key "$WORK/signer.pub" \
	--insecure-ignore-tlog=true --type spdxjson "$ref"
same "attested SBOM" app "$(jq -r '.payload' "$STEP_OUT" | head -n 1 | base64 -d | jq -r .predicate.name)"

step "sign through the referrers API" env COSIGN_EXPERIMENTAL=1 "$COSIGN" sign --key "$WORK/signer.key" \
	--tlog-upload=false --registry-referrers-mode=oci-1-1 --allow-http-registry --allow-insecure-registry "$ref"
referrer_types "$digest" >"$WORK/referrers"
grep -q 'application/vnd.dev.cosign' "$WORK/referrers" ||
	fail "no cosign signature among the referrers of $digest: $(tr '\n' ' ' <"$WORK/referrers")"
