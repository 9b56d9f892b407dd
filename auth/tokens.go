package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pier-registry/pier/storage"
)

// Kinds of stored tokens.
const (
	// KindAccess is a long-lived token for CI, used as a password.
	KindAccess = "access"
	// KindRefresh is what /token hands out for offline access (the
	// identity token `docker login` keeps); it only buys bearer tokens.
	KindRefresh = "refresh"
)

// Lifetime limits of stored tokens.
const (
	minTokenTTL = time.Minute
	maxTokenTTL = 3650 * 24 * time.Hour
)

// secretPrefix starts every token secret, so that it is recognisable in a
// password field and by secret scanners.
const secretPrefix = "pier_"

var tokenIDRE = regexp.MustCompile(`^[0-9a-f]{20}$`)

// Token describes a stored token. Its secret is shown once, at creation.
type Token struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Kind    string    `json:"kind"`
	Scopes  []string  `json:"scopes,omitempty"` // empty: everything the user may do
	Client  string    `json:"client,omitempty"` // client_id that asked for a refresh token
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

type tokenRecord struct {
	Token
	Hash string `json:"hash"` // hex SHA-256 of the whole secret
}

// Tokens are the access and refresh tokens kept in a storage Driver.
// Deleting a record revokes the token in every process at once.
type Tokens struct {
	d storage.Driver
}

// NewTokens returns the tokens stored in d.
func NewTokens(d storage.Driver) *Tokens { return &Tokens{d: d} }

// Create makes an access token for user, limited to scopes (grant strings
// such as "repository:alice/*:pull"; none means everything the user may
// do), valid for ttl. It returns the secret, which is not stored.
func (t *Tokens) Create(ctx context.Context, user string, scopes []string, ttl time.Duration) (string, Token, error) {
	gs, err := parseGrants(scopes)
	if err != nil {
		return "", Token{}, err
	}
	canonical := make([]string, len(gs))
	for i, g := range gs {
		canonical[i] = g.String()
	}
	return t.create(ctx, Token{User: user, Kind: KindAccess, Scopes: canonical}, ttl)
}

// createRefresh makes a refresh token for user, valid for ttl.
func (t *Tokens) createRefresh(ctx context.Context, user, client string, ttl time.Duration) (string, Token, error) {
	if len(client) > 128 {
		client = client[:128]
	}
	return t.create(ctx, Token{User: user, Kind: KindRefresh, Client: client}, ttl)
}

func (t *Tokens) create(ctx context.Context, tok Token, ttl time.Duration) (string, Token, error) {
	if ttl < minTokenTTL || ttl > maxTokenTTL {
		return "", Token{}, invalidf("token lifetime %s is outside 1m..3650d", Duration(ttl))
	}
	if _, err := t.d.Stat(ctx, usersPrefix+tok.User); errors.Is(err, storage.ErrNotFound) {
		return "", Token{}, fmt.Errorf("%w: %s", ErrUserNotFound, tok.User)
	} else if err != nil {
		return "", Token{}, err
	}
	tok.ID = randomHex(10)
	secret := secretPrefix + tok.ID + "_" + randomString(32)
	tok.Created = time.Now().UTC().Truncate(time.Second)
	tok.Expires = tok.Created.Add(ttl)
	rec := tokenRecord{Token: tok, Hash: hashSecret(secret)}
	if err := writeRecord(ctx, t.d, tokensPrefix+tok.ID, rec); err != nil {
		return "", Token{}, err
	}
	return secret, tok, nil
}

// Get describes one token. ErrTokenNotFound if there is none.
func (t *Tokens) Get(ctx context.Context, id string) (Token, error) {
	if !tokenIDRE.MatchString(id) {
		return Token{}, fmt.Errorf("%w: %q", ErrTokenNotFound, id)
	}
	var rec tokenRecord
	err := readRecord(ctx, t.d, tokensPrefix+id, &rec)
	if errors.Is(err, storage.ErrNotFound) {
		return Token{}, fmt.Errorf("%w: %s", ErrTokenNotFound, id)
	}
	return rec.Token, err
}

// List returns the tokens of user, or of everyone when user is "".
func (t *Tokens) List(ctx context.Context, user string) ([]Token, error) {
	out := []Token{}
	for info, err := range t.d.List(ctx, tokensPrefix, "") {
		if err != nil {
			return nil, err
		}
		tok, err := t.Get(ctx, strings.TrimPrefix(info.Key, tokensPrefix))
		if errors.Is(err, ErrTokenNotFound) {
			continue // revoked while listing
		} else if err != nil {
			return nil, err
		}
		if user == "" || tok.User == user {
			out = append(out, tok)
		}
	}
	return out, nil
}

// Revoke deletes a token. ErrTokenNotFound if there is none.
func (t *Tokens) Revoke(ctx context.Context, id string) error {
	if _, err := t.Get(ctx, id); err != nil {
		return err
	}
	return t.d.Delete(ctx, tokensPrefix+id)
}

// revokeAll deletes the tokens of user of one kind ("" for every kind).
func (t *Tokens) revokeAll(ctx context.Context, user, kind string) error {
	toks, err := t.List(ctx, user)
	if err != nil {
		return err
	}
	for _, tok := range toks {
		if kind == "" || tok.Kind == kind {
			if err := t.d.Delete(ctx, tokensPrefix+tok.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// check returns the token whose secret this is, when it exists, has not
// expired and its user still exists. Otherwise ErrBadCredentials.
func (t *Tokens) check(ctx context.Context, secret string) (Token, error) {
	id, ok := secretID(secret)
	if !ok {
		return Token{}, ErrBadCredentials
	}
	var rec tokenRecord
	if err := readRecord(ctx, t.d, tokensPrefix+id, &rec); errors.Is(err, storage.ErrNotFound) {
		return Token{}, ErrBadCredentials
	} else if err != nil {
		return Token{}, err
	}
	if subtle.ConstantTimeCompare([]byte(rec.Hash), []byte(hashSecret(secret))) != 1 ||
		!time.Now().Before(rec.Expires) {
		return Token{}, ErrBadCredentials
	}
	if ok, err := recordExists(ctx, t.d, usersPrefix+rec.User); err != nil {
		return Token{}, err
	} else if !ok {
		return Token{}, ErrBadCredentials
	}
	return rec.Token, nil
}

// live reports whether the token id is still stored (not revoked). A
// storage failure is an error (errCheckFailed), not a revocation.
func (t *Tokens) live(ctx context.Context, id string) (bool, error) {
	if !tokenIDRE.MatchString(id) {
		return false, nil
	}
	return recordExists(ctx, t.d, tokensPrefix+id)
}

// IsTokenSecret reports whether s looks like a token secret rather than
// a password.
func IsTokenSecret(s string) bool {
	_, ok := secretID(s)
	return ok
}

// secretID extracts the token id from a secret "pier_<id>_<random>".
func secretID(secret string) (string, bool) {
	rest, ok := strings.CutPrefix(secret, secretPrefix)
	if !ok {
		return "", false
	}
	id, random, ok := strings.Cut(rest, "_")
	return id, ok && tokenIDRE.MatchString(id) && len(random) >= 32
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
