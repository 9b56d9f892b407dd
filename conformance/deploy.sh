#!/usr/bin/env bash
# deploy.sh: the container image of deploy/Dockerfile on a real Docker
# engine. It builds the image with deploy/image.sh, checks that it runs as
# a non-root user with a health check, runs it with the host's network,
# waits for Docker to report it healthy (pier healthcheck inside scratch),
# expects GET /v2/ to challenge, pushes and pulls an image with crane,
# finds the push in /metrics and the data on the volume owned by the image's
# user, and stops it with SIGTERM for a clean exit. It also has systemd
# check deploy/systemd/pier.service. Needs root (dockerd).
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=conformance/docker.sh
source "$PIER_ROOT/conformance/docker.sh"
cd "$PIER_ROOT"

# The crane that conformance/clients uses, so that it is built only once.
CRANE_MODULE="github.com/google/go-containerregistry/cmd/crane"
CRANE_VERSION="v0.22.1"

TAG="pier:deploy-test"
IMAGE_USER="65532:65532"

# free_port: prints a loopback port that nothing accepts on.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	die "no free port found"
}

# wait_healthy CONTAINER: until Docker's health check passes, 60s at most.
wait_healthy() {
	local status deadline=$((SECONDS + 60))
	while :; do
		status="$(docker inspect --format '{{.State.Health.Status}}' "$1")"
		[[ "$status" == healthy ]] && return 0
		if [[ "$(docker inspect --format '{{.State.Running}}' "$1")" != true ]] || ((SECONDS >= deadline)); then
			docker logs "$1" 2>&1 | tail -n 20 >&2
			die "container is $status, not healthy"
		fi
		sleep 0.5
	done
}

check_image() {
	local user health
	user="$(docker image inspect --format '{{.Config.User}}' "$TAG")"
	[[ "$user" == "$IMAGE_USER" ]] || die "image runs as '$user', want $IMAGE_USER"
	health="$(docker image inspect --format '{{join .Config.Healthcheck.Test " "}}' "$TAG")"
	[[ "$health" == "CMD /pier healthcheck" ]] || die "image health check is '$health'"
	say "image $TAG: user $user, health check '$health', $(docker image inspect --format '{{.Size}}' "$TAG") bytes"
}

# check_api ADDR: GET /v2/ without credentials gets a Bearer challenge.
check_api() {
	local headers
	headers="$(curl -s -o /dev/null -D - --max-time 10 "http://$1/v2/")"
	grep -q '^HTTP/1.1 401' <<<"$headers" || die "GET /v2/ did not answer 401: $headers"
	grep -qi '^WWW-Authenticate: Bearer realm=' <<<"$headers" || die "GET /v2/ has no Bearer challenge: $headers"
}

# push_pull CRANE ADDR PASSWORD WORK: pushes a one-layer image, pulls it back.
push_pull() {
	local crane="$1" addr="$2" password="$3" work="$4" ref digest
	ref="$addr/admin/deploy:1"
	export DOCKER_CONFIG="$work/crane-config"
	"$crane" auth login "$addr" -u admin --password-stdin <<<"$password" >/dev/null 2>&1 ||
		die "crane auth login failed"
	mkdir -p "$work/layer"
	head -c 100000 /dev/urandom >"$work/layer/random.bin"
	tar -C "$work/layer" -cf "$work/layer.tar" .
	"$crane" append -f "$work/layer.tar" -t "$ref" >/dev/null 2>"$work/crane.log" || {
		cat "$work/crane.log" >&2
		die "crane append (push) failed"
	}
	digest="$("$crane" digest "$ref")" || die "crane digest failed"
	"$crane" export "$ref" "$work/pulled.tar" || die "crane export (pull) failed"
	mkdir -p "$work/pulled"
	tar -C "$work/pulled" -xf "$work/pulled.tar"
	cmp -s "$work/pulled/random.bin" "$work/layer/random.bin" ||
		die "the pulled layer differs from the pushed one"
	say "pushed and pulled $ref@$digest"
}

check_metrics() {
	local metrics
	metrics="$(curl -s --max-time 10 "http://$1/metrics")" || die "GET /metrics failed"
	grep -q '^pier_http_requests_total{code="201",method="PUT",route="/v2/{name}/manifests/{reference}"} 1$' <<<"$metrics" ||
		die "/metrics does not count the manifest push"
}

# check_volume CONTAINER: what pier wrote to /data belongs to the image's user.
check_volume() {
	local dir owners
	dir="$(docker inspect --format '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Source}}{{end}}{{end}}' "$1")"
	[[ -n "$dir" && -d "$dir" ]] || die "no volume at /data"
	owners="$(find "$dir" -mindepth 1 -printf '%U:%G\n' | sort -u)"
	[[ "$owners" == "$IMAGE_USER" ]] || die "files on the volume belong to '$owners', want $IMAGE_USER"
	[[ -n "$(find "$dir" -path '*blobs*' -type f -print -quit)" ]] || die "no blobs on the volume"
}

# stop_cleanly CONTAINER: SIGTERM, then pier must exit 0 after draining.
stop_cleanly() {
	local code
	docker stop --time 30 "$1" >/dev/null
	code="$(docker inspect --format '{{.State.ExitCode}}' "$1")"
	[[ "$code" == 0 ]] || {
		docker logs "$1" 2>&1 | tail -n 20 >&2
		die "pier exited with $code after SIGTERM"
	}
	docker logs "$1" 2>&1 | grep -q 'msg=stopped' || die "no clean shutdown in the log"
}

# check_unit: systemd accepts deploy/systemd/pier.service, every setting
# known (ExecStart pointed at the binary just built, which must exist).
check_unit() {
	local dir out
	ensure_command systemd-analyze systemd
	dir="$(mktemp -d)"
	on_exit rm -rf "$dir"
	sed "s|^ExecStart=/usr/local/bin/pier |ExecStart=$PIER_ARTIFACTS/image/pier |" deploy/systemd/pier.service >"$dir/pier.service"
	out="$(systemd-analyze verify "$dir/pier.service" 2>&1)" || die "systemd-analyze verify failed: $out"
	[[ -z "$out" ]] || die "systemd-analyze verify deploy/systemd/pier.service: $out"
}

remove_container() { docker rm --force --volumes "$1" >/dev/null 2>&1 || true; }

main() {
	local crane work port password container addr
	ensure_command curl curl
	crane="$(go_tool "$CRANE_MODULE" "$CRANE_VERSION" crane)"
	work="$(mktemp -d)"
	on_exit rm -rf "$work"
	docker_start || die "no Docker engine"
	mkdir -p "$PIER_ARTIFACTS/deploy"
	if ! deploy/image.sh "$TAG" >"$PIER_ARTIFACTS/deploy/build.log" 2>&1; then
		tail -n 20 "$PIER_ARTIFACTS/deploy/build.log" >&2
		die "deploy/image.sh failed (log: $PIER_ARTIFACTS/deploy/build.log)"
	fi
	check_image
	check_unit

	port="$(free_port)"
	addr="127.0.0.1:$port"
	password="$(random_hex 16)"
	# dockerd runs without a bridge: the container shares the host's network.
	container="$(docker run --detach --network host --name pier-deploy-test \
		--env PIER_ADDR="$addr" --env PIER_ADMIN_PASSWORD="$password" \
		--health-interval 1s --health-start-period 0s "$TAG")"
	on_exit remove_container "$container"
	wait_healthy "$container"
	check_api "$addr"
	push_pull "$crane" "$addr" "$password" "$work"
	check_metrics "$addr"
	check_volume "$container"
	stop_cleanly "$container"
	say "ok: the image builds, runs as $IMAGE_USER, is healthy, serves /v2/, takes a push and stops cleanly; the systemd unit verifies"
}

main "$@"
