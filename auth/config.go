package auth

import (
	"slices"
	"time"
)

// Config is the auth section of the server configuration (`auth:` in YAML).
// A zero field takes the default named in its comment.
type Config struct {
	// Realm is the token endpoint URL put in challenges. Default: derived
	// from each request, scheme from TLS or X-Forwarded-Proto, host from
	// the Host header, path /token.
	Realm string `yaml:"realm"`
	// Service is the name clients send as service= and the audience (aud)
	// of issued tokens. Default "pier".
	Service string `yaml:"service"`
	// Issuer is the iss claim of issued tokens. Default "pier".
	Issuer string `yaml:"issuer"`
	// TokenLifetime is how long a bearer token from /token is valid.
	// Default 5m; at least 1m (the spec's floor), at most 24h.
	TokenLifetime Duration `yaml:"tokenLifetime"`
	// RefreshTokenLifetime is how long a refresh token (offline_token=true,
	// access_type=offline; what `docker login` keeps) is valid. Default 90d.
	RefreshTokenLifetime Duration `yaml:"refreshTokenLifetime"`
	// AnonymousPull lists repository patterns anyone may pull without
	// logging in, e.g. "public/*". '*' matches one path component, '**'
	// any depth. Default: none, every request needs a login.
	AnonymousPull []string `yaml:"anonymousPull"`
	// Organisations own the namespace of their name, like users do, and
	// grant it through teams. Default: none.
	Organisations []Organisation `yaml:"organisations"`
	// BruteForce slows and then refuses repeated failed logins.
	BruteForce BruteForce `yaml:"bruteForce"`
	// Issuers are external token servers whose tokens pier trusts.
	// Default: none.
	Issuers []Issuer `yaml:"issuers"`
	// VerificationKeys are PEM files of extra public keys that verify
	// tokens of this registry's own issuer: keys of a previous installation
	// or of a signer being rotated out. Default: none (the signing keys in
	// storage are always trusted).
	VerificationKeys []string `yaml:"verificationKeys"`
	// AdminPassword is the password given to `admin` when the storage has
	// no users yet. The server fills it from PIER_ADMIN_PASSWORD; it is
	// never read from YAML. Default: a random password, logged once.
	AdminPassword string `yaml:"-"`
}

// Organisation owns the namespace "<name>/": its owners may do everything
// there, its teams what their permissions say.
type Organisation struct {
	// Name is the organisation and its namespace. Required.
	Name string `yaml:"name"`
	// Owners are users with pull, push and delete on "<name>/**".
	Owners []string `yaml:"owners"`
	// Teams grant their members permissions in the namespace.
	Teams []Team `yaml:"teams"`
}

// Team is a group of users with the same permissions.
type Team struct {
	// Name of the team, unique within its organisation. Required.
	Name string `yaml:"name"`
	// Members are user names.
	Members []string `yaml:"members"`
	// Permissions are what members may do.
	Permissions []Permission `yaml:"permissions"`
}

// Permission grants actions on the repositories matching a pattern.
type Permission struct {
	// Repositories is a pattern inside the organisation's namespace, e.g.
	// "acme/*" or "acme/web/**". Required.
	Repositories string `yaml:"repositories"`
	// Actions are some of pull, push, delete, or "*" for all. Required.
	Actions []string `yaml:"actions"`
}

// BruteForce limits failed logins. After half of a limit is used up, each
// further failure makes the caller wait (1s, 2s, 4s, ...); at the limit it
// is refused for Lockout. Refusals are 429 with Retry-After.
type BruteForce struct {
	// UserFailures is how many failed logins one user name may have.
	// Default 5.
	UserFailures int `yaml:"userFailures"`
	// AddressFailures is how many failed logins one client address may
	// have, across all names. Default 30.
	AddressFailures int `yaml:"addressFailures"`
	// Lockout is how long a caller at its limit is refused, and how long a
	// failure is remembered. Default 15m.
	Lockout Duration `yaml:"lockout"`
	// Disabled turns the limits off. Default false.
	Disabled bool `yaml:"disabled"`
}

// Issuer is an external token server whose tokens pier accepts. The
// token's access claim is trusted as it is: the local policy does not
// apply to its subjects.
type Issuer struct {
	// Issuer must equal the iss claim. Required.
	Issuer string `yaml:"issuer"`
	// Audience must be in the aud claim. Default: the Service.
	Audience string `yaml:"audience"`
	// PEMFile holds public keys or certificates. One of PEMFile, JWKSFile.
	PEMFile string `yaml:"pemFile"`
	// JWKSFile holds a JSON Web Key Set. One of PEMFile, JWKSFile.
	JWKSFile string `yaml:"jwksFile"`
}

// Defaults of the fields above.
const (
	DefaultService              = "pier"
	DefaultIssuer               = "pier"
	DefaultTokenLifetime        = 5 * time.Minute
	DefaultRefreshTokenLifetime = 90 * 24 * time.Hour
	DefaultUserFailures         = 5
	DefaultAddressFailures      = 30
	DefaultLockout              = 15 * time.Minute
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	set := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	setD := func(d *Duration, v time.Duration) {
		if *d == 0 {
			*d = Duration(v)
		}
	}
	set(&c.Service, DefaultService)
	set(&c.Issuer, DefaultIssuer)
	setD(&c.TokenLifetime, DefaultTokenLifetime)
	setD(&c.RefreshTokenLifetime, DefaultRefreshTokenLifetime)
	setD(&c.BruteForce.Lockout, DefaultLockout)
	if c.BruteForce.UserFailures == 0 {
		c.BruteForce.UserFailures = DefaultUserFailures
	}
	if c.BruteForce.AddressFailures == 0 {
		c.BruteForce.AddressFailures = DefaultAddressFailures
	}
	c.Issuers = slices.Clone(c.Issuers)
	for i := range c.Issuers {
		set(&c.Issuers[i].Audience, c.Service)
	}
	return c
}
