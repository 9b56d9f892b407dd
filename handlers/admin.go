package handlers

import (
	"net/http"

	"github.com/pier-registry/pier/auth"
)

// deleteRepository serves DELETE /api/v1/repositories/<name>: the
// repository's tags, manifests and blob links go, and it leaves the
// catalog; garbage collection reclaims the content nothing else uses.
// 202 on success; 404 NAME_UNKNOWN; 403 DENIED without delete access to
// the repository, or when a policy makes one of its tags immutable.
func (a *api) deleteRepository(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionDelete)
	if err != nil {
		return err
	}
	if err := a.store.DeleteRepository(r.Context(), name); err != nil {
		return err
	}
	noContent(w, http.StatusAccepted)
	return nil
}
