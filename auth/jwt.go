package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clockSkew is how far apart the clocks of pier replicas and external
// token servers may be.
const clockSkew = 10 * time.Second

// maxTokenLength refuses absurd bearer tokens before parsing them.
const maxTokenLength = 16 << 10

// How a caller logged in, recorded in the tokens issued to it.
const (
	viaPassword = "password"
	viaToken    = "token"   // an access token as password
	viaRefresh  = "refresh" // a refresh token
	viaExternal = "external"
)

// resourceActions is one entry of the access claim (Docker token spec).
type resourceActions struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// claims are the JWT claims of a bearer token.
type claims struct {
	jwt.RegisteredClaims
	Access []resourceActions `json:"access"`
	// Via, TokenID and Scopes are pier's own: how the subject logged in,
	// the stored token it used (so that revoking it stops this token at
	// once) and that token's scopes (for Allowed).
	Via     string   `json:"via,omitempty"`
	TokenID string   `json:"tid,omitempty"`
	Scopes  []string `json:"lim,omitempty"`
}

// caller is who logged in, and with what.
type caller struct {
	Subject
	via    string
	token  *Token    // the stored token used, if any
	secret string    // that token's secret, when the caller presented it
	access []Access  // from a bearer token: what it grants
	expiry time.Time // the login cannot outlive this (zero: no bound)
}

// mint signs a bearer token granting access to c.
func (s *Service) mint(ctx context.Context, c caller, access []Access) (string, time.Time, time.Time, error) {
	now := time.Now().Truncate(time.Second)
	exp := now.Add(time.Duration(s.cfg.TokenLifetime))
	if !c.expiry.IsZero() && c.expiry.Before(exp) {
		exp = c.expiry
	}
	cl := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: c.Name, Audience: jwt.ClaimStrings{s.cfg.Service},
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: jwt.NewNumericDate(now),
			IssuedAt: jwt.NewNumericDate(now), ID: randomString(16),
		},
		Access: []resourceActions{},
		Via:    c.via,
	}
	for _, a := range access {
		cl.Access = append(cl.Access, resourceActions{a.Type, a.Name, a.Actions})
	}
	if c.token != nil {
		cl.TokenID, cl.Scopes = c.token.ID, c.token.Scopes
	}
	kid, priv := s.keys.signer(ctx)
	t := jwt.NewWithClaims(jwt.SigningMethodES256, cl)
	t.Header["kid"] = kid
	signed, err := t.SignedString(priv)
	if err != nil {
		return "", time.Time{}, time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return signed, now, exp, nil
}

// errRevoked is why a well-signed token of a removed user or a revoked
// stored token is refused.
var errRevoked = errors.New("token revoked")

// verify checks a bearer token: signature by a trusted key with an
// algorithm that key allows, issuer, audience, expiry, not-before; and,
// for pier's own tokens, that its user and stored token still exist.
func (s *Service) verify(ctx context.Context, raw string) (caller, error) {
	if len(raw) > maxTokenLength {
		return caller{}, errors.New("token too long")
	}
	ck := verifiedKey(raw)
	if v, ok := s.verified.get(ck, time.Now()); ok && s.stillTrusted(ctx, v) {
		return s.callerOf(ctx, v.cl)
	}
	v := verifiedToken{}
	p := jwt.NewParser(jwt.WithValidMethods(allMethods), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithLeeway(clockSkew), jwt.WithStrictDecoding())
	_, err := p.ParseWithClaims(raw, &v.cl, func(t *jwt.Token) (any, error) {
		key, err := s.verificationKey(ctx, t, &v.cl)
		v.kid, _ = t.Header["kid"].(string)
		v.key = key
		return key, err
	})
	if err != nil {
		return caller{}, err
	}
	s.verified.add(ck, v)
	return s.callerOf(ctx, v.cl)
}

// callerOf turns verified claims into a caller.
func (s *Service) callerOf(ctx context.Context, cl claims) (caller, error) {
	if is := s.issuers[cl.Issuer]; is != nil {
		return externalCaller(cl), nil
	}
	return s.ownCaller(ctx, cl)
}

// allMethods are every algorithm any trusted key may use.
var allMethods = []string{"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}

// verificationKey picks the key for t by issuer and kid, after checking
// the audience, and refuses an algorithm that does not fit the key (an
// HS256 token "signed" with a public key, say).
func (s *Service) verificationKey(ctx context.Context, t *jwt.Token, cl *claims) (any, error) {
	kid, _ := t.Header["kid"].(string)
	var key any
	var ok bool
	switch is := s.issuers[cl.Issuer]; {
	case cl.Issuer == s.cfg.Issuer:
		if !slices.Contains(cl.Audience, s.cfg.Service) {
			return nil, errors.New("wrong audience")
		}
		key, ok = s.keys.verifier(ctx, kid)
	case is != nil:
		if !slices.Contains(cl.Audience, is.audience) {
			return nil, errors.New("wrong audience")
		}
		key, ok = is.key(kid)
	default:
		return nil, errors.New("unknown issuer")
	}
	if !ok {
		return nil, errors.New("unknown signing key")
	}
	if !slices.Contains(methodsFor(key), t.Method.Alg()) {
		return nil, errors.New("algorithm does not match the key")
	}
	return key, nil
}

// ownCaller turns verified claims of pier's issuer into a caller, checking
// that nothing it rests on was removed since it was issued.
func (s *Service) ownCaller(ctx context.Context, cl claims) (caller, error) {
	c := caller{Subject: Subject{Name: cl.Subject}, via: cl.Via, access: accessOf(cl.Access)}
	switch {
	case cl.TokenID != "":
		if live, err := s.tokens.live(ctx, cl.TokenID); err != nil {
			return caller{}, err
		} else if !live {
			return caller{}, errRevoked
		}
		c.token = &Token{ID: cl.TokenID, User: cl.Subject, Scopes: cl.Scopes}
	case cl.Subject != "":
		if ok, err := s.users.exists(ctx, cl.Subject); err != nil {
			return caller{}, err
		} else if !ok {
			return caller{}, errRevoked
		}
	}
	if len(cl.Scopes) > 0 {
		gs, err := parseGrants(cl.Scopes)
		if err != nil {
			return caller{}, err
		}
		c.limit = &limit{grants: gs}
	}
	return c, nil
}

// externalCaller trusts the access claim of an external issuer as it is;
// entries that are not valid scopes are dropped.
func externalCaller(cl claims) caller {
	access := accessOf(cl.Access)
	gs := make([]grant, 0, len(access))
	for _, a := range access {
		if p, err := parsePattern(a.Name); err == nil {
			gs = append(gs, grant{typ: a.Type, name: p, actions: a.Actions})
		}
	}
	return caller{
		Subject: Subject{Name: cl.Subject, limit: &limit{grants: gs, external: true}},
		via:     viaExternal, access: access,
	}
}

// accessOf converts an access claim to Access values. Entries that do not
// parse as scopes grant nothing: an external issuer may know resource
// types pier does not.
func accessOf(ras []resourceActions) []Access {
	var out []Access
	for _, ra := range ras {
		a, err := ParseScope(ra.Type + ":" + ra.Name + ":" + strings.Join(ra.Actions, ","))
		if err == nil {
			out = append(out, a)
		}
	}
	return out
}
