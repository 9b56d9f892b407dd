package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// tlsSetup is what serving HTTPS needs: the TLS configuration, and for
// ACME's HTTP-01 challenges a plain HTTP server beside the main one.
type tlsSetup struct {
	config    *tls.Config
	challenge *http.Server // nil without acme.httpAddr
}

// setupTLS prepares HTTPS as configured, or returns nil for plain HTTP.
// Certificate files are watched until ctx is done.
func (s *Server) setupTLS(ctx context.Context) (*tlsSetup, error) {
	c := s.cfg.TLS
	if !c.Enabled() {
		return nil, nil
	}
	if c.CertFile != "" {
		r, err := newCertReloader(c.CertFile, c.KeyFile, s.log)
		if err != nil {
			return nil, err
		}
		if err := r.watch(ctx); err != nil {
			// Still serve: only reloading is lost, and the log says so.
			s.log.Warn("tls: certificates will not be reloaded on change", "err", err)
		}
		return &tlsSetup{config: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.GetCertificate}}, nil
	}
	if s.driver == nil {
		return nil, errors.New("tls.acme: needs the storage to keep its certificates")
	}
	m := acmeManager(c.ACME, s.driver)
	setup := &tlsSetup{config: m.TLSConfig()}
	setup.config.MinVersion = tls.VersionTLS12
	if c.ACME.HTTPAddr != "" {
		setup.challenge = &http.Server{
			Addr:              c.ACME.HTTPAddr,
			Handler:           m.HTTPHandler(nil), // challenges; everything else is redirected to https
			ReadHeaderTimeout: s.cfg.HTTP.ReadHeaderTimeout,
			IdleTimeout:       s.cfg.HTTP.IdleTimeout,
			MaxHeaderBytes:    s.cfg.HTTP.MaxHeaderBytes,
		}
	}
	return setup, nil
}

// start begins serving ln with t (or plain HTTP when t is nil), and the
// challenge server when there is one. Errors arrive on done.
func (s *Server) start(t *tlsSetup, ln net.Listener, done chan<- error) error {
	if t == nil {
		go func() { done <- s.http.Serve(ln) }()
		return nil
	}
	s.http.TLSConfig = t.config
	if t.challenge != nil {
		cl, err := net.Listen("tcp", t.challenge.Addr)
		if err != nil {
			return fmt.Errorf("tls.acme.httpAddr: listen: %w", err)
		}
		s.log.Info("serving ACME HTTP-01 challenges", "addr", cl.Addr().String())
		go func() {
			if err := t.challenge.Serve(cl); !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("ACME challenge server stopped", "err", err)
			}
		}()
	}
	// ServeTLS sets up HTTP/2; the certificates come from TLSConfig.
	go func() { done <- s.http.ServeTLS(ln, "", "") }()
	return nil
}

// stopChallenge shuts the challenge server down with the main one.
func (t *tlsSetup) stopChallenge(ctx context.Context) {
	if t != nil && t.challenge != nil {
		_ = t.challenge.Shutdown(ctx)
	}
}
