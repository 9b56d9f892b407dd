// Package handlers serves the OCI distribution API over a storage.Store.
package handlers

import (
	"log/slog"
	"net/http"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/storage"
)

// Options are what the API needs to serve.
type Options struct {
	Store *storage.Store
	Auth  auth.Authorizer // nil: auth.AllowAll
	Token http.Handler    // served at /token when not nil
	Log   *slog.Logger    // nil: slog.Default()
	// Events hears of every push, delete and tag change; nil: nobody.
	Events events.Notifier
	// RouteObserver, when not nil, is told the path template of the route
	// that serves each request, before the handler runs.
	RouteObserver func(r *http.Request, route string)
}

// New returns the handler for /v2/ (and /token when configured).
func New(o Options) http.Handler {
	if o.Auth == nil {
		o.Auth = auth.AllowAll{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.RouteObserver == nil {
		o.RouteObserver = func(*http.Request, string) {}
	}
	return routes(&api{store: o.Store, auth: o.Auth, log: o.Log, events: o.Events, observeRoute: o.RouteObserver}, o.Token)
}

type api struct {
	store *storage.Store
	auth  auth.Authorizer
	log   *slog.Logger

	events       events.Notifier
	observeRoute func(*http.Request, string)
}
