package archive

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

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

// delete sends DELETE path.
func (r *Remote) delete(ctx context.Context, path string) error {
	_, err := r.call(ctx, request{method: http.MethodDelete, path: path, want: []int{http.StatusAccepted, http.StatusOK, http.StatusNoContent}})
	return err
}

// sendTo sends req to u, a URL the registry handed out.
func (r *Remote) sendTo(ctx context.Context, u *url.URL, req request) (*http.Response, error) {
	resp, err := r.send(ctx, req, u.String())
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// location resolves an upload's Location header.
func location(resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, fmt.Errorf("%s %s: no Location in the answer", resp.Request.Method, resp.Request.URL)
	}
	return resp.Request.URL.Parse(loc)
}
