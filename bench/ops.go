package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/opencontainers/go-digest"
)

var octetStream = http.Header{"Content-Type": {"application/octet-stream"}}

// startUpload opens an upload session and returns its location.
func (s *session) startUpload(ctx context.Context, repo string) (string, error) {
	resp, err := s.call(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, 0, nil, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("POST upload: no Location")
	}
	return loc, nil
}

// pushMono pushes data as blob d: POST, then one PUT ?digest= with the body.
func (s *session) pushMono(ctx context.Context, repo string, data []byte, d digest.Digest) error {
	loc, err := s.startUpload(ctx, repo)
	if err != nil {
		return err
	}
	put, err := withQuery(loc, "digest", d.String())
	if err != nil {
		return err
	}
	_, err = s.call(ctx, http.MethodPut, put, bytes.NewReader(data), int64(len(data)), octetStream, http.StatusCreated)
	return err
}

// pushChunked pushes data as blob d in PATCH chunks of chunk bytes, then a
// PUT ?digest= without a body.
func (s *session) pushChunked(ctx context.Context, repo string, data []byte, d digest.Digest, chunk int) error {
	loc, err := s.startUpload(ctx, repo)
	if err != nil {
		return err
	}
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		h := http.Header{
			"Content-Type":  {"application/octet-stream"},
			"Content-Range": {strconv.Itoa(off) + "-" + strconv.Itoa(end-1)},
		}
		resp, err := s.call(ctx, http.MethodPatch, loc, bytes.NewReader(data[off:end]), int64(end-off), h, http.StatusAccepted)
		if err != nil {
			return err
		}
		if next := resp.Header.Get("Location"); next != "" {
			loc = next
		}
	}
	put, err := withQuery(loc, "digest", d.String())
	if err != nil {
		return err
	}
	_, err = s.call(ctx, http.MethodPut, put, bytes.NewReader(nil), 0, nil, http.StatusCreated)
	return err
}

// pull downloads ref (a blob path, or a file nginx serves), following
// redirects, and checks that the bytes hash to d.
func (s *session) pull(ctx context.Context, ref string, d digest.Digest, buf []byte) (int64, error) {
	resp, err := s.do(ctx, http.MethodGet, ref, nil, 0, nil)
	if err != nil {
		return 0, fmt.Errorf("GET blob: %w", err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET blob %s: %s", ref, resp.Status)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, resp.Body, buf)
	if err != nil {
		return n, fmt.Errorf("GET blob: %w", err)
	}
	if got := digest.NewDigest(digest.SHA256, h); got != d {
		return n, fmt.Errorf("GET blob %s: content is %s", ref, got)
	}
	return n, nil
}

// pushSmall pushes a small blob in one POST + PUT.
func (s *session) pushSmall(ctx context.Context, repo string, data []byte) (digest.Digest, error) {
	d := digest.FromBytes(data)
	return d, s.pushMono(ctx, repo, data, d)
}

const ociManifest = "application/vnd.oci.image.manifest.v1+json"

// putManifest pushes an image manifest under tag.
func (s *session) putManifest(ctx context.Context, repo, tag string, data []byte) error {
	h := http.Header{"Content-Type": {ociManifest}}
	_, err := s.call(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+tag, bytes.NewReader(data), int64(len(data)), h, http.StatusCreated)
	return err
}

var manifestAccept = http.Header{"Accept": {ociManifest + ", application/vnd.oci.image.index.v1+json, " +
	"application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"}}

// list fetches path (tags/list or _catalog) and every page its Link headers
// lead to, and returns how many names it got.
func (s *session) list(ctx context.Context, path, field string) (int, error) {
	total := 0
	for path != "" {
		resp, err := s.do(ctx, http.MethodGet, path, nil, 0, nil)
		if err != nil {
			return total, err
		}
		n, err := countNames(resp, field)
		if err != nil {
			return total, fmt.Errorf("GET %s: %w", path, err)
		}
		total += n
		path = nextLink(resp.Header.Get("Link"))
	}
	return total, nil
}
