package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/pier-registry/pier/storage"
)

const (
	pathHealthz = "/healthz"
	pathReadyz  = "/readyz"
	// readyKey is never written: Stat answering "not found" proves the
	// storage answers at all.
	readyKey     = "_readyz"
	readyTimeout = 5 * time.Second
)

// healthz answers 200 while the process serves HTTP.
func healthz(w http.ResponseWriter, r *http.Request) {
	if !probeMethod(w, r) {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the storage is reachable, 503 otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !probeMethod(w, r) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := s.driver.Stat(ctx, readyKey); err != nil && !errors.Is(err, storage.ErrNotFound) {
		s.log.WarnContext(r.Context(), "storage not reachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("storage not reachable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func probeMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}
