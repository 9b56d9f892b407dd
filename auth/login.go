package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxNameKey bounds the user names kept by the brute-force limiter.
const maxNameKey = 128

// credentials are what an Authorization header carried.
type credentials struct {
	scheme string // "" (none), "basic", "bearer" or another scheme
	user   string // basic only
	secret string // password, access token or bearer token
}

// parseAuthorization reads the Authorization header of r.
func parseAuthorization(r *http.Request) credentials {
	h := r.Header.Get("Authorization")
	if h == "" {
		return credentials{}
	}
	scheme, rest, _ := strings.Cut(h, " ")
	c := credentials{scheme: strings.ToLower(scheme)}
	switch c.scheme {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if user, pass, ok := strings.Cut(string(raw), ":"); err == nil && ok {
			c.user, c.secret = user, pass
		}
	case "bearer":
		c.secret = strings.TrimSpace(rest)
	}
	return c
}

// clientAddr is the address brute-force limits count against: the peer
// of the connection, which a client cannot forge with a header.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// login checks a user name with a password or an access token, under the
// brute-force limits. It returns a *RetryError while the caller is locked
// and ErrBadCredentials for a wrong name, password or token.
func (s *Service) login(ctx context.Context, r *http.Request, name, secret string) (caller, error) {
	key := name[:min(len(name), maxNameKey)]
	addr := clientAddr(r)
	if d := s.limiter.wait(key, addr, time.Now()); d > 0 {
		s.event(r, "login_refused", key, "retry_after", d.Round(time.Second).String())
		return caller{}, &RetryError{After: d}
	}
	c, err := s.checkSecret(ctx, name, secret)
	if errors.Is(err, ErrBadCredentials) {
		s.limiter.failed(key, addr, time.Now())
		s.event(r, "login_failed", key)
		return caller{}, err
	} else if err != nil {
		return caller{}, err
	}
	s.limiter.succeeded(key)
	s.event(r, "login_ok", name, "via", c.via)
	return c, nil
}

// checkSecret checks a password, or an access token of the named user.
func (s *Service) checkSecret(ctx context.Context, name, secret string) (caller, error) {
	if !IsTokenSecret(secret) {
		if err := s.users.Check(ctx, name, secret); err != nil {
			return caller{}, err
		}
		return caller{Subject: Subject{Name: name}, via: viaPassword}, nil
	}
	tok, err := s.tokens.check(ctx, secret)
	if err != nil {
		return caller{}, err
	}
	if tok.Kind != KindAccess || tok.User != name {
		return caller{}, ErrBadCredentials
	}
	return tokenCaller(tok, viaToken, secret)
}

// loginRefresh checks a refresh token (or an access token handed out as
// one), under the brute-force limit of the client address.
func (s *Service) loginRefresh(ctx context.Context, r *http.Request, secret string) (caller, error) {
	addr := clientAddr(r)
	if d := s.limiter.wait("", addr, time.Now()); d > 0 {
		return caller{}, &RetryError{After: d}
	}
	tok, err := s.tokens.check(ctx, secret)
	if errors.Is(err, ErrBadCredentials) {
		s.limiter.failed("", addr, time.Now())
		s.event(r, "refresh_failed", "")
		return caller{}, err
	} else if err != nil {
		return caller{}, err
	}
	via := viaRefresh
	if tok.Kind == KindAccess {
		via = viaToken
	}
	return tokenCaller(tok, via, secret)
}

// tokenCaller is the caller that logged in with a stored token.
func tokenCaller(tok Token, via, secret string) (caller, error) {
	c := caller{Subject: Subject{Name: tok.User}, via: via, token: &tok, secret: secret, expiry: tok.Expires}
	if len(tok.Scopes) > 0 {
		gs, err := parseGrants(tok.Scopes)
		if err != nil {
			return caller{}, err
		}
		c.limit = &limit{grants: gs}
	}
	return c, nil
}

// event writes one line of the auth event log.
func (s *Service) event(r *http.Request, event, user string, attrs ...any) {
	level := slog.LevelInfo
	if event != "login_ok" && event != "token_issued" {
		level = slog.LevelWarn
	}
	attrs = append([]any{"event", event, "user", user, "addr", clientAddr(r)}, attrs...)
	s.log.Log(r.Context(), level, "auth", attrs...)
}
