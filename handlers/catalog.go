package handlers

import (
	"net/http"

	"github.com/pier-registry/pier/auth"
)

// catalog serves GET /v2/_catalog with n and last: the repositories the
// caller may pull from, in byte order.
func (a *api) catalog(w http.ResponseWriter, r *http.Request) error {
	who, err := a.auth.Authorize(r, []auth.Access{{Type: "registry", Name: "catalog", Actions: []string{"*"}}})
	if err != nil {
		return err
	}
	n, err := pageSize(r)
	if err != nil {
		return err
	}
	keep := func(repo string) bool {
		return mayPull(a.auth.Allowed(r.Context(), who, auth.Repository(repo, auth.ActionPull)))
	}
	names, more, err := a.store.Catalog(r.Context(), r.URL.Query().Get("last"), n, keep)
	if err != nil {
		return err
	}
	if more && len(names) > 0 {
		setNext(w, "/v2/_catalog", names[len(names)-1], n)
	}
	return writeJSON(w, "application/json", map[string]any{"repositories": names})
}
