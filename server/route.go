package server

import "net/http"

// RecordRoute notes which route serves r, as a path template such as
// "/v2/{name}/blobs/{digest}", for the access log and the metrics. Pass it
// to handlers.Options.RouteObserver.
func RecordRoute(r *http.Request, route string) {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		info.route.Store(&route)
	}
}

// routeOf returns the route recorded for r, or "".
func routeOf(r *http.Request) string {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		if route := info.route.Load(); route != nil {
			return *route
		}
	}
	return ""
}
