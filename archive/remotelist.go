package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// pageSize is how many names a listing asks for at once.
const pageSize = 1000

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
