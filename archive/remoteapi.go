package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// manifestAccept is every manifest type a Remote asks for.
var manifestAccept = strings.Join([]string{storage.MediaTypeOCIManifest, storage.MediaTypeOCIIndex,
	storage.MediaTypeDockerManifest, storage.MediaTypeDockerList}, ", ")

// pageSize is how many names a listing asks for at once.
const pageSize = 1000

// request is one call of the API.
type request struct {
	method, path string
	query        url.Values
	header       http.Header
	body         io.Reader
	size         int64 // of body
	want         []int // accepted status codes
}

// do sends req and checks its status; the caller closes the body.
func (r *Remote) do(ctx context.Context, req request) (*http.Response, error) {
	u := r.base
	u.Path = req.path
	u.RawQuery = req.query.Encode()
	return r.send(ctx, req, u.String())
}

func (r *Remote) send(ctx context.Context, req request, target string) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, req.method, target, req.body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	if req.body != nil {
		hr.ContentLength = req.size
	}
	resp, err := r.client.Do(hr)
	if err != nil {
		return nil, err
	}
	if err := transport.CheckError(resp, req.want...); err != nil {
		resp.Body.Close()
		return nil, remoteErr(err)
	}
	return resp, nil
}

// call is do for answers without a body of interest.
func (r *Remote) call(ctx context.Context, req request) (*http.Response, error) {
	resp, err := r.do(ctx, req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp, nil
}

// head reports whether HEAD path answers 200 rather than 404.
func (r *Remote) head(ctx context.Context, path string, header http.Header) (bool, error) {
	_, err := r.call(ctx, request{method: http.MethodHead, path: path, header: header, want: []int{http.StatusOK}})
	return exists(err)
}

func repoPath(repo, rest string) string { return "/v2/" + repo + "/" + rest }

// Repositories follows the catalog's pages.
func (r *Remote) Repositories(ctx context.Context) ([]string, error) {
	var page struct {
		Repositories []string `json:"repositories"`
	}
	var out []string
	err := r.list(ctx, "/v2/_catalog", &page, func() { out = append(out, page.Repositories...) })
	return out, err
}

// Tags follows the tag list's pages.
func (r *Remote) Tags(ctx context.Context, repo string) ([]string, error) {
	var page struct {
		Tags []string `json:"tags"`
	}
	var out []string
	err := r.list(ctx, repoPath(repo, "tags/list"), &page, func() { out = append(out, page.Tags...) })
	return out, err
}

// list GETs path and the pages its Link headers lead to, decoding each into
// page and calling got.
func (r *Remote) list(ctx context.Context, path string, page any, got func()) error {
	next := r.base
	next.Path, next.RawQuery = path, url.Values{"n": {fmt.Sprint(pageSize)}}.Encode()
	for target := next.String(); target != ""; {
		resp, err := r.send(ctx, request{method: http.MethodGet, want: []int{http.StatusOK}}, target)
		if err != nil {
			return err
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, maxMetadata)).Decode(page)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: %w", target, err)
		}
		got()
		target, err = nextPage(resp)
		if err != nil {
			return err
		}
	}
	return nil
}

// nextPage resolves the RFC 5988 Link rel="next" of resp, or "".
func nextPage(resp *http.Response) (string, error) {
	link := resp.Header.Get("Link")
	if link == "" || !strings.Contains(link, `rel="next"`) {
		return "", nil
	}
	start, end := strings.Index(link, "<"), strings.Index(link, ">")
	if start < 0 || end < start {
		return "", fmt.Errorf("unreadable Link header %q", link)
	}
	u, err := resp.Request.URL.Parse(link[start+1 : end])
	if err != nil {
		return "", fmt.Errorf("Link header %q: %w", link, err)
	}
	return u.String(), nil
}

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

func (r *Remote) HasManifest(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	return r.head(ctx, repoPath(repo, "manifests/"+d.String()), http.Header{"Accept": {manifestAccept}})
}

func (r *Remote) PutManifest(ctx context.Context, repo, ref, mediaType string, data []byte) error {
	_, err := r.call(ctx, request{method: http.MethodPut, path: repoPath(repo, "manifests/"+ref),
		header: http.Header{"Content-Type": {mediaType}}, body: bytes.NewReader(data), size: int64(len(data)),
		want: []int{http.StatusCreated, http.StatusOK}})
	return err
}

func (r *Remote) DeleteManifest(ctx context.Context, repo string, d digest.Digest) error {
	return r.delete(ctx, repoPath(repo, "manifests/"+d.String()))
}

func (r *Remote) DeleteTag(ctx context.Context, repo, tag string) error {
	return r.delete(ctx, repoPath(repo, "manifests/"+tag))
}

func (r *Remote) delete(ctx context.Context, path string) error {
	_, err := r.call(ctx, request{method: http.MethodDelete, path: path, want: []int{http.StatusAccepted, http.StatusOK, http.StatusNoContent}})
	return err
}

// OpenBlob GETs a blob, following redirects (presigned URLs).
func (r *Remote) OpenBlob(ctx context.Context, repo string, d digest.Digest) (io.ReadCloser, int64, error) {
	resp, err := r.do(ctx, request{method: http.MethodGet, path: repoPath(repo, "blobs/"+d.String()), want: []int{http.StatusOK}})
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

func (r *Remote) HasBlob(ctx context.Context, repo string, d digest.Digest) (bool, error) {
	return r.head(ctx, repoPath(repo, "blobs/"+d.String()), nil)
}

// MountBlob asks for a cross-repository mount; a registry that starts an
// upload instead has it cancelled.
func (r *Remote) MountBlob(ctx context.Context, repo, from string, d digest.Digest) (bool, error) {
	if from == "" {
		return false, nil
	}
	resp, err := r.call(ctx, request{method: http.MethodPost, path: repoPath(repo, "blobs/uploads/"),
		query: url.Values{"mount": {d.String()}, "from": {from}}, want: []int{http.StatusCreated, http.StatusAccepted}})
	if err != nil {
		return false, err
	}
	if resp.StatusCode == http.StatusCreated {
		return true, nil
	}
	if loc, err := location(resp); err == nil {
		_, _ = r.sendTo(ctx, loc, request{method: http.MethodDelete, want: []int{http.StatusNoContent, http.StatusAccepted, http.StatusOK}})
	}
	return false, nil
}

// PutBlob starts an upload and sends the whole blob in its closing PUT.
func (r *Remote) PutBlob(ctx context.Context, repo string, desc v1.Descriptor, body io.Reader) error {
	resp, err := r.call(ctx, request{method: http.MethodPost, path: repoPath(repo, "blobs/uploads/"), want: []int{http.StatusAccepted}})
	if err != nil {
		return err
	}
	loc, err := location(resp)
	if err != nil {
		return err
	}
	q := loc.Query()
	q.Set("digest", desc.Digest.String())
	loc.RawQuery = q.Encode()
	_, err = r.sendTo(ctx, loc, request{method: http.MethodPut, body: body, size: desc.Size,
		header: http.Header{"Content-Type": {"application/octet-stream"}}, want: []int{http.StatusCreated}})
	if err != nil {
		loc.RawQuery = ""
		_, _ = r.sendTo(context.WithoutCancel(ctx), loc, request{method: http.MethodDelete,
			want: []int{http.StatusNoContent, http.StatusAccepted, http.StatusOK}})
	}
	return err
}

func (r *Remote) sendTo(ctx context.Context, u *url.URL, req request) (*http.Response, error) {
	resp, err := r.send(ctx, req, u.String())
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

func (r *Remote) DeleteBlob(ctx context.Context, repo string, d digest.Digest) error {
	return r.delete(ctx, repoPath(repo, "blobs/"+d.String()))
}

// location resolves an upload's Location header.
func location(resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("%s %s: no Location in the answer", resp.Request.Method, resp.Request.URL)
	}
	return resp.Request.URL.Parse(loc)
}
