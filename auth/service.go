package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/pier-registry/pier/storage"
)

// Service is pier's auth: it checks requests (Authorizer), runs the token
// server and the access-token API (Handler), over users, keys and tokens
// kept in a storage Driver.
type Service struct {
	cfg     Config
	log     *slog.Logger
	d       storage.Driver
	users   *Users
	tokens  *Tokens
	keys    *keyring
	policy  *policy
	limiter *limiter
	issuers map[string]*issuer
	handler http.Handler
	// verified caches bearer tokens already verified (verified.go).
	verified verifiedCache
}

var _ Authorizer = (*Service)(nil)

// New checks cfg, loads the configured keys, makes sure a signing key
// exists and, when the storage has no users at all, creates `admin` with
// cfg.AdminPassword or a random password that it logs once.
func New(ctx context.Context, cfg Config, d storage.Driver, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	pol, err := newPolicy(cfg)
	if err != nil {
		return nil, err
	}
	static, err := loadPEMFiles(cfg.VerificationKeys)
	if err != nil {
		return nil, fmt.Errorf("auth.verificationKeys: %w", err)
	}
	issuers := map[string]*issuer{}
	for _, c := range cfg.Issuers {
		if issuers[c.Issuer], err = loadIssuer(c); err != nil {
			return nil, err
		}
	}
	keys, err := newKeyring(ctx, d, static, log)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: cfg, log: log, d: d, users: NewUsers(d), tokens: NewTokens(d), keys: keys,
		policy: pol, limiter: newLimiter(cfg.BruteForce), issuers: issuers,
	}
	if err := s.bootstrap(ctx); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Handler serves GET and POST /token and the access-token API under
// /api/v1/tokens.
func (s *Service) Handler() http.Handler { return s.handler }

// RotateKey makes a new signing key, effective at once in this process.
func (s *Service) RotateKey(ctx context.Context) (string, error) {
	kid, err := RotateKey(ctx, s.d)
	if err != nil {
		return "", err
	}
	return kid, s.keys.refresh(ctx)
}

// RetireKey stops trusting a signing key, at once in this process.
func (s *Service) RetireKey(ctx context.Context, kid string) error {
	if err := RetireKey(ctx, s.d, kid); err != nil {
		return err
	}
	return s.keys.refresh(ctx)
}

// bootstrap creates `admin` when there are no users.
func (s *Service) bootstrap(ctx context.Context) error {
	for _, err := range s.d.List(ctx, usersPrefix, "") {
		if err != nil {
			return err
		}
		return nil // some user exists
	}
	password, random := s.cfg.AdminPassword, s.cfg.AdminPassword == ""
	if random {
		password = randomString(18)
	}
	err := s.users.Add(ctx, AdminUser, password)
	if errors.Is(err, ErrUserExists) {
		return nil // another replica was faster
	} else if err != nil {
		return fmt.Errorf("auth: create user %s: %w", AdminUser, err)
	}
	switch {
	case !random:
		s.log.Info("auth: created user admin with the password from PIER_ADMIN_PASSWORD")
	case s.users.Check(ctx, AdminUser, password) != nil:
		// Another replica created admin at the same moment and won; its
		// password is the one in its log.
		s.log.Info("auth: user admin was created by another process")
	default:
		s.log.Warn("auth: created user admin with a random password, shown only this once; "+
			"change it with `pier user passwd admin --password-stdin`", "user", AdminUser, "password", password)
	}
	return nil
}
