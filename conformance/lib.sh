# shellcheck shell=bash
# lib.sh: helpers shared by the test scripts. Source it from bash with
# `set -euo pipefail`; it sets up an EXIT trap that runs every cleanup
# registered with on_exit, whatever happens.

PIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Reports, logs and scratch data of test runs; git-ignored.
PIER_ARTIFACTS="${PIER_ARTIFACTS:-$PIER_ROOT/results}"
# Pinned tools are installed here, outside the repository.
PIER_TOOLS="${PIER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/pier-tools}"

say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() {
	say "FAIL: $*"
	exit 1
}

# --- cleanup -----------------------------------------------------------------

_cleanups=()

# on_exit CMD...: runs CMD when the script exits, last registered first.
on_exit() { _cleanups+=("$(printf '%q ' "$@")"); }

_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" || true
	done
	_cleanups=()
}
trap _run_cleanups EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- installing what is missing ----------------------------------------------

_apt_updated=""

# ensure_command CMD PACKAGE: installs the Debian PACKAGE when CMD is missing.
ensure_command() {
	local cmd="$1" pkg="$2" sudo=()
	command -v "$cmd" >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null 2>&1 || die "$cmd is missing and there is no apt-get to install $pkg"
	if [[ "$(id -u)" != 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "$cmd is missing; install the $pkg package (needs root)"
		sudo=(sudo)
	fi
	say "installing $pkg (for $cmd)"
	if [[ -z "$_apt_updated" ]]; then
		"${sudo[@]}" apt-get update -qq || die "apt-get update failed"
		_apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$pkg" >/dev/null ||
		die "apt-get install $pkg failed"
}

# go_tool MODULE VERSION NAME: prints the path of the binary NAME built from
# MODULE@VERSION, running go install into PIER_TOOLS only the first time.
go_tool() {
	local module="$1" version="$2" name="$3" dir
	dir="$PIER_TOOLS/$(basename "$module")@$version"
	if [[ ! -x "$dir/$name" ]]; then
		say "installing $module@$version into $dir"
		GOBIN="$dir" GOFLAGS=-buildvcs=false go install "$module@$version" >&2 ||
			die "go install $module@$version failed"
	fi
	[[ -x "$dir/$name" ]] || die "go install $module@$version did not produce $name"
	printf '%s\n' "$dir/$name"
}

# build_pier: builds ./cmd/pier into the artifacts and prints its path, or
# prints $PIER_BIN when set, to test a binary built elsewhere.
build_pier() {
	local out="$PIER_ARTIFACTS/bin/pier"
	if [[ -n "${PIER_BIN:-}" ]]; then
		[[ -x "$PIER_BIN" ]] || die "PIER_BIN=$PIER_BIN is not an executable"
		printf '%s\n' "$PIER_BIN"
		return 0
	fi
	mkdir -p "$(dirname "$out")"
	(cd "$PIER_ROOT" && go build -o "$out" ./cmd/pier) >&2 || die "go build ./cmd/pier failed"
	printf '%s\n' "$out"
}

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# --- a pier server -----------------------------------------------------------

PIER_PID=""
PIER_ADDR=""

# pier_start BINARY LOG [ARGS...]: starts `BINARY serve` on a free loopback
# port with ARGS, waits until it is ready and sets PIER_PID and PIER_ADDR.
# The server is stopped when the script exits.
pier_start() {
	local bin="$1" log="$2" deadline
	shift 2
	PIER_LOG_FORMAT=text PIER_LOG_LEVEL=info "$bin" serve --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
	PIER_PID=$!
	on_exit pier_stop
	deadline=$((SECONDS + 30))
	while [[ -z "$PIER_ADDR" ]]; do
		kill -0 "$PIER_PID" 2>/dev/null || _pier_died "$log" "exited while starting"
		((SECONDS < deadline)) || _pier_died "$log" "did not report its address within 30s"
		PIER_ADDR="$(sed -n 's/.*msg="pier listening" addr=\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$log" | head -n 1)"
		[[ -n "$PIER_ADDR" ]] || sleep 0.1
	done
	until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$PIER_ADDR/readyz" || true)" == 200 ]]; do
		kill -0 "$PIER_PID" 2>/dev/null || _pier_died "$log" "exited while starting"
		((SECONDS < deadline)) || _pier_died "$log" "not ready within 30s"
		sleep 0.1
	done
	say "pier (pid $PIER_PID) ready at http://$PIER_ADDR"
}

_pier_died() {
	say "pier $2; the end of its log:"
	tail -n 30 "$1" >&2 || true
	die "pier did not start"
}

# pier_stop: stops the server pier_start started, by its pid: SIGTERM for a
# graceful shutdown, SIGKILL if it is still there after 30s.
pier_stop() {
	local deadline
	[[ -n "$PIER_PID" ]] || return 0
	if kill -TERM "$PIER_PID" 2>/dev/null; then
		deadline=$((SECONDS + 30))
		while kill -0 "$PIER_PID" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.1
		done
		kill -KILL "$PIER_PID" 2>/dev/null || true
	fi
	wait "$PIER_PID" 2>/dev/null || true
	PIER_PID=""
	PIER_ADDR=""
}
