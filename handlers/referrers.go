package handlers

import (
	"net/http"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/pier-registry/pier/auth"
)

// referrers serves GET /v2/<name>/referrers/<digest>, optionally filtered
// by ?artifactType= (end-12a, end-12b). Never a 404: no referrers is an
// empty index (spec "Listing Referrers").
func (a *api) referrers(w http.ResponseWriter, r *http.Request) error {
	name, _, d, err := a.repoDigest(r, auth.ActionPull)
	if err != nil {
		return err
	}
	at := r.URL.Query().Get("artifactType")
	list, err := a.store.Referrers(r.Context(), name, d, at)
	if err != nil {
		return err
	}
	if at != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	idx := v1.Index{MediaType: v1.MediaTypeImageIndex, Manifests: list}
	idx.SchemaVersion = 2
	return writeJSON(w, v1.MediaTypeImageIndex, idx)
}
