package storage

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"regexp"

	"github.com/opencontainers/go-digest"
)

// Grammar from distribution-spec "Pulling manifests".
var (
	nameRE = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagRE  = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
)

// maxNameLength keeps "<host:port>/<name>" under the 255 characters many
// clients allow (spec implementers note).
const maxNameLength = 229

// ValidName reports whether name is a repository name pier accepts.
func ValidName(name string) error {
	if len(name) > maxNameLength || !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %q", ErrNameInvalid, name)
	}
	return nil
}

// ValidTag reports whether tag matches the spec's tag grammar.
func ValidTag(tag string) error {
	if !tagRE.MatchString(tag) {
		return fmt.Errorf("%w: %q", ErrTagInvalid, tag)
	}
	return nil
}

// ParseDigest parses s and accepts only the algorithms pier stores:
// sha256 and sha512.
func ParseDigest(s string) (digest.Digest, error) {
	d, err := digest.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrDigestInvalid, s, err)
	}
	if _, err := ParseAlgorithm(string(d.Algorithm())); err != nil {
		return "", err
	}
	return d, nil
}

// ParseAlgorithm accepts "sha256" and "sha512".
func ParseAlgorithm(s string) (digest.Algorithm, error) {
	switch a := digest.Algorithm(s); a {
	case digest.SHA256, digest.SHA512:
		return a, nil
	}
	return "", fmt.Errorf("%w: unsupported digest algorithm %q", ErrDigestInvalid, s)
}

// IsDigest reports whether a manifest reference looks like a digest rather
// than a tag (tags cannot contain ':').
func IsDigest(ref string) bool {
	for i := 0; i < len(ref); i++ {
		if ref[i] == ':' {
			return true
		}
	}
	return false
}

func newHash(a digest.Algorithm) hash.Hash {
	if a == digest.SHA512 {
		return sha512.New()
	}
	return sha256.New()
}
