package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
)

// manifestAccept is every manifest type a Remote asks for.
var manifestAccept = strings.Join([]string{storage.MediaTypeOCIManifest, storage.MediaTypeOCIIndex,
	storage.MediaTypeDockerManifest, storage.MediaTypeDockerList}, ", ")

// Manifest GETs a manifest and checks it against the digest asked for or
// announced.
func (r *Remote) Manifest(ctx context.Context, repo, ref string) (*Manifest, error) {
	resp, err := r.do(ctx, request{method: http.MethodGet, path: repoPath(repo, "manifests/"+ref),
		header: http.Header{"Accept": {manifestAccept}}, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, storage.MaxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading manifest %s:%s: %w", repo, ref, err)
	}
	if len(data) > storage.MaxManifestSize {
		return nil, fmt.Errorf("manifest %s:%s is larger than %d bytes", repo, ref, storage.MaxManifestSize)
	}
	want := resp.Header.Get("Docker-Content-Digest")
	if storage.IsDigest(ref) {
		want = ref
	}
	m := &Manifest{Digest: digest.FromBytes(data), Data: data}
	if want != "" {
		if m.Digest, err = checkContent(want, data); err != nil {
			return nil, fmt.Errorf("manifest %s of %s: %w", ref, repo, err)
		}
	}
	m.MediaType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if p, err := parseManifest(m.MediaType, data); err == nil {
		m.MediaType = p.MediaType
	}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil && !storage.IsDigest(ref) {
		m.Pushed = t
	}
	return m, nil
}

// checkContent verifies data against the digest s.
func checkContent(s string, data []byte) (digest.Digest, error) {
	d, err := storage.ParseDigest(s)
	if err != nil {
		return "", err
	}
	if got := d.Algorithm().FromBytes(data); got != d {
		return "", fmt.Errorf("%w: content is %s, not %s", ErrCorrupt, got, d)
	}
	return d, nil
}

// HasManifest HEADs the manifest d.
func (r *Remote) HasManifest(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	return r.head(ctx, repoPath(repo, "manifests/"+d.String()), http.Header{"Accept": {manifestAccept}})
}

// PutManifest PUTs a manifest by tag or digest.
func (r *Remote) PutManifest(ctx context.Context, repo, ref, mediaType string, data []byte) error {
	_, err := r.call(ctx, request{method: http.MethodPut, path: repoPath(repo, "manifests/"+ref),
		header: http.Header{"Content-Type": {mediaType}}, body: bytes.NewReader(data), size: int64(len(data)),
		want: []int{http.StatusCreated, http.StatusOK}})
	return err
}

// DeleteManifest DELETEs the manifest d (and so its tags).
func (r *Remote) DeleteManifest(ctx context.Context, repo string, d digest.Digest) error {
	return r.delete(ctx, repoPath(repo, "manifests/"+d.String()))
}

// DeleteTag DELETEs a tag by name, which the spec leaves optional.
func (r *Remote) DeleteTag(ctx context.Context, repo, tag string) error {
	return r.delete(ctx, repoPath(repo, "manifests/"+tag))
}
