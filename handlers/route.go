package handlers

import (
	"net/http"
	"regexp"

	"github.com/gorilla/mux"
)

// recordRoute tells the RouteObserver which route matched, as its path
// template ("/v2/{name}/blobs/{digest}"): a label of bounded cardinality
// for metrics, unlike the path itself.
func (a *api) recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := mux.CurrentRoute(r); route != nil {
			if tmpl, err := route.GetPathTemplate(); err == nil {
				a.observeRoute(r, routePattern.ReplaceAllString(tmpl, "{$1}"))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// routePattern matches a variable with its regexp, "{name:.+}".
var routePattern = regexp.MustCompile(`\{([^:{}]+):[^{}]*\}`)
