package archive

import (
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
)

// Reference names an image in a registry: a repository and a tag, a digest,
// or both.
type Reference struct {
	Repo   string
	Tag    string
	Digest digest.Digest
}

// String formats r as REPO:TAG, REPO@DIGEST or REPO:TAG@DIGEST.
func (r Reference) String() string {
	s := r.Repo
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// ParseReference parses REPO[:TAG][@DIGEST]. A leading registry host
// ("docker.io/", "localhost:5000/", any first component with a '.' or a
// ':') is dropped, and so is "library/" after docker.io, because names
// saved by docker carry the registry they came from while pier stores
// repositories by path. With neither tag nor digest the tag is "latest".
func ParseReference(s string) (Reference, error) {
	rest := s
	var r Reference
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		d, err := storage.ParseDigest(rest[i+1:])
		if err != nil {
			return Reference{}, fmt.Errorf("reference %q: %w", s, err)
		}
		r.Digest, rest = d, rest[:i]
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		r.Tag, rest = rest[i+1:], rest[:i]
		if err := storage.ValidTag(r.Tag); err != nil {
			return Reference{}, fmt.Errorf("reference %q: %w", s, err)
		}
	}
	r.Repo = stripHost(rest)
	if err := storage.ValidName(r.Repo); err != nil {
		return Reference{}, fmt.Errorf("reference %q: %w", s, err)
	}
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	return r, nil
}

// stripHost drops the registry host of a repository name, the way docker
// tells a host from a path component.
func stripHost(name string) string {
	first, rest, ok := strings.Cut(name, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return name
	}
	if first == "docker.io" || first == "index.docker.io" || first == "registry-1.docker.io" {
		if lib, ok := strings.CutPrefix(rest, "library/"); ok && lib != "" {
			return lib
		}
	}
	return rest
}
