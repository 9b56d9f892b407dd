#!/usr/bin/env bash
# acme.sh: pier gets its HTTPS certificate from a real ACME CA. It installs
# Pebble, Let's Encrypt's test CA, and its companion DNS server at a pinned
# version, runs both on loopback (the DNS server answers 127.0.0.1 for every
# name, so the CA's validation of pier.test reaches this machine), and
# starts pier with tls.acme for that name and the CA's directory. Then:
#
#   - the first HTTPS request for pier.test makes pier order a certificate;
#     the CA validates it with TLS-ALPN-01 on pier's own port and issues it,
#     and the client verifies the chain against the CA's root;
#   - a name that is not in tls.acme.hosts gets no certificate;
#   - the certificate is kept in pier's storage: a second pier on the same
#     storage serves it with the CA stopped.
#
# Everything it starts listens on 127.0.0.1 and is stopped by pid at exit.
set -euo pipefail
# shellcheck source=conformance/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PIER_ROOT"

PEBBLE_MODULE="github.com/letsencrypt/pebble/v2/cmd/pebble"
CHALLTESTSRV_MODULE="github.com/letsencrypt/pebble/v2/cmd/pebble-challtestsrv"
PEBBLE_VERSION="v2.10.3"
HOST="pier.test"

out="$PIER_ARTIFACTS/acme"

# free_port: prints a port nothing listens on now.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	printf '%s\n' "$port"
}

# background LOG CMD...: starts CMD with output to LOG, stopped at exit;
# sets BG_PID.
BG_PID=""
background() {
	local log="$1"
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	on_exit stop_pid "$BG_PID"
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	wait "$1" 2>/dev/null || true
}

# wait_port PID PORT WHAT: waits until PORT accepts, or PID exits.
wait_port() {
	local deadline=$((SECONDS + 30))
	until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || die "$3 exited while starting; see $out"
		((SECONDS < deadline)) || die "$3 did not listen on $2 within 30s; see $out"
		sleep 0.1
	done
}

# start_pier NAME: starts pier on $pier_port with the ACME configuration and
# the storage of $out/data; sets pier_pid.
start_pier() {
	local log="$out/$1.log"
	# SSL_CERT_FILE: pier trusts the CA's own HTTPS endpoint.
	SSL_CERT_FILE="$out/pebble-cert.pem" PIER_LOG_FORMAT=text PIER_ADMIN_PASSWORD="$(random_hex 16)" \
		background "$log" "$pier" serve --addr "127.0.0.1:$pier_port" --data "$out/data" --config "$out/pier.yaml"
	pier_pid="$BG_PID"
	local deadline=$((SECONDS + 30))
	until grep -q 'msg="pier listening"' "$log"; do
		kill -0 "$pier_pid" 2>/dev/null || die "pier exited while starting: $(tail -n 20 "$log")"
		((SECONDS < deadline)) || die "pier did not start within 30s"
		sleep 0.1
	done
}

# https_status HOST: GET /v2/ over HTTPS with SNI HOST, verified against the
# CA's root; prints the status, or fails.
https_status() {
	curl -sS -o /dev/null -w '%{http_code}' --max-time 60 --cacert "$out/root.pem" \
		--resolve "$1:$pier_port:127.0.0.1" "https://$1:$pier_port/v2/"
}

main() {
	local pebble chall dns_port dns_mgmt acme_port acme_mgmt pebble_pid chall_pid status issuer
	rm -rf "$out"
	mkdir -p "$out/data"
	ensure_command openssl openssl
	pebble="$(go_tool "$PEBBLE_MODULE" "$PEBBLE_VERSION" pebble)"
	chall="$(go_tool "$CHALLTESTSRV_MODULE" "$PEBBLE_VERSION" pebble-challtestsrv)"
	pier="$(build_pier)"

	dns_port="$(free_port)"
	dns_mgmt="$(free_port)"
	acme_port="$(free_port)"
	acme_mgmt="$(free_port)"
	pier_port="$(free_port)"

	# The DNS server: every name is 127.0.0.1; its challenge servers are off.
	background "$out/challtestsrv.log" "$chall" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		-dnsserver "127.0.0.1:$dns_port" -management "127.0.0.1:$dns_mgmt" \
		-http01 "" -https01 "" -tlsalpn01 "" -doh ""
	chall_pid="$BG_PID"
	wait_port "$chall_pid" "$dns_mgmt" pebble-challtestsrv

	# The CA, serving its ACME API over HTTPS with a certificate made here,
	# and validating TLS-ALPN-01 on pier's port.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$out/pebble-key.pem" -out "$out/pebble-cert.pem" 2>"$out/openssl.log" ||
		die "openssl could not make the CA's certificate: $(cat "$out/openssl.log")"
	cat >"$out/pebble.json" <<-EOF
		{"pebble": {
		  "listenAddress": "127.0.0.1:$acme_port",
		  "managementListenAddress": "127.0.0.1:$acme_mgmt",
		  "certificate": "$out/pebble-cert.pem",
		  "privateKey": "$out/pebble-key.pem",
		  "httpPort": $(free_port),
		  "tlsPort": $pier_port,
		  "ocspResponderURL": "",
		  "externalAccountBindingRequired": false
		}}
	EOF
	PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
		background "$out/pebble.log" "$pebble" -config "$out/pebble.json" -dnsserver "127.0.0.1:$dns_port"
	pebble_pid="$BG_PID"
	wait_port "$pebble_pid" "$acme_port" pebble
	curl -sSf --cacert "$out/pebble-cert.pem" -o "$out/root.pem" "https://127.0.0.1:$acme_mgmt/roots/0" ||
		die "could not fetch the CA's root from Pebble"
	say "Pebble $PEBBLE_VERSION (pid $pebble_pid) at https://127.0.0.1:$acme_port/dir"

	cat >"$out/pier.yaml" <<-EOF
		tls:
		  acme:
		    hosts: [$HOST]
		    email: admin@$HOST
		    directoryURL: https://127.0.0.1:$acme_port/dir
	EOF
	start_pier pier
	say "pier (pid $pier_pid) serving HTTPS for $HOST on 127.0.0.1:$pier_port"

	status="$(https_status "$HOST")" || die "HTTPS to $HOST failed; pier's log: $(tail -n 20 "$out/pier.log")"
	[[ "$status" == 401 ]] || die "GET /v2/ over HTTPS: HTTP $status, want 401 (a login challenge)"
	issuer="$(openssl s_client -connect "127.0.0.1:$pier_port" -servername "$HOST" </dev/null 2>/dev/null |
		openssl x509 -noout -issuer)"
	[[ "$issuer" == *Pebble* ]] || die "the certificate served is not Pebble's: $issuer"
	say "ok: certificate for $HOST issued by the CA over TLS-ALPN-01 ($issuer), chain verified, /v2/ answers 401"

	if https_status "other.test" >/dev/null 2>&1; then
		die "pier served a certificate for other.test, a name not in tls.acme.hosts"
	fi
	grep -q 'other.test' "$out/pebble.log" && die "pier asked the CA for other.test"
	say "ok: a name not in tls.acme.hosts gets no certificate and no order"

	stop_pid "$pier_pid"
	stop_pid "$pebble_pid"
	start_pier pier-again
	status="$(https_status "$HOST")" || die "the second pier, with the CA stopped, failed HTTPS: $(tail -n 20 "$out/pier-again.log")"
	[[ "$status" == 401 ]] || die "second pier: HTTP $status, want 401"
	say "ok: a second pier on the same storage serves the certificate with the CA stopped"
	stop_pid "$pier_pid"
	say "all ACME checks passed"
}

main "$@"
