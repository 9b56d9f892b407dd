package auth

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const fullConfig = `
realm: https://registry.example/token
service: registry.example
issuer: pier-auth
tokenLifetime: 10m
refreshTokenLifetime: 30d
anonymousPull: ["public/*", "mirror/**"]
organisations:
  - name: acme
    owners: [bob]
    teams:
      - name: devs
        members: [alice]
        permissions:
          - repositories: acme/web/*
            actions: [pull, push]
bruteForce:
  userFailures: 8
  addressFailures: 40
  lockout: 1h
issuers:
  - issuer: https://sso.example
    audience: registry.example
    jwksFile: /etc/pier/sso.jwks
verificationKeys: [/etc/pier/old.pem]
`

func decodeStrict(t *testing.T, src string) (Config, error) {
	t.Helper()
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	err := dec.Decode(&c)
	return c, err
}

func TestConfigYAML(t *testing.T) {
	c, err := decodeStrict(t, fullConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.RefreshTokenLifetime) != 30*24*time.Hour || time.Duration(c.BruteForce.Lockout) != time.Hour {
		t.Errorf("durations %s %s", c.RefreshTokenLifetime, c.BruteForce.Lockout)
	}
	if c.Organisations[0].Teams[0].Permissions[0].Repositories != "acme/web/*" || c.Issuers[0].JWKSFile == "" {
		t.Errorf("decoded %+v", c)
	}
	// The admin password comes from the environment only.
	if _, err := decodeStrict(t, "adminPassword: x\n"); err == nil {
		t.Error("adminPassword was read from YAML")
	}
	if _, err := decodeStrict(t, "tokenLifetime: soon\n"); err == nil {
		t.Error("a malformed duration was accepted")
	}
	d := Config{}.withDefaults()
	if d.Service != "pier" || d.Issuer != "pier" || time.Duration(d.TokenLifetime) != 5*time.Minute ||
		d.BruteForce.UserFailures != 5 || d.BruteForce.AddressFailures != 30 {
		t.Errorf("defaults %+v", d)
	}
}

func TestConfigValidate(t *testing.T) {
	perm := func(p string, acts ...string) []Team {
		return []Team{{Name: "t", Members: []string{"alice"}, Permissions: []Permission{{Repositories: p, Actions: acts}}}}
	}
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"relative realm", Config{Realm: "/token"}, "auth.realm"},
		{"quote in service", Config{Service: `pier"`}, "auth.service"},
		{"short lifetime", Config{TokenLifetime: Duration(time.Second)}, "auth.tokenLifetime"},
		{"long refresh", Config{RefreshTokenLifetime: Duration(5000 * 24 * time.Hour)}, "auth.refreshTokenLifetime"},
		{"bad pattern", Config{AnonymousPull: []string{"Public/*"}}, "auth.anonymousPull[0]"},
		{"bad org name", Config{Organisations: []Organisation{{Name: "Acme"}}}, "auth.organisations[0].name"},
		{"duplicate org", Config{Organisations: []Organisation{{Name: "a"}, {Name: "a"}}}, "duplicate organisation"},
		{"outside namespace", Config{Organisations: []Organisation{{Name: "acme", Teams: perm("other/*", "pull")}}},
			"outside the organisation's namespace"},
		{"unknown action", Config{Organisations: []Organisation{{Name: "acme", Teams: perm("acme/*", "write")}}},
			`unknown action "write"`},
		{"no actions", Config{Organisations: []Organisation{{Name: "acme", Teams: perm("acme/*")}}}, "actions: required"},
		{"bad member", Config{Organisations: []Organisation{{Name: "acme", Teams: []Team{{Name: "t", Members: []string{"A"}}}}}},
			"members[0]"},
		{"negative failures", Config{BruteForce: BruteForce{UserFailures: -1}}, "auth.bruteForce.userFailures"},
		{"issuer without keys", Config{Issuers: []Issuer{{Issuer: "x"}}}, "exactly one of pemFile and jwksFile"},
		{"issuer with both", Config{Issuers: []Issuer{{Issuer: "x", PEMFile: "a", JWKSFile: "b"}}}, "exactly one"},
		{"own issuer", Config{Issuers: []Issuer{{Issuer: "pier", PEMFile: "a"}}}, "pier's own issuer"},
		{"issuer unnamed", Config{Issuers: []Issuer{{PEMFile: "a"}}}, "issuers[0].issuer: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := (&Config{}).Validate(); err != nil {
		t.Fatalf("the zero config: %v", err)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "5m": 5 * time.Minute, "1h30m": 90 * time.Minute} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "-1d", "1.5d", "forever", "99999999d"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	if s := Duration(48 * time.Hour).String(); s != "2d" {
		t.Errorf("String %s", s)
	}
}
