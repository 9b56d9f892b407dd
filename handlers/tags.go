package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pier-registry/pier/auth"
)

// listTags serves GET /v2/<name>/tags/list with n and last (end-8a, end-8b).
func (a *api) listTags(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull)
	if err != nil {
		return err
	}
	n, err := pageSize(r)
	if err != nil {
		return err
	}
	last := r.URL.Query().Get("last")
	tags, more, err := a.store.Tags(r.Context(), name, last, n)
	if err != nil {
		return err
	}
	if more && len(tags) > 0 {
		setNext(w, "/v2/"+name+"/tags/list", tags[len(tags)-1], n)
	}
	return writeJSON(w, "application/json", map[string]any{"name": name, "tags": tags})
}

// setNext adds the RFC 5988 Link to the next page.
func setNext(w http.ResponseWriter, path, last string, n int) {
	q := url.Values{"last": {last}, "n": {strconv.Itoa(n)}}
	w.Header().Set("Link", "<"+path+"?"+q.Encode()+`>; rel="next"`)
}

func writeJSON(w http.ResponseWriter, contentType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
