package storage

import (
	"strings"

	"github.com/opencontainers/go-digest"
)

// Keys of garbage collection, beside those drawn in paths.go:
//
//	_gc/lease                                        the collector's lease (JSON: holder, expiry)
//	_gc/tombstones/<alg>/<hex>/<holder>              a collector is sweeping (or swept) the digest
//	_manifestrepos/<alg>/<hex>/<name>                reverse link: <name> holds a manifest with the digest
//
// _blobrepos/<alg>/<hex>/<name> (paths.go) and _manifestrepos are also the
// touch marks: every write or check that relies on a digest in a repository
// (re)writes its reverse link first, so its modification time says when the
// repository last relied on it.
const (
	gcLeaseKey          = "_gc/lease"
	tombstonesPrefix    = "_gc/tombstones/"
	manifestReposPrefix = "_manifestrepos/"
)

func tombstonesPrefixFor(d digest.Digest) string {
	return tombstonesPrefix + string(d.Algorithm()) + "/" + d.Encoded() + "/"
}

func tombstoneKey(d digest.Digest, holder string) string { return tombstonesPrefixFor(d) + holder }

func manifestReposPrefixFor(d digest.Digest) string {
	return manifestReposPrefix + string(d.Algorithm()) + "/" + d.Encoded() + "/"
}

func manifestRepoKey(d digest.Digest, name string) string { return manifestReposPrefixFor(d) + name }

// repoContentPrefix is the prefix of every key a repository holds itself:
// its own keys continue with "_blobs/", "_tags/" and so on, while nested
// repositories' components start with [a-z0-9].
func repoContentPrefix(name string) string { return repoKey(name) + "_" }

// digestAt parses "<alg>/<hex>" at the start of s and returns the digest and
// what follows it (without its leading '/').
func digestAt(s string) (digest.Digest, string, bool) {
	alg, rest, ok := strings.Cut(s, "/")
	if !ok {
		return "", "", false
	}
	hex, tail, _ := strings.Cut(rest, "/")
	d := digest.NewDigestFromEncoded(digest.Algorithm(alg), hex)
	if _, err := ParseDigest(d.String()); err != nil {
		return "", "", false
	}
	return d, tail, true
}
