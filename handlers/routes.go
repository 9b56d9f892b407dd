package handlers

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// name matches any repository name; the handlers validate it, so a bad
// name is a 400 NAME_INVALID rather than a 404 from the router. Every
// pattern ends in fixed words and one last segment, so names such as
// "a/blobs" work (routes_test.go); the lazy .+? finds that split with
// less backtracking than .+ (a blob path: 1.0 µs instead of 2.5, and mux
// matches it twice).
const name = "/v2/{name:.+?}"

// routes is the API's one route table. Each line cites its endpoint in the
// distribution-spec's table ("end-N").
func routes(a *api, token http.Handler) http.Handler {
	r := mux.NewRouter()
	r.SkipClean(true)
	r.NotFoundHandler = a.handle(func(http.ResponseWriter, *http.Request) error { return errNotFound })
	r.MethodNotAllowedHandler = a.handle(a.methodNotAllowed)

	// Pulls first: mux tries routes in order, and each pattern that fails
	// on a path costs a regexp backtrack over all of it (~3 µs measured
	// with bench/). No path matches two patterns, so order is free.
	r.Handle(name+"/manifests/{reference}", a.handle(a.getManifest)).Methods("GET", "HEAD") // end-3
	r.Handle(name+"/blobs/{digest}", a.handle(a.getBlob)).Methods("GET", "HEAD")            // end-2
	r.Handle("/v2/", a.handle(a.base)).Methods("GET", "HEAD")                               // end-1
	r.Handle("/v2/_catalog", a.handle(a.catalog)).Methods("GET")                            // catalog
	r.Handle(name+"/blobs/uploads/", a.handle(a.startUpload)).Methods("POST")               // end-4a/4b/4c/11
	r.Handle(name+"/blobs/uploads/{id}", a.handle(a.uploadStatus)).Methods("GET")           // end-13
	r.Handle(name+"/blobs/uploads/{id}", a.handle(a.patchUpload)).Methods("PATCH")          // end-5
	r.Handle(name+"/blobs/uploads/{id}", a.handle(a.finishUpload)).Methods("PUT")           // end-6
	r.Handle(name+"/blobs/uploads/{id}", a.handle(a.cancelUpload)).Methods("DELETE")        // end-14
	r.Handle(name+"/blobs/{digest}", a.handle(a.deleteBlob)).Methods("DELETE")              // end-10
	r.Handle(name+"/manifests/{reference}", a.handle(a.putManifest)).Methods("PUT")         // end-7a/7b
	r.Handle(name+"/manifests/{reference}", a.handle(a.deleteManifest)).Methods("DELETE")   // end-9
	r.Handle(name+"/tags/list", a.handle(a.listTags)).Methods("GET")                        // end-8a/8b
	r.Handle(name+"/referrers/{digest}", a.handle(a.referrers)).Methods("GET")              // end-12a/12b
	r.Handle("/v2", http.RedirectHandler("/v2/", http.StatusMovedPermanently))

	r.Handle("/api/v1/repositories/{name:.+}", a.handle(a.deleteRepository)).Methods("DELETE") // admin.go
	if token != nil {
		r.Handle("/token", token)
		r.PathPrefix("/api/v1/tokens").Handler(token)
	}
	a.recordRoutes(r)
	return apiVersion(r)
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
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		}
		next.ServeHTTP(w, r)
	})
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	writeJSONError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", r.Method+" is not supported here")
	return nil
}
