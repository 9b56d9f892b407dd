# shellcheck shell=bash
# steps.sh: what every client script shares. A client script runs a list of
# named steps against the pier that run.sh started; the first step that
# fails ends it with the client, the step, the step's output (which carries
# the registry's reply as the client printed it) and the registry's last
# requests. Source it after `set -euo pipefail`.
#
# run.sh exports: PIER_REGISTRY (host:port), PIER_LOG, PIER_DATA (fs storage), PIER_USER and
# PIER_PASSWORD (this client's account; it owns the namespace PIER_USER/),
# CLIENTS_OUT (logs), FIXTURES (test images, see fixtures.sh) and, for
# docker, DOCKER_HOST and DOCKER_CONFIG.

shopt -s inherit_errexit

# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

for _v in PIER_REGISTRY PIER_LOG PIER_DATA PIER_USER PIER_PASSWORD CLIENTS_OUT FIXTURES; do
	[[ -n "${!_v:-}" ]] || die "$_v is not set: run conformance/clients/run.sh, not the client scripts alone"
done
unset _v

CLIENT="$(basename "$0" .sh)"
# Scratch space of this client, removed when it exits.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pier-$CLIENT.XXXXXX")"
on_exit rm -rf --one-file-system "$WORK"
# The standard output and error of the latest step.
STEP_OUT="$WORK/step.out"
STEP_ERR="$WORK/step.err"
STEP_NAME=""
STEP_CMD=""
# Every step's output, for reading after the run.
CLIENT_LOG="$CLIENTS_OUT/$CLIENT.log"
: >"$CLIENT_LOG"
# The registry as clients name it.
REG="$PIER_REGISTRY"

# The report of a failure goes to the script's stderr as it was when this
# file was sourced, whatever a step redirects.
exec 3>&2

# step NAME CMD...: runs CMD; it must succeed. Its output stays in STEP_OUT,
# its errors in STEP_ERR.
# CMD may be a function of several commands: errexit stops it at the first
# that fails, and the ERR trap reports that command.
step() {
	_step_begin "$1"
	shift
	STEP_CMD="$*"
	"$@" </dev/null >"$STEP_OUT" 2>"$STEP_ERR"
	_step_end
}

# refused NAME PATTERN CMD...: runs CMD; it must fail, saying something that
# matches the extended regular expression PATTERN (any case). CMD runs as a
# condition, without errexit, so it should be one command.
refused() {
	local pattern="$2"
	_step_begin "$1"
	shift 2
	if "$@" </dev/null >"$STEP_OUT" 2>"$STEP_ERR"; then
		fail "the command succeeded but should have been refused: $*"
	fi
	grep -qiE -- "$pattern" "$STEP_OUT" "$STEP_ERR" ||
		fail "refused as expected, but the message does not match /$pattern/: $*"
	_step_end
}

_step_begin() {
	STEP_NAME="$1"
	_step_start=$SECONDS
	: >"$STEP_OUT"
	: >"$STEP_ERR"
	printf '\n--- %s\n' "$STEP_NAME" >>"$CLIENT_LOG"
}

_step_end() {
	cat "$STEP_OUT" "$STEP_ERR" >>"$CLIENT_LOG"
	printf '%s: %s: ok (%ds)\n' "$CLIENT" "$STEP_NAME" $((SECONDS - _step_start))
}

# _step_error STATUS COMMAND: the ERR trap. Only the main shell reports: a
# failure in a subshell ends it, and the main shell sees that in turn.
_step_error() {
	local cmd="$2"
	[[ "$BASHPID" == "$$" ]] || return 0
	# A step's command itself failed, rather than one inside a function.
	[[ "$cmd" != '"$@"'* ]] || cmd="$STEP_CMD"
	fail "exit status $1 from: $cmd"
}
set -E
trap '_step_error $? "$BASH_COMMAND"' ERR

# fail MESSAGE: ends this client's run, naming the client, the step and
# what happened, with the step's output and the registry's last log lines.
# Reports once, even when called in a subshell.
fail() {
	if [[ ! -e "$WORK/failed" ]]; then
		: >"$WORK/failed"
		cat "$STEP_OUT" "$STEP_ERR" >>"$CLIENT_LOG" 2>/dev/null || true
		{
			printf '\nFAIL %s: %s: %s\n' "$CLIENT" "${STEP_NAME:-setup}" "$1"
			printf -- '--- output of the step (last 20 lines):\n'
			tail -n 20 "$STEP_OUT" 2>/dev/null || true
			printf -- '--- errors of the step (last 20 lines):\n'
			tail -n 20 "$STEP_ERR" 2>/dev/null || true
			printf -- '--- the end of pier'\''s log (%s):\n' "$PIER_LOG"
			tail -n 20 "$PIER_LOG" | sed 's/ agent=.* request_id=/ request_id=/' || true
		} >&3
	fi
	exit 1
}

# output: prints the standard output of the latest step.
output() { cat "$STEP_OUT"; }

# same WHAT WANT GOT: fails unless WANT and GOT are equal.
same() {
	[[ "$2" == "$3" ]] || fail "$1: want $2, got $3"
}

# is_digest VALUE: succeeds for a sha256 digest.
is_digest() { [[ "$1" =~ ^sha256:[0-9a-f]{64}$ ]]; }

# digest_in_output PREFIX: prints the digest that follows PREFIX (an extended
# regular expression, any case) in the latest step's output or errors.
digest_in_output() {
	local d
	d="$(cat "$STEP_OUT" "$STEP_ERR" | grep -oiE -- "$1 *sha256:[0-9a-f]{64}" | head -n 1 |
		grep -oE 'sha256:[0-9a-f]{64}' || true)"
	is_digest "$d" || fail "no digest after /$1/ in the output"
	printf '%s\n' "$d"
}

# --- the registry API, as this client's user -----------------------------------

# All the manifest kinds pier serves, for Accept.
MANIFEST_TYPES="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"

# api_token REPO: prints a pull token for REPO from pier's token server,
# found through the /v2/ challenge like any client does.
api_token() {
	local challenge realm service body
	challenge="$(curl -sS -o /dev/null -D - "http://$REG/v2/" | tr -d '\r' | grep -i '^www-authenticate:' || true)"
	realm="$(sed -n 's/.*realm="\([^"]*\)".*/\1/p' <<<"$challenge")"
	service="$(sed -n 's/.*service="\([^"]*\)".*/\1/p' <<<"$challenge")"
	[[ -n "$realm" ]] || fail "GET /v2/ without credentials gave no Bearer challenge: $challenge"
	body="$(curl -sS -u "$PIER_USER:$PIER_PASSWORD" -G "$realm" \
		--data-urlencode "service=$service" --data-urlencode "scope=repository:$1:pull")"
	jq -er '.token // .access_token' <<<"$body" 2>/dev/null ||
		fail "the token server refused a pull token for $1: $body"
}

# api_manifest REPO REF FILE: GETs the manifest REPO:REF into FILE and prints
# the Docker-Content-Digest and Content-Type headers, one per line.
api_manifest() {
	local token headers code
	token="$(api_token "$1")"
	headers="$WORK/api.headers"
	code="$(curl -sS -o "$3" -D "$headers" -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H "Accept: $MANIFEST_TYPES" "http://$REG/v2/$1/manifests/$2")"
	[[ "$code" == 200 ]] || fail "GET /v2/$1/manifests/$2: HTTP $code: $(head -c 500 "$3")"
	tr -d '\r' <"$headers" | sed -n 's/^docker-content-digest: *//Ip'
	tr -d '\r' <"$headers" | sed -n 's/^content-type: *//Ip'
}

# registry_digest REPO REF: prints the digest pier serves for REPO:REF.
registry_digest() {
	local d
	d="$(api_manifest "$1" "$2" "$WORK/api.body" | sed -n 1p)"
	is_digest "$d" || fail "GET /v2/$1/manifests/$2 had no Docker-Content-Digest"
	printf '%s\n' "$d"
}

# registry_type REPO REF: prints the media type pier serves REPO:REF with.
registry_type() { api_manifest "$1" "$2" "$WORK/api.body" | sed -n 2p; }

# pier_log_mark: prints the number of lines in pier's log now, for
# pier_log_since.
pier_log_mark() { wc -l <"$PIER_LOG"; }

# pier_log_since MARK: prints pier's request log lines after MARK.
pier_log_since() { tail -n "+$(($1 + 1))" "$PIER_LOG" | grep 'msg=request' || true; }
