#!/usr/bin/env bash
# run.sh [CLIENT...]: real clients end to end against a live pier with auth
# on. It installs what is missing (Debian's docker.io, podman, skopeo, jq;
# crane, oras and regctl at pinned versions), starts its own Docker engine
# (conformance/docker.sh) and a fresh pier on a free loopback port, gives
# each client an account that owns the namespace of its name, builds the
# test images (fixtures.sh), then runs each client's script (default: all):
#
#   docker   login (wrong password refused), push, shared layers not sent
#            again, pull by tag and digest, run, anonymous and logged out
#   podman   push as OCI and as Docker v2s2, pull by tag and digest
#   skopeo   copy from a docker-archive, an OCI layout and registry to
#            registry, inspect, list-tags, delete
#   crane    push, pull, copy, tag, ls, catalog, digest, delete, index append
#   oras     push, attach, discover (referrers API), pull, copy with referrers
#   regctl   image import/export/copy, tag ls/delete, artifact put/tree
#   helm     login, push a chart, pull by version and digest, show and
#            template from the registry, latest version, logged out
#   cosign   sign, verify (and refuse another key), attest and verify an
#            SBOM, sign through the referrers API
#
# Every client runs even when one fails; the run fails if any did. Logs
# land in results/clients/: pier.log, dockerd.log, one log per client.
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source=conformance/docker.sh
source "$PIER_ROOT/conformance/docker.sh"
# shellcheck source=conformance/clients/fixtures.sh
source "$PIER_ROOT/conformance/clients/fixtures.sh"

CRANE_MODULE="github.com/google/go-containerregistry/cmd/crane"
CRANE_VERSION="v0.22.1"
ORAS_MODULE="oras.land/oras/cmd/oras"
ORAS_VERSION="v1.3.6"
REGCTL_MODULE="github.com/regclient/regclient/cmd/regctl"
REGCTL_VERSION="v0.11.7"
HELM_MODULE="helm.sh/helm/v3/cmd/helm"
HELM_VERSION="v3.22.0"
COSIGN_MODULE="github.com/sigstore/cosign/v2/cmd/cosign"
COSIGN_VERSION="v2.6.5"

ALL_CLIENTS=(docker podman skopeo crane oras regctl helm cosign)
out="$PIER_ARTIFACTS/clients"

# install_tools: installs every client that is missing and exports the
# paths of the Go ones as CRANE, ORAS, REGCTL, HELM and COSIGN.
install_tools() {
	ensure_command curl curl
	ensure_command jq jq
	ensure_command podman podman
	ensure_command skopeo skopeo
	command -v go >/dev/null 2>&1 || die "go is not installed"
	CRANE="$(go_tool "$CRANE_MODULE" "$CRANE_VERSION" crane)"
	ORAS="$(go_tool "$ORAS_MODULE" "$ORAS_VERSION" oras)"
	REGCTL="$(go_tool "$REGCTL_MODULE" "$REGCTL_VERSION" regctl)"
	HELM="$(go_tool "$HELM_MODULE" "$HELM_VERSION" helm)"
	COSIGN="$(go_tool "$COSIGN_MODULE" "$COSIGN_VERSION" cosign)"
	export CRANE ORAS REGCTL HELM COSIGN
}

# versions: prints the version of every client, as tested.
versions() {
	printf 'docker   %s (engine %s)\n' "$(docker version --format '{{.Client.Version}}')" \
		"$(docker version --format '{{.Server.Version}}')"
	printf 'podman   %s\n' "$(podman --version | awk '{print $NF}')"
	printf 'skopeo   %s\n' "$(skopeo --version | awk '{print $NF}')"
	printf 'crane    %s\n' "$("$CRANE" version)"
	printf 'oras     %s\n' "$("$ORAS" version | awk '/^Version:/ {print $2}')"
	printf 'regctl   %s\n' "$("$REGCTL" version --format '{{.VCSTag}}')"
	printf 'helm     %s\n' "$("$HELM" version --template '{{.Version}}')"
	printf 'cosign   %s\n' "$("$COSIGN" version --json 2>/dev/null | jq -r .gitVersion)"
}

# add_users: one account per client, named after it, with a random password
# exported as PASSWORD_<client>.
add_users() {
	local c pw
	for c in "${ALL_CLIENTS[@]}"; do
		pw="$(random_hex 16)"
		printf '%s' "$pw" | "$pier" user add "$c" --password-stdin --data "$out/data" >/dev/null ||
			die "pier user add $c failed"
		export "PASSWORD_$c=$pw"
	done
}

# run_client NAME: runs the client's script as its user; prints the result.
run_client() {
	local name="$1" start=$SECONDS pw
	pw="PASSWORD_$name"
	printf '\n== %s\n' "$name"
	if PIER_USER="$name" PIER_PASSWORD="${!pw}" bash "$PIER_ROOT/conformance/clients/$name.sh"; then
		passed+=("$name")
		printf '== %s: ok (%ds)\n' "$name" $((SECONDS - start))
	else
		failed+=("$name")
		printf '== %s: FAILED (%ds), steps in %s\n' "$name" $((SECONDS - start)) "$out/$name.log"
	fi
}

main() {
	local clients=("$@") c start=$SECONDS
	((${#clients[@]})) || clients=("${ALL_CLIENTS[@]}")
	for c in "${clients[@]}"; do
		[[ -f "$PIER_ROOT/conformance/clients/$c.sh" ]] || die "unknown client $c (want: ${ALL_CLIENTS[*]})"
	done
	rm -rf "$out"
	mkdir -p "$out"
	install_tools
	pier="$(build_pier)"

	export PIER_ADMIN_PASSWORD
	PIER_ADMIN_PASSWORD="$(random_hex 16)"
	pier_start "$pier" "$out/pier.log" --data "$out/data"
	add_users
	docker_start || die "the Docker engine did not start"
	on_exit cp "$(docker_log)" "$out/dockerd.log"
	fixtures_build "$out/fixtures" || die "building the test images failed"
	versions | tee "$out/versions.txt"

	export PIER_REGISTRY="$PIER_ADDR" PIER_LOG="$out/pier.log" PIER_DATA="$out/data"
	export CLIENTS_OUT="$out" FIXTURES="$out/fixtures"
	export FIXTURE_HELLO FIXTURE_APP FIXTURE_APP2
	passed=()
	failed=()
	for c in "${clients[@]}"; do
		run_client "$c"
	done
	printf '\nclients: %d passed, %d failed (%ds)\n' "${#passed[@]}" "${#failed[@]}" $((SECONDS - start))
	((${#failed[@]} == 0)) || die "failed: ${failed[*]}; logs in $out"
}

main "$@"
