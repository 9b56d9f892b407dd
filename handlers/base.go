package handlers

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
)

// base answers GET /v2/: the API is here, and the caller may use it.
func (a *api) base(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.auth.Authorize(r, nil); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte("{}"))
	}
	return nil
}

// repo validates the {name} of r and checks that the caller may perform
// actions on it. It returns the name and who is asking.
func (a *api) repo(r *http.Request, actions ...string) (string, auth.Subject, error) {
	name := mux.Vars(r)["name"]
	if err := storage.ValidName(name); err != nil {
		return "", auth.Subject{}, err
	}
	who, err := a.auth.Authorize(r, []auth.Access{auth.Repository(name, actions...)})
	return name, who, err
}

// repoDigest is repo for the routes that also name a {digest}: it returns
// the repository, who asks and the parsed digest.
func (a *api) repoDigest(r *http.Request, actions ...string) (string, auth.Subject, digest.Digest, error) {
	name, who, err := a.repo(r, actions...)
	if err != nil {
		return "", who, "", err
	}
	d, err := storage.ParseDigest(mux.Vars(r)["digest"])
	return name, who, d, err
}

// noContent finishes a reply that has no body.
func noContent(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}

func blobLocation(name string, d digest.Digest) string {
	return "/v2/" + name + "/blobs/" + d.String()
}

// pageSize parses the "n" query parameter: -1 when absent.
func pageSize(r *http.Request) (int, error) {
	s := r.URL.Query().Get("n")
	if s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badRequest("n must be a non-negative integer, not %q", s)
	}
	return n, nil
}
