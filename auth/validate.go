package auth

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// headerSafeRE is what a service or issuer name may contain: it is quoted
// in WWW-Authenticate headers and compared with JWT claims.
var headerSafeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@-]*$`)

// Validate reports every problem in c, one per line, each naming the
// setting as it is spelled in YAML under auth:.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("auth."+format, args...))
	}
	c.validateNames(bad)
	c.validateDurations(bad)
	for i, p := range c.AnonymousPull {
		if _, err := parsePattern(p); err != nil {
			bad("anonymousPull[%d]: %v", i, err)
		}
	}
	seen := map[string]bool{}
	for i, o := range c.Organisations {
		if seen[o.Name] {
			bad("organisations[%d]: duplicate organisation %q", i, o.Name)
		}
		seen[o.Name] = true
		o.validate(fmt.Sprintf("organisations[%d]", i), bad)
	}
	c.validateBruteForce(bad)
	c.validateIssuers(bad)
	for i, f := range c.VerificationKeys {
		if f == "" {
			bad("verificationKeys[%d]: empty file name", i)
		}
	}
	return errors.Join(errs...)
}

func (c *Config) validateNames(bad func(string, ...any)) {
	if c.Realm != "" {
		u, err := url.Parse(c.Realm)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			!headerSafeRE.MatchString(c.Realm[len(u.Scheme)+3:]) {
			bad("realm: %q is not an absolute http(s) URL such as https://registry.example.com/token", c.Realm)
		}
	}
	if c.Service != "" && !headerSafeRE.MatchString(c.Service) {
		bad("service: %q may hold only letters, digits and . _ : / @ -", c.Service)
	}
	if c.Issuer != "" && !headerSafeRE.MatchString(c.Issuer) {
		bad("issuer: %q may hold only letters, digits and . _ : / @ -", c.Issuer)
	}
}

func (c *Config) validateDurations(bad func(string, ...any)) {
	if d := time.Duration(c.TokenLifetime); d != 0 && (d < time.Minute || d > 24*time.Hour) {
		bad("tokenLifetime: %s is outside 1m..24h", c.TokenLifetime)
	}
	if d := time.Duration(c.RefreshTokenLifetime); d != 0 && (d < time.Hour || d > 3650*24*time.Hour) {
		bad("refreshTokenLifetime: %s is outside 1h..3650d", c.RefreshTokenLifetime)
	}
}

func (c *Config) validateBruteForce(bad func(string, ...any)) {
	b := c.BruteForce
	if b.UserFailures < 0 {
		bad("bruteForce.userFailures: %d is negative", b.UserFailures)
	}
	if b.AddressFailures < 0 {
		bad("bruteForce.addressFailures: %d is negative", b.AddressFailures)
	}
	if b.Lockout < 0 {
		bad("bruteForce.lockout: %s is negative", b.Lockout)
	}
}

func (c *Config) validateIssuers(bad func(string, ...any)) {
	own := c.withDefaults().Issuer
	seen := map[string]bool{}
	for i, is := range c.Issuers {
		at := fmt.Sprintf("issuers[%d]", i)
		switch {
		case is.Issuer == "":
			bad("%s.issuer: required", at)
		case is.Issuer == own:
			bad("%s.issuer: %q is pier's own issuer; use verificationKeys for its keys", at, is.Issuer)
		case seen[is.Issuer]:
			bad("%s.issuer: duplicate issuer %q", at, is.Issuer)
		}
		seen[is.Issuer] = true
		if is.Audience != "" && !headerSafeRE.MatchString(is.Audience) {
			bad("%s.audience: %q may hold only letters, digits and . _ : / @ -", at, is.Audience)
		}
		if (is.PEMFile == "") == (is.JWKSFile == "") {
			bad("%s: set exactly one of pemFile and jwksFile", at)
		}
	}
}

// validate checks one organisation; at names it in messages.
func (o Organisation) validate(at string, bad func(string, ...any)) {
	if err := ValidUserName(o.Name); err != nil {
		bad("%s.name: %v", at, err)
	}
	for j, u := range o.Owners {
		if err := ValidUserName(u); err != nil {
			bad("%s.owners[%d]: %v", at, j, err)
		}
	}
	teams := map[string]bool{}
	for j, t := range o.Teams {
		tat := fmt.Sprintf("%s.teams[%d]", at, j)
		if t.Name == "" || teams[t.Name] {
			bad("%s.name: %q is empty or a duplicate", tat, t.Name)
		}
		teams[t.Name] = true
		for k, m := range t.Members {
			if err := ValidUserName(m); err != nil {
				bad("%s.members[%d]: %v", tat, k, err)
			}
		}
		for k, p := range t.Permissions {
			p.validate(fmt.Sprintf("%s.permissions[%d]", tat, k), o.Name, bad)
		}
	}
}

// validate checks that p stays inside the namespace of org.
func (p Permission) validate(at, org string, bad func(string, ...any)) {
	if _, err := parsePattern(p.Repositories); err != nil {
		bad("%s.repositories: %v", at, err)
	} else if namespace(p.Repositories) != org {
		bad("%s.repositories: %q is outside the organisation's namespace %q", at, p.Repositories, org+"/")
	}
	if len(p.Actions) == 0 {
		bad("%s.actions: required (pull, push, delete or *)", at)
	}
	for _, a := range p.Actions {
		if a != "*" && !slices.Contains(allActions, a) {
			bad("%s.actions: unknown action %q (want pull, push, delete or *)", at, a)
		}
	}
}
