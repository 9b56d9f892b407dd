#!/usr/bin/env bash
# archive.sh: pier import, export and images with a real Docker engine and
# skopeo, against a live pier with auth on. It starts its own engine
# (conformance/docker.sh) and pier, builds the test images
# (conformance/clients/fixtures.sh: pier-fixture/app:1, three layers, and
# pier-fixture/app:2, the same plus one), then checks that
#
#   - `docker save` of both → `pier import` on the storage, beside the
#     running pier → `docker pull` from pier gives the same image IDs, and
#     `docker run` the same output;
#   - damaged copies of the tar (a flipped byte in a layer, truncated, a
#     layer left out) are refused with the bad entry named, and `pier
#     images` lists the same before and after;
#   - `pier import --registry` (token login) and `pier images --registry`
#     work through the API;
#   - `pier export` → `docker load` on a clean engine (a fresh data root)
#     gives the same image IDs, and the images run; so does
#     `pier export --registry -o - | docker load`;
#   - skopeo copies the export (oci-archive:) to an OCI archive of its own
#     (gzip layers), which `pier import` loads back: same image ID, runs.
#
# Logs land in results/archive/.
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=conformance/docker.sh
source "$PIER_ROOT/conformance/docker.sh"
# shellcheck source=conformance/clients/fixtures.sh
source "$PIER_ROOT/conformance/clients/fixtures.sh"

out="$PIER_ARTIFACTS/archive"

# check NAME CMD...: runs CMD, its output kept in $out/NAME.log; dies
# showing that output when CMD fails.
check() {
	local name="$1" log
	shift
	log="$out/$name.log"
	if "$@" >"$log" 2>&1; then
		say "ok: $name"
	else
		say "FAIL: $name: $*"
		tail -n 30 "$log" >&2
		exit 1
	fi
}

# same NAME GOT WANT: dies unless GOT is WANT.
same() {
	[[ "$2" == "$3" ]] || die "$1: got '$2', want '$3'"
	say "ok: $1"
}

# image_id REF: the ID docker gives REF (its config digest).
image_id() { docker image inspect -f '{{.Id}}' "$1"; }

# pier_images: what `pier images` lists on the storage, digests whole.
pier_images() { "$pier" images --data "$data" --no-trunc; }

# refused NAME FILE ENTRY: pier import of FILE must fail naming ENTRY and
# leave `pier images` as it was.
refused() {
	local name="$1" file="$2" entry="$3" before
	before="$(pier_images)"
	if "$pier" import --data "$data" "$file" >"$out/$name.log" 2>&1; then
		die "$name: pier import accepted the damaged tar"
	fi
	grep -qF "$entry" "$out/$name.log" || die "$name: the error does not name $entry: $(cat "$out/$name.log")"
	same "$name leaves the registry as it was" "$(pier_images)" "$before"
}

# largest_layer TAR: prints the byte offset and size of the content of the
# biggest layer.tar entry and its name.
largest_layer() {
	tar -tvRf "$1" | awk '$NF ~ /layer\.tar$/ && $5 > size { size = $5; block = $2; name = $NF }
		END { sub(":", "", block); print (block + 1) * 512, size, name }'
}

# flip_byte FILE OFFSET: changes one bit of the byte at OFFSET.
flip_byte() {
	local b
	b="$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')"
	# shellcheck disable=SC2059 # the format is the byte, built on purpose
	printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

import_saved() {
	docker save -o "$work/save.tar" "$FIXTURE_APP" "$FIXTURE_APP2"
	check import "$pier" import --data "$data" "$work/save.tar"
	grep -qx "imported $FIXTURE_APP (sha256:[0-9a-f]*)" "$out/import.log" || die "import printed: $(cat "$out/import.log")"
	echo "$PIER_ADMIN_PASSWORD" | docker login -u admin --password-stdin "$PIER_ADDR" >/dev/null
	docker rmi "$FIXTURE_APP" "$FIXTURE_APP2" >/dev/null
	for ref in "$FIXTURE_APP" "$FIXTURE_APP2"; do
		check "pull-${ref##*:}" docker pull "$PIER_ADDR/$ref"
		same "$ref pulled from pier keeps its ID" "$(image_id "$PIER_ADDR/$ref")" "${ids[$ref]}"
	done
	same "docker run of the pulled image" "$(docker run --rm --network none "$PIER_ADDR/$FIXTURE_APP")" "$run_app"
}

damaged() {
	local offset size entry
	read -r offset size entry < <(largest_layer "$work/save.tar")
	cp "$work/save.tar" "$work/flipped.tar"
	flip_byte "$work/flipped.tar" $((offset + size / 2))
	refused flipped "$work/flipped.tar" "$entry"
	head -c $((offset + size / 2)) "$work/save.tar" >"$work/truncated.tar"
	refused truncated "$work/truncated.tar" "$entry"
	# Packed again without the layer (GNU tar --delete mangles docker's tars).
	mkdir "$work/unpacked"
	tar -xf "$work/save.tar" -C "$work/unpacked"
	rm "$work/unpacked/$entry"
	tar -cf "$work/missing.tar" -C "$work/unpacked" .
	refused missing "$work/missing.tar" "$entry"
}

through_api() {
	docker save -o "$work/app1.tar" "$PIER_ADDR/$FIXTURE_APP"
	PIER_PASSWORD="$PIER_ADMIN_PASSWORD" check import-api \
		"$pier" import "$work/app1.tar" --tag remote/app:1 --registry "http://$PIER_ADDR" --username admin
	check pull-api docker pull "$PIER_ADDR/remote/app:1"
	same "imported through the API keeps its ID" "$(image_id "$PIER_ADDR/remote/app:1")" "${ids[$FIXTURE_APP]}"
	PIER_PASSWORD="$PIER_ADMIN_PASSWORD" check images-api \
		"$pier" images --registry "http://$PIER_ADDR" --username admin --format '{{.Repository}}:{{.Tag}}'
	same "pier images --registry" "$(tr '\n' ' ' <"$out/images-api.log")" "$FIXTURE_APP $FIXTURE_APP2 remote/app:1 "
}

exported() {
	check export "$pier" export --data "$data" "$FIXTURE_APP" "$FIXTURE_APP2" -o "$work/export.tar"
	docker_stop
	docker_start
	same "the new engine is clean" "$(docker images -q)" ""
	check load docker load -i "$work/export.tar"
	for ref in "$FIXTURE_APP" "$FIXTURE_APP2"; do
		same "$ref loaded from pier export keeps its ID" "$(image_id "$ref")" "${ids[$ref]}"
	done
	same "docker run of the loaded image" "$(docker run --rm --network none "$FIXTURE_APP")" "$run_app"
	same "docker run of the loaded app:2" "$(docker run --rm --network none "$FIXTURE_APP2")" "$run_app2"
	docker rmi "$FIXTURE_APP" >/dev/null
	PIER_PASSWORD="$PIER_ADMIN_PASSWORD" "$pier" export remote/app:1 -o - \
		--registry "http://$PIER_ADDR" --username admin 2>"$out/export-api.log" | docker load >>"$out/export-api.log"
	same "pier export --registry -o - | docker load" "$(image_id remote/app:1)" "${ids[$FIXTURE_APP]}"
}

skopeo_round_trip() {
	check skopeo skopeo copy "oci-archive:$work/export.tar:1" "oci-archive:$work/skopeo.tar:copied"
	check import-skopeo "$pier" import --data "$data" "$work/skopeo.tar" --tag skopeo/app:1
	echo "$PIER_ADMIN_PASSWORD" | docker login -u admin --password-stdin "$PIER_ADDR" >/dev/null
	check pull-skopeo docker pull "$PIER_ADDR/skopeo/app:1"
	# skopeo gzips the layers, so the manifest differs; the image must not.
	same "skopeo's OCI archive, imported, keeps the image ID" "$(image_id "$PIER_ADDR/skopeo/app:1")" "${ids[$FIXTURE_APP]}"
	same "docker run of it" "$(docker run --rm --network none "$PIER_ADDR/skopeo/app:1")" "$run_app"
}

main() {
	command -v go >/dev/null 2>&1 || die "go is not installed"
	ensure_command skopeo skopeo
	ensure_command curl curl
	rm -rf "$out"
	mkdir -p "$out"
	pier="$(build_pier)"
	work="$(mktemp -d "${TMPDIR:-/tmp}/pier-archive.XXXXXX")"
	on_exit rm -rf --one-file-system "$work"
	data="$out/data"
	docker_start
	fixtures_build "$work/fixtures" || die "building the test images failed"
	declare -gA ids=()
	for ref in "$FIXTURE_APP" "$FIXTURE_APP2"; do
		ids[$ref]="$(image_id "$ref")"
	done
	run_app="$(docker run --rm --network none "$FIXTURE_APP")"
	run_app2="$(docker run --rm --network none "$FIXTURE_APP2")"
	PIER_ADMIN_PASSWORD="$(random_hex 16)"
	export PIER_ADMIN_PASSWORD
	pier_start "$pier" "$out/pier.log" --data "$data"

	import_saved
	damaged
	through_api
	exported
	skopeo_round_trip
	cp "$(docker_log)" "$out/dockerd.log" 2>/dev/null || true
	say "all archive checks passed"
}

main "$@"
