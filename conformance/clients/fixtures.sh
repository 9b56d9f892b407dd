# shellcheck shell=bash
# fixtures.sh: the test images, made here since no outside registry can be
# reached. Source it, then `fixtures_build DIR` with a Docker engine running
# (conformance/docker.sh). It leaves in DIR:
#
#   hello/hello        a small static Go binary that prints "hello from pier",
#                      then the files named by its arguments
#   rootfs.tar         a tar holding just /hello
#   app/, app2/        the build contexts of the images below
#   app.tar            pier-fixture/app:1 as `docker save` writes it
#
# and in the engine: pier-fixture/hello:1 (`docker import` of rootfs.tar),
# pier-fixture/app:1 (FROM scratch, three COPY layers, runs
# `/hello /data/one.txt /data/two.txt`) and pier-fixture/app:2 (app:1 plus one
# COPY layer, runs `/hello /data/one.txt /data/three.txt`).

FIXTURE_HELLO="pier-fixture/hello:1"
FIXTURE_APP="pier-fixture/app:1"
FIXTURE_APP2="pier-fixture/app:2"

# fixtures_build DIR: see the top of this file.
fixtures_build() {
	local dir="$1"
	mkdir -p "$dir/hello" "$dir/app/data" "$dir/app2"
	_fixtures_hello "$dir/hello" || return 1
	tar -C "$dir/hello" -cf "$dir/rootfs.tar" hello
	docker import -c 'ENTRYPOINT ["/hello"]' "$dir/rootfs.tar" "$FIXTURE_HELLO" >/dev/null || return 1

	cp "$dir/hello/hello" "$dir/app/hello"
	printf 'one: the second layer\n' >"$dir/app/data/one.txt"
	printf 'two: the third layer\n' >"$dir/app/data/two.txt"
	cat >"$dir/app/Dockerfile" <<-'EOF'
		FROM scratch
		COPY hello /hello
		COPY data/one.txt /data/one.txt
		COPY data/two.txt /data/two.txt
		ENTRYPOINT ["/hello"]
		CMD ["/data/one.txt", "/data/two.txt"]
	EOF
	printf "three: app:2's own layer\n" >"$dir/app2/three.txt"
	cat >"$dir/app2/Dockerfile" <<-EOF
		FROM $FIXTURE_APP
		COPY three.txt /data/three.txt
		CMD ["/data/one.txt", "/data/three.txt"]
	EOF
	# Debian's engine has no buildx; the classic builder is enough here.
	DOCKER_BUILDKIT=0 docker build -q -t "$FIXTURE_APP" "$dir/app" >/dev/null 2>"$dir/build.log" || {
		cat "$dir/build.log" >&2
		return 1
	}
	DOCKER_BUILDKIT=0 docker build -q -t "$FIXTURE_APP2" "$dir/app2" >/dev/null 2>"$dir/build.log" || {
		cat "$dir/build.log" >&2
		return 1
	}
	docker save -o "$dir/app.tar" "$FIXTURE_APP"
}

# _fixtures_hello DIR: builds the static hello binary into DIR.
_fixtures_hello() {
	local dir="$1"
	cat >"$dir/main.go" <<-'EOF'
		// hello prints a greeting, then the files named by its arguments.
		package main

		import (
			"fmt"
			"os"
		)

		func main() {
			fmt.Println("hello from pier")
			for _, name := range os.Args[1:] {
				b, err := os.ReadFile(name)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				os.Stdout.Write(b)
			}
		}
	EOF
	printf 'module hello\n\ngo 1.22\n' >"$dir/go.mod"
	(cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags=-s -o hello .)
}
