package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/pier-registry/pier/storage"
)

// Server is pier's HTTP server: the API handler behind request ids, access
// logs and panic recovery, beside the health endpoints.
type Server struct {
	cfg     Config
	log     *slog.Logger
	driver  storage.Driver
	api     http.Handler
	metrics *Metrics
	http    *http.Server
}

// Option configures a Server beyond its Config.
type Option func(*Server)

// WithMetrics records requests in m and serves it at /metrics.
func WithMetrics(m *Metrics) Option { return func(s *Server) { s.metrics = m } }

// New returns a server for the API handler api (the /v2/ routes and
// /token), checking readiness against driver. cfg must be valid.
func New(cfg Config, api http.Handler, driver storage.Driver, log *slog.Logger, opts ...Option) *Server {
	s := &Server{cfg: cfg, log: log, driver: driver, api: api}
	for _, o := range opts {
		o(s)
	}
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler returns everything the server serves, middleware included.
func (s *Server) Handler() http.Handler {
	return withRequestID(withAccessLog(s.log, s.metrics, withRecovery(s.log, http.HandlerFunc(s.route))))
}

// route sends probes to their handlers and everything else to the API.
// It is a switch rather than an http.ServeMux because ServeMux would
// redirect repository paths it considers unclean.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathHealthz:
		RecordRoute(r, pathHealthz)
		healthz(w, r)
	case pathReadyz:
		RecordRoute(r, pathReadyz)
		s.readyz(w, r)
	case pathMetrics:
		if s.metrics == nil {
			s.api.ServeHTTP(w, r)
			return
		}
		RecordRoute(r, pathMetrics)
		s.metrics.Handler().ServeHTTP(w, r)
	default:
		s.api.ServeHTTP(w, r)
	}
}

// Run listens on the configured address and serves until ctx is done,
// then shuts down gracefully (see Serve).
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves connections from ln until ctx is done. Then it stops
// accepting, lets requests in flight finish for up to the shutdown timeout,
// and closes what is left. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	t, err := s.setupTLS(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	done := make(chan error, 1)
	if err := s.start(t, ln, done); err != nil {
		ln.Close()
		return err
	}
	s.log.Info("pier listening", "addr", ln.Addr().String(), "tls", t != nil)
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	timeout := s.cfg.HTTP.ShutdownTimeout
	s.log.Info("shutting down: waiting for requests in flight", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	t.stopChallenge(sctx)
	err = s.http.Shutdown(sctx)
	if err != nil {
		_ = s.http.Close()
		err = fmt.Errorf("shutdown: requests still running after %v were cut off: %w", timeout, err)
	}
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if err == nil {
		s.log.Info("stopped")
	}
	return err
}
