#!/usr/bin/env bash
# helm.sh: helm against pier (run by run.sh): a wrong password refused, log
# in, package a chart and push it as an OCI artifact (the media types pier
# serves are helm's, the layer is the .tgz byte for byte), pull it back by
# version and by digest, show and template it straight from the registry,
# push a second version and find it as the latest, log out and be refused.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

repo="$PIER_USER/hello"
# helm keeps its registry credentials and caches under these.
export HELM_CONFIG_HOME="$WORK/config" HELM_CACHE_HOME="$WORK/cache" HELM_DATA_HOME="$WORK/data"
export HELM_REGISTRY_CONFIG="$WORK/config/registry.json"

helm() { "$HELM" "$@"; }

# login PASSWORD: helm registry login as this client's user.
login() { helm registry login --plain-http -u "$PIER_USER" --password-stdin "$REG" <<<"$1"; }

# has WHAT LINE: fails unless the latest step printed LINE (a fixed string).
has() { grep -qxF -- "$2" "$STEP_OUT" || fail "$1: no line '$2' in the output"; }

# helm pull -d wants its directory to exist.
mkdir -p "$WORK/pulled" "$WORK/by-digest" "$WORK/anonymous"

step "create a chart" helm create "$WORK/hello"
step "package 0.1.0" helm package "$WORK/hello" --version 0.1.0 -d "$WORK/pkg"
chart="$WORK/pkg/hello-0.1.0.tgz"
chart_digest="sha256:$(sha256sum "$chart" | cut -d' ' -f1)"

refused "log in with a wrong password" "unauthorized|401|denied|incorrect|invalid" login "not-$PIER_PASSWORD"
step "log in" login "$PIER_PASSWORD"

step "push 0.1.0" helm push "$chart" "oci://$REG/$PIER_USER" --plain-http
digest="$(digest_in_output 'Digest:')"
same "digest pier serves for hello:0.1.0" "$digest" "$(registry_digest "$repo" 0.1.0)"
api_manifest "$repo" 0.1.0 "$WORK/manifest.json" >/dev/null
same "config media type" application/vnd.cncf.helm.config.v1+json "$(jq -r .config.mediaType "$WORK/manifest.json")"
same "chart layer media type" application/vnd.cncf.helm.chart.content.v1.tar+gzip "$(jq -r '.layers[0].mediaType' "$WORK/manifest.json")"
same "chart layer digest (the .tgz pushed)" "$chart_digest" "$(jq -r '.layers[0].digest' "$WORK/manifest.json")"

step "pull by version" helm pull "oci://$REG/$repo" --version 0.1.0 --plain-http -d "$WORK/pulled"
cmp "$chart" "$WORK/pulled/hello-0.1.0.tgz" || fail "the chart pulled by version differs from the one pushed"
step "pull by digest" helm pull "oci://$REG/$repo@$digest" --plain-http -d "$WORK/by-digest"
# Pulled by digest, helm names the file after the reference's last part.
pulled="$(find "$WORK/by-digest" -name '*.tgz' | head -n 1)"
[[ -n "$pulled" ]] || fail "helm pull by digest saved no .tgz"
cmp "$chart" "$pulled" || fail "the chart pulled by digest differs from the one pushed"

step "show the chart from the registry" helm show chart "oci://$REG/$repo" --version 0.1.0 --plain-http
has "show chart" "name: hello"
has "show chart" "version: 0.1.0"
step "template from the registry" helm template rel "oci://$REG/$repo" --version 0.1.0 --plain-http
has "template" "  name: rel-hello"

step "package 0.2.0" helm package "$WORK/hello" --version 0.2.0 -d "$WORK/pkg"
step "push 0.2.0" helm push "$WORK/pkg/hello-0.2.0.tgz" "oci://$REG/$PIER_USER" --plain-http
# Without --version helm lists the tags and takes the highest version.
step "show the latest version" helm show chart "oci://$REG/$repo" --plain-http
has "latest version" "version: 0.2.0"

step "log out" helm registry logout "$REG"
refused "pull once logged out" "unauthorized|401|denied|authentication required|forbidden" \
	helm pull "oci://$REG/$repo" --version 0.1.0 --plain-http -d "$WORK/anonymous"
