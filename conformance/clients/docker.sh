#!/usr/bin/env bash
# docker.sh: the docker CLI and engine against pier (run by run.sh). Login
# with a wrong password is refused; push; a second image that shares three
# layers sends only its new layer and config, and the storage grows by those
# and its manifest only; a push to another repository mounts the layers;
# every local image and the build cache go; pull by tag and by digest and
# run what came back; anonymous pull and pull after logout are refused.
set -euo pipefail
# shellcheck source=conformance/clients/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"

hello="$REG/$PIER_USER/hello:1"
app="$REG/$PIER_USER/app:1"
app2="$REG/$PIER_USER/app:2"
other="$REG/$PIER_USER/other:2"

login() { docker login -u "$PIER_USER" --password-stdin "$REG" <<<"$1"; }

tag_fixtures() {
	docker tag "$FIXTURE_HELLO" "$hello"
	docker tag "$FIXTURE_APP" "$app"
	docker tag "$FIXTURE_APP2" "$app2"
}

# blob_files: lists the blobs in pier's storage, one "<hex> <size>" a line.
blob_files() {
	find "$PIER_DATA/blobs" -type f -printf '%f %s\n' | sed 's/~ / /' | sort
}

# upload_bytes MARK REPO: the bytes pier received into blob uploads of REPO
# since MARK, from its request log.
upload_bytes() {
	pier_log_since "$1" | grep -E ' method=(PATCH|PUT) ' | grep -F " path=/v2/$2/blobs/uploads/" |
		sed -n 's/.* bytes_in=\([0-9]*\) .*/\1/p' | awk '{s += $1} END {print s + 0}'
}

remove_everything() {
	docker system prune --all --force
	docker builder prune --all --force
	local left
	left="$(docker images --all --quiet)"
	[[ -z "$left" ]] || {
		echo "images left after prune: $left"
		return 1
	}
}

run_image() { docker run --rm --network none "$1"; }

# expect_run REF WANT: runs REF; its output must be WANT.
expect_run() {
	local got
	got="$(run_image "$1")"
	[[ "$got" == "$2" ]] || {
		printf 'docker run %s printed:\n%s\nwant:\n%s\n' "$1" "$got" "$2"
		return 1
	}
	printf '%s\n' "$got"
}

anonymous_pull() { DOCKER_CONFIG="$WORK/anonymous" docker pull "$1"; }

mkdir -p "$WORK/anonymous"
refused "login with a wrong password is refused" 'unauthorized|incorrect|denied' login "not-$PIER_PASSWORD"
step "log in" login "$PIER_PASSWORD"
grep -q 'Login Succeeded' "$STEP_OUT" || fail "no 'Login Succeeded'"

step "tag the test images for pier" tag_fixtures
step "push hello:1" docker push "$hello"
hello_digest="$(digest_in_output 'digest:')"
same "digest pier serves for hello:1" "$hello_digest" "$(registry_digest "$PIER_USER/hello" 1)"

step "push app:1" docker push "$app"
app_digest="$(digest_in_output 'digest:')"
same "digest pier serves for app:1" "$app_digest" "$(registry_digest "$PIER_USER/app" 1)"
api_manifest "$PIER_USER/app" 1 "$WORK/app1.json" >/dev/null

# app:2 is app:1 plus one layer: only that layer and the new config may be
# uploaded, and only they and the new manifest may be stored.
blob_files >"$WORK/blobs.before"
mark="$(pier_log_mark)"
step "push app:2, which shares app:1's layers" docker push "$app2"
app2_digest="$(digest_in_output 'digest:')"
same "digest pier serves for app:2" "$app2_digest" "$(registry_digest "$PIER_USER/app" 2)"
same "layers docker said already exist" 3 "$(grep -c 'Layer already exists' "$STEP_OUT")"
api_manifest "$PIER_USER/app" 2 "$WORK/app2.json" >/dev/null
same "app:2's first three layers" "$(jq -c '.layers' "$WORK/app1.json")" "$(jq -c '.layers[:3]' "$WORK/app2.json")"
new_layer="$(jq -r '.layers[3].digest + " " + (.layers[3].size | tostring)' "$WORK/app2.json")"
config="$(jq -r '.config.digest + " " + (.config.size | tostring)' "$WORK/app2.json")"
same "bytes uploaded for app:2 (its new layer and config)" \
	"$((${new_layer#* } + ${config#* }))" "$(upload_bytes "$mark" "$PIER_USER/app")"
blob_files >"$WORK/blobs.after"
same "blobs stored by pushing app:2 (new layer, config, manifest)" \
	"$(printf '%s\n' "${new_layer#sha256:}" "${config#sha256:}" "${app2_digest#sha256:} $(wc -c <"$WORK/app2.json")" | sort | tr '\n' ' ')" \
	"$(comm -13 "$WORK/blobs.before" "$WORK/blobs.after" | tr '\n' ' ')"

step "tag app:2 for another repository" docker tag "$app2" "$other"
mark="$(pier_log_mark)"
step "push app:2 to another repository mounts its layers" docker push "$other"
same "digest pushed to other:2" "$app2_digest" "$(digest_in_output 'digest:')"
same "layers docker mounted" 4 "$(grep -c 'Mounted from' "$STEP_OUT")"
same "bytes uploaded for other:2 (its config only)" "${config#* }" "$(upload_bytes "$mark" "$PIER_USER/other")"
blob_files >"$WORK/blobs.other"
same "blobs stored by pushing other:2" "" "$(comm -13 "$WORK/blobs.after" "$WORK/blobs.other")"

step "remove every local image and the build cache" remove_everything

step "pull app:1 by tag" docker pull "$app"
same "digest pulled for app:1" "$app_digest" "$(digest_in_output 'Digest:')"
same "layers downloaded" 3 "$(grep -c 'Pull complete' "$STEP_OUT")"
step "run app:1" expect_run "$app" "$(printf 'hello from pier\n%s\n%s' "$(cat "$FIXTURES/app/data/one.txt")" "$(cat "$FIXTURES/app/data/two.txt")")"

step "pull hello:1 by digest" docker pull "$REG/$PIER_USER/hello@$hello_digest"
same "digest pulled for hello@digest" "$hello_digest" "$(digest_in_output 'Digest:')"
step "run hello:1 by digest" expect_run "$REG/$PIER_USER/hello@$hello_digest" "hello from pier"

refused "anonymous pull is refused" 'unauthorized|denied|authentication required' anonymous_pull "$app2"
step "log out" docker logout "$REG"
refused "pull after logout is refused" 'unauthorized|denied|authentication required' docker pull "$app2"
