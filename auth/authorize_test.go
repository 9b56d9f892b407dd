package auth

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestChallengeHeaders: the exact WWW-Authenticate values clients parse.
func TestChallengeHeaders(t *testing.T) {
	f := newFixture(t, Config{})
	tr := f.mustToken(t, "alice", alicePW, "repository:alice/app:pull")
	for _, tc := range []struct {
		name string
		auth string
		want []Access
		hdr  string
	}{
		{"base, no credentials", "", nil,
			`Bearer realm="http://registry.test/token",service="pier"`},
		{"pull, no credentials", "", repo("alice/app", ActionPull),
			`Bearer realm="http://registry.test/token",service="pier",scope="repository:alice/app:pull"`},
		{"mount, no credentials", "", []Access{Repository("alice/app", ActionPull, ActionPush), Repository("alice/base", ActionPull)},
			`Bearer realm="http://registry.test/token",service="pier",scope="repository:alice/app:pull,push repository:alice/base:pull"`},
		{"token without push", "Bearer " + tr.Token, repo("alice/app", ActionPull, ActionPush),
			`Bearer realm="http://registry.test/token",service="pier",scope="repository:alice/app:pull,push",error="insufficient_scope"`},
		{"broken token", "Bearer nonsense", repo("alice/app", ActionPull),
			`Bearer realm="http://registry.test/token",service="pier",scope="repository:alice/app:pull",error="invalid_token"`},
		{"wrong password", "Basic YWxpY2U6bm9wZQ==", repo("alice/app", ActionPull),
			`Bearer realm="http://registry.test/token",service="pier",scope="repository:alice/app:pull"`},
		{"unknown scheme", "Digest x", nil,
			`Bearer realm="http://registry.test/token",service="pier"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.Authorize(request(tc.auth), tc.want)
			var ch *Challenge
			if !errors.As(err, &ch) {
				t.Fatalf("got %v, want a challenge", err)
			}
			if got := ch.Header(); got != tc.hdr {
				t.Fatalf("header\n got %s\nwant %s", got, tc.hdr)
			}
		})
	}
}

// TestRealm: configured, or derived from TLS, X-Forwarded-Proto and Host.
func TestRealm(t *testing.T) {
	f := newFixture(t, Config{})
	r := request("")
	r.Host = "reg.example:5000"
	r.Header.Set("X-Forwarded-Proto", "https")
	if got := f.s.realm(r); got != "https://reg.example:5000/token" {
		t.Errorf("forwarded: %s", got)
	}
	r.Header.Set("X-Forwarded-Proto", `javascript"`)
	if got := f.s.realm(r); got != "http://reg.example:5000/token" {
		t.Errorf("bogus X-Forwarded-Proto: %s", got)
	}
	r.Host = `evil",x="`
	if got := f.s.realm(r); got != "http://localhost/token" {
		t.Errorf("bogus host: %s", got)
	}
	g := newFixture(t, Config{Realm: "https://auth.example/token", Service: "registry.example"})
	_, err := g.s.Authorize(request(""), nil)
	if got := err.(*Challenge).Header(); got != `Bearer realm="https://auth.example/token",service="registry.example"` {
		t.Errorf("configured: %s", got)
	}
}

// TestBasicOnV2: plain Basic credentials work on /v2/ directly, within
// the policy.
func TestBasicOnV2(t *testing.T) {
	f := newFixture(t, Config{})
	sub, err := f.s.Authorize(basic("alice", alicePW), repo("alice/app", ActionPull, ActionPush, ActionDelete))
	if err != nil || sub.Name != "alice" {
		t.Fatalf("got %v %v", sub, err)
	}
	if sub, err := f.s.Authorize(basic("admin", adminPW), repo("alice/app", ActionDelete)); err != nil || sub.Name != "admin" {
		t.Fatalf("admin: %v %v", sub, err)
	}
	if _, err := f.s.Authorize(basic("bob", bobPW), repo("alice/app", ActionPull)); !errors.Is(err, ErrDenied) {
		t.Fatalf("bob on alice/app: %v", err)
	}
	if sub, err := f.s.Authorize(basic("bob", bobPW), nil); err != nil || sub.Name != "bob" {
		t.Fatalf("bob on /v2/: %v %v", sub, err)
	}
}

// TestAnonymousPull: patterns open pull to everyone, nothing more, and
// GET /v2/ still challenges (so that docker login checks the password).
func TestAnonymousPull(t *testing.T) {
	f := newFixture(t, Config{AnonymousPull: []string{"public/*", "mirror/**"}})
	for _, name := range []string{"public/app", "mirror/docker.io/library/alpine"} {
		if sub, err := f.s.Authorize(request(""), repo(name, ActionPull)); err != nil || !sub.Anonymous() {
			t.Errorf("anonymous pull of %s: %v", name, err)
		}
	}
	for _, want := range [][]Access{repo("public/app", ActionPush), repo("public/a/b", ActionPull), repo("alice/app", ActionPull), nil} {
		_, err := f.s.Authorize(request(""), want)
		wantChallenge(t, err, "")
	}
	// Logged-in users may pull what anonymous users may.
	if _, err := f.s.Authorize(basic("bob", bobPW), repo("public/app", ActionPull)); err != nil {
		t.Error(err)
	}
}

// TestOrganisations: owners do everything in the namespace, teams what
// their permissions say, others nothing; a user named like an
// organisation does not own its namespace.
func TestOrganisations(t *testing.T) {
	cfg := Config{Organisations: []Organisation{{
		Name: "acme", Owners: []string{"bob"},
		Teams: []Team{
			{Name: "devs", Members: []string{"alice"}, Permissions: []Permission{
				{Repositories: "acme/web/*", Actions: []string{"pull", "push"}},
				{Repositories: "acme/**", Actions: []string{"pull"}},
			}},
		},
	}}}
	f := newFixture(t, cfg)
	if err := f.s.users.Add(context.Background(), "acme", "acme-password"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		user, name string
		want       []string
	}{
		{"bob", "acme/web/site", allActions},
		{"alice", "acme/web/site", []string{"pull", "push"}},
		{"alice", "acme/web/a/b", []string{"pull"}},
		{"alice", "acme/db", []string{"pull"}},
		{"acme", "acme/db", []string{}},
		{"", "acme/db", []string{}},
		{"admin", "acme/db", allActions},
		{"alice", "alice/x", allActions},
		{"alice", "alicex/y", []string{}},
	} {
		got := f.s.Allowed(ctx, Subject{Name: tc.user}, Repository(tc.name, allActions...))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q on %s: %v, want %v", tc.user, tc.name, got, tc.want)
		}
	}
}

// TestCatalogAccess: any logged-in user may list the catalog; Allowed
// then filters it, narrowed further by an access token's scopes.
func TestCatalogAccess(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	if _, err := f.s.Authorize(basic("bob", bobPW), []Access{Catalog()}); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.Authorize(request(""), []Access{Catalog()})
	wantChallenge(t, err, "")

	secret, _, err := f.s.tokens.Create(ctx, "alice", []string{"repository:alice/ci-*:pull", "registry:catalog:*"}, DefaultAccessTokenTTL)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.mustToken(t, "alice", secret, "registry:catalog:*")
	sub, err := f.s.Authorize(bearer(tr.Token), []Access{Catalog()})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"alice/ci-app": true, "alice/private": false, "bob/app": false} {
		if got := len(f.s.Allowed(ctx, sub, Repository(name, ActionPull))) > 0; got != want {
			t.Errorf("catalog shows %s: %v, want %v", name, got, want)
		}
	}
}
