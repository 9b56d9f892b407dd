#!/usr/bin/env bash
# oci.sh [fs|s3]: runs the official OCI distribution-spec conformance suite,
# in its strictest profile, against a fresh pier on a free loopback port with
# empty storage of the given kind (default fs). Required: every test passes.
#
# Reports land in results/oci-<storage>/: junit.xml, report.html,
# results.yaml, the suite's output (suite.log) and pier's log (pier.log).
# s3 needs a MinIO started by conformance/minio.sh (minio_start), which
# exports the PIER_TEST_S3_* variables.
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The official suite; the only version the module proxy serves.
OCI_SUITE_MODULE="github.com/opencontainers/distribution-spec/conformance"
OCI_SUITE_VERSION="v0.0.0-20260831232431-97274622c111"

storage="${1:-fs}"
out="$PIER_ARTIFACTS/oci-$storage"
# The suite runs in minutes; this only stops a hung run.
suite_timeout="${PIER_OCI_TIMEOUT:-900}"

# Every API and data option in the suite's config.go (configAPI, configBlobs,
# configManifests, configTags, configData), not only those in its README.
oci_options=(
	OCI_API_PING OCI_API_PULL OCI_API_PUSH
	OCI_API_BLOBS_ATOMIC OCI_API_BLOBS_DELETE OCI_API_BLOBS_DIGEST_HEADER
	OCI_API_BLOBS_MOUNT_ANONYMOUS OCI_API_BLOBS_UPLOAD_CANCEL
	OCI_API_MANIFESTS_ATOMIC OCI_API_MANIFESTS_DELETE OCI_API_MANIFESTS_DIGEST_HEADER
	OCI_API_MANIFESTS_TAG_PARAM
	OCI_API_TAGS_ATOMIC OCI_API_TAGS_DELETE OCI_API_TAGS_LIST
	OCI_API_REFERRER
	OCI_DATA_IMAGE OCI_DATA_INDEX OCI_DATA_INDEX_LIST OCI_DATA_SPARSE OCI_DATA_ARTIFACT
	OCI_DATA_SUBJECT OCI_DATA_SUBJECT_MISSING OCI_DATA_ARTIFACT_LIST OCI_DATA_SUBJECT_LIST
	OCI_DATA_DATA_FIELD OCI_DATA_NONDISTRIBUTABLE OCI_DATA_CUSTOM_FIELDS OCI_DATA_NO_LAYERS
	OCI_DATA_EMPTY_BLOB OCI_DATA_SHA512
)

# set_storage_args: sets pier_args to the pier serve arguments for
# $storage, writing a config file for s3 that reads MinIO's coordinates from
# the environment when pier starts.
pier_args=()
set_storage_args() {
	case "$storage" in
	fs)
		pier_args=(--data "$out/data")
		;;
	s3)
		[[ -n "${PIER_TEST_S3_ENDPOINT:-}" ]] ||
			die "s3 needs a running MinIO: source conformance/minio.sh and call minio_start first"
		cat >"$out/pier.yaml" <<-YAML
			storage:
			  s3:
			    endpoint: \${PIER_TEST_S3_ENDPOINT}
			    bucket: \${PIER_TEST_S3_BUCKET}
			    accessKey: \${PIER_TEST_S3_ACCESS_KEY}
			    secretKey: \${PIER_TEST_S3_SECRET_KEY}
			    prefix: oci-$(random_hex 4)
		YAML
		pier_args=(--config "$out/pier.yaml")
		;;
	*) die "unknown storage $storage (want fs or s3)" ;;
	esac
}

main() {
	local suite pier password status=0
	ensure_command curl curl
	rm -rf "$out"
	mkdir -p "$out"
	suite="$(go_tool "$OCI_SUITE_MODULE" "$OCI_SUITE_VERSION" conformance)"
	pier="$(build_pier)"
	set_storage_args
	password="$(random_hex 16)"
	export PIER_ADMIN_PASSWORD="$password"
	pier_start "$pier" "$out/pier.log" "${pier_args[@]}"

	local opt
	for opt in "${oci_options[@]}"; do
		export "$opt=true"
	done
	export OCI_VERSION=dev OCI_TLS=disabled OCI_REGISTRY="$PIER_ADDR" OCI_RESULTS_DIR="$out"
	export OCI_USERNAME=admin OCI_PASSWORD="$password"
	unset OCI_CONFIGURATION OCI_FILTER_TEST

	say "running the OCI conformance suite ($storage storage), output in $out/suite.log"
	# In $out, so that no stray oci-conformance.yaml is picked up.
	(cd "$out" && timeout "$suite_timeout" "$suite") >"$out/suite.log" 2>&1 || status=$?
	pier_stop
	# pier_stop sent SIGTERM: pier must have shut down cleanly, not been killed.
	if ! grep -q 'msg=stopped' "$out/pier.log"; then
		say "pier did not log a clean shutdown after SIGTERM"
		status=1
	fi

	if ! grep -q '^OCI Conformance Result: Pass$' "$out/suite.log"; then
		say "the suite (exit $status) did not report 'OCI Conformance Result: Pass'"
		status=1
	fi
	if ! (cd "$PIER_ROOT" && go run ./conformance/ocicheck "$out"); then
		status=1
	fi
	if ((status != 0)); then
		say "the end of the suite's output:"
		tail -n 25 "$out/suite.log" >&2 || true
		say "the end of pier's log:"
		tail -n 40 "$out/pier.log" >&2 || true
		die "OCI conformance ($storage storage) failed; reports in $out"
	fi
	say "OCI conformance ($storage storage) passed; reports in $out"
}

main
