# shellcheck shell=bash
# minio.sh: a throwaway MinIO server on loopback for tests. Source it, then
#
#   minio_start    # installs MinIO if needed, starts it, creates a bucket and
#                  # exports PIER_TEST_S3_{ENDPOINT,BUCKET,ACCESS_KEY,SECRET_KEY}
#   ...            # run tests
#   minio_stop     # stops exactly the server minio_start started, removes its data
#
# Safe under `set -euo pipefail`. Every function returns non-zero with a
# message on stderr when something goes wrong; nothing is left running.

# The MinIO build we test against. The module proxy refuses the RELEASE.*
# tag names, so this is the pseudo-version of that release's commit.
PIER_MINIO_MODULE="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

# How long to wait for the server to report ready, in seconds.
PIER_MINIO_READY_TIMEOUT="${PIER_MINIO_READY_TIMEOUT:-60}"

# How long to retry creating the bucket while MinIO still initialises, in seconds.
PIER_MINIO_BUCKET_TIMEOUT="${PIER_MINIO_BUCKET_TIMEOUT:-15}"

_pier_minio_pid=""
_pier_minio_dir=""

_pier_minio_log() { printf 'minio.sh: %s\n' "$*" >&2; }

# _pier_minio_random_hex N: N random bytes as lowercase hex.
_pier_minio_random_hex() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# _pier_minio_binary: prints the path of a minio binary, installing the pinned
# version into GOBIN (or GOPATH/bin) when there is none yet. A cold build
# takes minutes, so an existing binary is always reused.
_pier_minio_binary() {
	local gobin
	if command -v minio >/dev/null 2>&1; then
		command -v minio
		return 0
	fi
	if ! command -v go >/dev/null 2>&1; then
		_pier_minio_log "minio is not on PATH and go is not installed to build it"
		return 1
	fi
	gobin="$(go env GOBIN)"
	if [[ -z "$gobin" ]]; then
		gobin="$(go env GOPATH)/bin"
	fi
	if [[ ! -x "$gobin/minio" ]]; then
		_pier_minio_log "building $PIER_MINIO_MODULE into $gobin (takes a few minutes)"
		if ! GOBIN="$gobin" go install "$PIER_MINIO_MODULE"; then
			_pier_minio_log "go install $PIER_MINIO_MODULE failed"
			return 1
		fi
	fi
	printf '%s\n' "$gobin/minio"
}

# _pier_minio_port_busy PORT: succeeds when something accepts on 127.0.0.1:PORT.
_pier_minio_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _pier_minio_wait_ready URL: polls URL until it answers 200, the server
# process exits, or the deadline passes.
_pier_minio_wait_ready() {
	local url="$1" deadline code
	deadline=$((SECONDS + PIER_MINIO_READY_TIMEOUT))
	while ((SECONDS < deadline)); do
		if ! kill -0 "$_pier_minio_pid" 2>/dev/null; then
			return 1
		fi
		code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
		if [[ "$code" == "200" ]]; then
			return 0
		fi
		sleep 0.2
	done
	_pier_minio_log "MinIO not ready at $url after ${PIER_MINIO_READY_TIMEOUT}s"
	return 1
}

# _pier_minio_launch BIN PORT USER PASSWORD: starts MinIO on PORT and waits
# until it is ready. On failure the process is gone and the caller may retry
# on another port (another program can take a free port between our check
# and MinIO's bind).
_pier_minio_launch() {
	local bin="$1" port="$2" user="$3" password="$4"
	MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" \
		MINIO_BROWSER=off MINIO_UPDATE=off \
		"$bin" server --quiet --address "127.0.0.1:$port" "$_pier_minio_dir/data" \
		>>"$_pier_minio_dir/minio.log" 2>&1 &
	_pier_minio_pid=$!
	if _pier_minio_wait_ready "http://127.0.0.1:$port/minio/health/ready"; then
		return 0
	fi
	kill "$_pier_minio_pid" 2>/dev/null || true
	wait "$_pier_minio_pid" 2>/dev/null || true
	_pier_minio_pid=""
	return 1
}

# _pier_minio_make_bucket ENDPOINT BUCKET USER PASSWORD: creates the bucket
# with a SigV4-signed PUT. MinIO may report ready and still answer 503
# XMinioServerNotInitialized for a moment, so a 503 (or no answer) is
# retried until PIER_MINIO_BUCKET_TIMEOUT; any other failure is final.
_pier_minio_make_bucket() {
	local endpoint="$1" bucket="$2" user="$3" password="$4" code deadline
	deadline=$((SECONDS + PIER_MINIO_BUCKET_TIMEOUT))
	while :; do
		code="$(curl -s -o "$_pier_minio_dir/bucket.out" -w '%{http_code}' --max-time 10 \
			--aws-sigv4 "aws:amz:us-east-1:s3" --user "$user:$password" \
			-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
			-X PUT "http://$endpoint/$bucket" || true)"
		if [[ "$code" == "200" ]]; then
			return 0
		fi
		# A retry after a create whose reply was lost finds the bucket made.
		if [[ "$code" == "409" ]] && grep -q BucketAlreadyOwnedByYou "$_pier_minio_dir/bucket.out" 2>/dev/null; then
			return 0
		fi
		if [[ "$code" != "503" && "$code" != "000" ]] || ((SECONDS >= deadline)); then
			break
		fi
		sleep 0.5
	done
	_pier_minio_log "creating bucket $bucket failed with HTTP $code: $(cat "$_pier_minio_dir/bucket.out" 2>/dev/null || true)"
	return 1
}

# minio_start: see the top of this file.
minio_start() {
	local bin port user password bucket attempt
	if [[ -n "$_pier_minio_pid" ]]; then
		_pier_minio_log "already running (pid $_pier_minio_pid); call minio_stop first"
		return 1
	fi
	bin="$(_pier_minio_binary)" || return 1
	_pier_minio_dir="$(mktemp -d "${TMPDIR:-/tmp}/pier-minio.XXXXXX")" || return 1
	user="pier$(_pier_minio_random_hex 6)"
	password="$(_pier_minio_random_hex 20)"
	bucket="pier-test-$(_pier_minio_random_hex 4)"
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		if _pier_minio_port_busy "$port"; then
			continue
		fi
		if _pier_minio_launch "$bin" "$port" "$user" "$password"; then
			break
		fi
		_pier_minio_log "attempt $attempt on port $port failed; log: $(tail -n 5 "$_pier_minio_dir/minio.log" 2>/dev/null || true)"
	done
	if [[ -z "$_pier_minio_pid" ]]; then
		_pier_minio_log "could not start MinIO"
		minio_stop
		return 1
	fi
	if ! _pier_minio_make_bucket "127.0.0.1:$port" "$bucket" "$user" "$password"; then
		minio_stop
		return 1
	fi
	export PIER_TEST_S3_ENDPOINT="127.0.0.1:$port"
	export PIER_TEST_S3_BUCKET="$bucket"
	export PIER_TEST_S3_ACCESS_KEY="$user"
	export PIER_TEST_S3_SECRET_KEY="$password"
	_pier_minio_log "MinIO ready at $PIER_TEST_S3_ENDPOINT (pid $_pier_minio_pid), bucket $bucket"
}

# minio_stop: stops the server minio_start started (by its pid, nothing
# else), removes its data and unsets the PIER_TEST_S3_* variables. Calling it
# when nothing runs is fine.
minio_stop() {
	if [[ -n "$_pier_minio_pid" ]]; then
		kill "$_pier_minio_pid" 2>/dev/null || true
		wait "$_pier_minio_pid" 2>/dev/null || true
		_pier_minio_pid=""
	fi
	if [[ -n "$_pier_minio_dir" ]]; then
		rm -rf "$_pier_minio_dir"
		_pier_minio_dir=""
	fi
	unset PIER_TEST_S3_ENDPOINT PIER_TEST_S3_BUCKET PIER_TEST_S3_ACCESS_KEY PIER_TEST_S3_SECRET_KEY
}
