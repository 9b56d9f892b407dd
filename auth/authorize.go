package auth

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

// Authorize returns who made r when every Access in want is granted; want
// empty means any logged-in caller. Credentials are a bearer token from
// /token (pier's or a trusted issuer's) or Basic with a password or an
// access token. It returns a *Challenge (401) to log in or to fetch a
// token with more scope, ErrDenied (403) when the caller is known but
// the policy refuses, or a *RetryError (ErrTooMany) while locked out.
func (s *Service) Authorize(r *http.Request, want []Access) (Subject, error) {
	cred := parseAuthorization(r)
	switch cred.scheme {
	case "":
		if len(want) > 0 && s.all(r.Context(), Subject{}, want) {
			return Subject{}, nil
		}
		return Subject{}, s.challenge(r, want, "")
	case "basic":
		return s.authorizeBasic(r, cred, want)
	case "bearer":
		return s.authorizeBearer(r, cred, want)
	}
	return Subject{}, s.challenge(r, want, "")
}

func (s *Service) authorizeBasic(r *http.Request, cred credentials, want []Access) (Subject, error) {
	c, err := s.login(r.Context(), r, cred.user, cred.secret)
	var retry *RetryError
	switch {
	case errors.As(err, &retry):
		return Subject{}, err
	case errors.Is(err, ErrBadCredentials):
		return Subject{}, s.challenge(r, want, "")
	case err != nil:
		return Subject{}, err
	}
	if !s.all(r.Context(), c.Subject, want) {
		s.event(r, "denied", c.Name, "scope", scopeList(want))
		return Subject{}, ErrDenied
	}
	return c.Subject, nil
}

func (s *Service) authorizeBearer(r *http.Request, cred credentials, want []Access) (Subject, error) {
	c, err := s.verify(r.Context(), cred.secret)
	if err != nil {
		if ctxErr := r.Context().Err(); ctxErr != nil {
			return Subject{}, ctxErr
		}
		if errors.Is(err, errCheckFailed) {
			return Subject{}, err // the token may be fine: say the storage failed
		}
		s.event(r, "token_refused", "", "reason", err.Error())
		return Subject{}, s.challenge(r, want, "invalid_token")
	}
	for _, w := range want {
		if covers(grantedBy(c.access, w), w.Actions) {
			continue
		}
		// The token lacks the scope. If the policy would grant it, the
		// client should fetch a better token; if not, say no for good.
		if c.Anonymous() || s.all(r.Context(), c.Subject, []Access{w}) {
			return Subject{}, s.challenge(r, want, "insufficient_scope")
		}
		s.event(r, "denied", c.Name, "scope", w.Scope())
		return Subject{}, ErrDenied
	}
	return c.Subject, nil
}

// Allowed reports which of a.Actions sub may perform: what the policy
// grants its user, narrowed by the access token it used; for a subject of
// an external issuer, what that issuer's token granted.
func (s *Service) Allowed(_ context.Context, sub Subject, a Access) []string {
	var acts []string
	if sub.limit != nil && sub.limit.external {
		acts = a.Actions
	} else {
		acts = s.policy.allowed(sub.Name, a)
	}
	if sub.limit != nil {
		acts = intersect(acts, allowedBy(sub.limit.grants, a))
	}
	return acts
}

// all reports whether sub may do everything in want.
func (s *Service) all(ctx context.Context, sub Subject, want []Access) bool {
	for _, w := range want {
		if !covers(s.Allowed(ctx, sub, w), w.Actions) {
			return false
		}
	}
	return true
}

// grantedBy returns the actions of want that the access list grants.
func grantedBy(access []Access, want Access) []string {
	var have []string
	for _, a := range access {
		if a.Type == want.Type && a.Name == want.Name {
			have = append(have, a.Actions...)
		}
	}
	return intersect(want.Actions, have)
}

// challenge is the 401 for r: a Bearer challenge naming the scopes want
// needs and, with a token in hand, why it was not enough.
func (s *Service) challenge(r *http.Request, want []Access, reason string) *Challenge {
	c := &Challenge{Realm: s.realm(r), Service: s.cfg.Service, Err: reason}
	for _, w := range want {
		c.Scopes = append(c.Scopes, w.Scope())
	}
	return c
}

// hostRE is what a Host header may hold to be echoed in a realm.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9.\-:\[\]]+$`)

// realm is the configured token URL, or one derived from r: https when
// the connection is TLS or a proxy says so in X-Forwarded-Proto, the Host
// header as sent, and the path /token.
func (s *Service) realm(r *http.Request) string {
	if s.cfg.Realm != "" {
		return s.cfg.Realm
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	if p := strings.ToLower(strings.TrimSpace(proto)); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if !hostRE.MatchString(host) {
		// net/http already refuses malformed Host headers; this keeps
		// anything odd out of a quoted header value all the same.
		host = "localhost"
	}
	return scheme + "://" + host + "/token"
}

// scopeList renders access as a space-separated scope list.
func scopeList(access []Access) string {
	parts := make([]string, len(access))
	for i, a := range access {
		parts[i] = a.Scope()
	}
	return strings.Join(parts, " ")
}
