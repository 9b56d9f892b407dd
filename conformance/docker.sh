# shellcheck shell=bash
# docker.sh: a throwaway Docker engine for tests. Source it (after lib.sh, or
# it sources lib.sh itself), then
#
#   docker_start   # installs Debian's docker.io if dockerd is missing, starts
#                  # a private dockerd and exports DOCKER_HOST and DOCKER_CONFIG
#   ...            # run docker commands
#   docker_stop    # stops exactly that dockerd, by pid, and removes its dirs
#
# The engine has its own data root, exec root, pidfile and unix socket, and
# no networking of its own (--iptables=false --ip6tables=false
# --bridge=none), so `docker run` needs `--network none`. Registries on
# 127.0.0.1:PORT are plain HTTP by default, with no daemon flag. docker_start
# also registers docker_stop with on_exit, so the engine stops whatever
# happens. Needs root. Safe under `set -euo pipefail`.

if ! declare -F on_exit >/dev/null; then
	# shellcheck source=conformance/lib.sh
	source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

# How long to wait for the engine to answer `docker info`, in seconds.
PIER_DOCKER_READY_TIMEOUT="${PIER_DOCKER_READY_TIMEOUT:-60}"

_pier_docker_pid=""
_pier_docker_dir=""

# docker_start: see the top of this file.
docker_start() {
	local dir deadline
	if [[ -n "$_pier_docker_pid" ]]; then
		say "dockerd already running (pid $_pier_docker_pid); call docker_stop first"
		return 1
	fi
	[[ "$(id -u)" == 0 ]] || die "dockerd needs root"
	ensure_command dockerd docker.io
	ensure_command docker docker.io
	# Short, so that the unix sockets under it stay within 108 bytes.
	dir="$(mktemp -d "${TMPDIR:-/tmp}/pier-docker.XXXXXX")" || return 1
	_pier_docker_dir="$dir"
	on_exit docker_stop
	mkdir -p "$dir/data" "$dir/exec" "$dir/config"
	dockerd --data-root "$dir/data" --exec-root "$dir/exec" \
		--pidfile "$dir/dockerd.pid" --host "unix://$dir/docker.sock" \
		--iptables=false --ip6tables=false --bridge=none \
		>"$dir/dockerd.log" 2>&1 &
	_pier_docker_pid=$!
	export DOCKER_HOST="unix://$dir/docker.sock"
	export DOCKER_CONFIG="$dir/config"
	deadline=$((SECONDS + PIER_DOCKER_READY_TIMEOUT))
	until docker info >/dev/null 2>&1; do
		if ! kill -0 "$_pier_docker_pid" 2>/dev/null; then
			_pier_docker_failed "exited while starting"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			_pier_docker_failed "did not answer docker info within ${PIER_DOCKER_READY_TIMEOUT}s"
			return 1
		fi
		sleep 0.2
	done
	say "dockerd $(docker version --format '{{.Server.Version}}') (pid $_pier_docker_pid) ready at $DOCKER_HOST"
}

# docker_log: prints the path of the running engine's log.
docker_log() { printf '%s\n' "$_pier_docker_dir/dockerd.log"; }

_pier_docker_failed() {
	say "dockerd $1; the end of its log:"
	tail -n 20 "$_pier_docker_dir/dockerd.log" >&2 || true
	docker_stop
}

# docker_stop: stops the engine docker_start started (SIGTERM, then SIGKILL
# after 30s), and the containerd it spawned should that outlive it, both by
# pid; unmounts whatever is left under its directory, removes it and unsets
# DOCKER_HOST and DOCKER_CONFIG. Calling it when nothing runs is fine.
docker_stop() {
	local containerd_pid=""
	if [[ -n "$_pier_docker_dir" && -f "$_pier_docker_dir/exec/containerd/containerd.pid" ]]; then
		containerd_pid="$(cat "$_pier_docker_dir/exec/containerd/containerd.pid" 2>/dev/null || true)"
	fi
	if [[ -n "$_pier_docker_pid" ]]; then
		_pier_docker_kill "$_pier_docker_pid"
		_pier_docker_pid=""
	fi
	# dockerd stops its containerd, unless it was killed.
	if [[ "$containerd_pid" =~ ^[0-9]+$ ]] &&
		grep -qF "$_pier_docker_dir/" "/proc/$containerd_pid/cmdline" 2>/dev/null; then
		_pier_docker_kill "$containerd_pid"
	fi
	if [[ -n "$_pier_docker_dir" ]]; then
		_pier_docker_unmount "$_pier_docker_dir"
		rm -rf --one-file-system "$_pier_docker_dir" ||
			say "could not remove all of $_pier_docker_dir"
		_pier_docker_dir=""
	fi
	unset DOCKER_HOST DOCKER_CONFIG
}

# _pier_docker_kill PID: SIGTERM, up to 30s to exit, then SIGKILL.
_pier_docker_kill() {
	local pid="$1" deadline
	kill -TERM "$pid" 2>/dev/null || return 0
	deadline=$((SECONDS + 30))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# _pier_docker_unmount DIR: unmounts every mount at or under DIR, deepest
# first (a killed dockerd leaves its data root and overlays mounted).
_pier_docker_unmount() {
	local dir="$1" mnt
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mnt; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null ||
			say "could not unmount $mnt"
	done
}
