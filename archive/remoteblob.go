package archive

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// OpenBlob GETs a blob, following redirects (presigned URLs).
func (r *Remote) OpenBlob(ctx context.Context, repo string, d digest.Digest) (io.ReadCloser, int64, error) {
	resp, err := r.do(ctx, request{method: http.MethodGet, path: repoPath(repo, "blobs/"+d.String()), want: []int{http.StatusOK}})
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

// HasBlob HEADs blob d.
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

// DeleteBlob DELETEs blob d from repo.
func (r *Remote) DeleteBlob(ctx context.Context, repo string, d digest.Digest) error {
	return r.delete(ctx, repoPath(repo, "blobs/"+d.String()))
}
