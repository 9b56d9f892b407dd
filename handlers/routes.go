package handlers

import (
	"net/http"

	"github.com/gorilla/mux"
)

// name matches any repository name; the handlers validate it, so a bad
// name is a 400 NAME_INVALID rather than a 404 from the router. The greedy
// match keeps names such as "a/blobs" working.
const name = "/{name:.+}"

// routes is the API's one route table. Each line cites its endpoint in the
// distribution-spec's table ("end-N").
func routes(a *api, token http.Handler) http.Handler {
	r := mux.NewRouter()
	r.SkipClean(true)
	r.NotFoundHandler = a.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound })
	r.MethodNotAllowedHandler = a.handle(a.methodNotAllowed)

	v2 := r.PathPrefix("/v2").Subrouter()
	v2.Use(apiVersion)
	v2.Handle("/", a.handle(a.base)).Methods("GET", "HEAD")                                  // end-1
	v2.Handle("/_catalog", a.handle(a.catalog)).Methods("GET")                               // catalog
	v2.Handle(name+"/blobs/uploads/", a.handle(a.startUpload)).Methods("POST")               // end-4a/4b/4c/11
	v2.Handle(name+"/blobs/uploads/{id}", a.handle(a.uploadStatus)).Methods("GET")           // end-13
	v2.Handle(name+"/blobs/uploads/{id}", a.handle(a.patchUpload)).Methods("PATCH")          // end-5
	v2.Handle(name+"/blobs/uploads/{id}", a.handle(a.finishUpload)).Methods("PUT")           // end-6
	v2.Handle(name+"/blobs/uploads/{id}", a.handle(a.cancelUpload)).Methods("DELETE")        // end-14
	v2.Handle(name+"/blobs/{digest}", a.handle(a.getBlob)).Methods("GET", "HEAD")            // end-2
	v2.Handle(name+"/blobs/{digest}", a.handle(a.deleteBlob)).Methods("DELETE")              // end-10
	v2.Handle(name+"/manifests/{reference}", a.handle(a.getManifest)).Methods("GET", "HEAD") // end-3
	v2.Handle(name+"/manifests/{reference}", a.handle(a.putManifest)).Methods("PUT")         // end-7a/7b
	v2.Handle(name+"/manifests/{reference}", a.handle(a.deleteManifest)).Methods("DELETE")   // end-9
	v2.Handle(name+"/tags/list", a.handle(a.listTags)).Methods("GET")                        // end-8a/8b
	v2.Handle(name+"/referrers/{digest}", a.handle(a.referrers)).Methods("GET")              // end-12a/12b
	r.Handle("/v2", http.RedirectHandler("/v2/", http.StatusMovedPermanently))
	if token != nil {
		r.Handle("/token", token)
		r.PathPrefix("/api/v1/tokens").Handler(token)
	}
	return r
}

// handle adapts a handler that returns an error: the one place errors are
// written, through errors.go.
func (a *api) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// apiVersion marks every /v2/ answer; docker checks it on GET /v2/.
func apiVersion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		next.ServeHTTP(w, r)
	})
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	writeJSONError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", r.Method+" is not supported here")
	return nil
}
