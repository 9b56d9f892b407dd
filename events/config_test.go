package events

import (
	"strings"
	"testing"
	"time"
)

func TestValidateNamesTheSetting(t *testing.T) {
	good := Endpoint{URL: "https://ci.example/hook", Secret: secret}
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none for a valid config
	}{
		{"empty", Config{}, nil},
		{"full", Config{Source: "https://r.example", QueueSize: 10, Endpoints: []Endpoint{{
			Name: "ci", URL: "http://127.0.0.1:9/x", Secret: secret, Events: []string{"push", "tag", TagDeleted},
			Repositories: []string{"acme/**", "public/*"}, Timeout: time.Second, MaxAttempts: 3, Backoff: time.Second}}}, nil},
		{"no url", Config{Endpoints: []Endpoint{{Secret: secret}}},
			[]string{`webhooks.endpoints[0].url: "" is not an absolute http or https URL`}},
		{"relative url", Config{Endpoints: []Endpoint{good, {URL: "/hook", Secret: secret}}},
			[]string{`webhooks.endpoints[1].url: "/hook"`}},
		{"ftp url", Config{Endpoints: []Endpoint{{URL: "ftp://x/y", Secret: secret}}}, []string{"endpoints[0].url"}},
		{"missing secret", Config{Endpoints: []Endpoint{{URL: good.URL}}},
			[]string{"webhooks.endpoints[0].secret: required, at least 16 characters"}},
		{"short secret", Config{Endpoints: []Endpoint{{URL: good.URL, Secret: "short"}}}, []string{"endpoints[0].secret"}},
		{"unknown event", Config{Endpoints: []Endpoint{{URL: good.URL, Secret: secret, Events: []string{"pushed"}}}},
			[]string{`webhooks.endpoints[0].events: "pushed" is not push, delete, tag`}},
		{"bad pattern", Config{Endpoints: []Endpoint{{URL: good.URL, Secret: secret, Repositories: []string{"a//b", "a/**x", "[z"}}}},
			[]string{"empty path component", "'**' must be a whole path component", "syntax error"}},
		{"numbers", Config{QueueSize: -1, Endpoints: []Endpoint{{URL: good.URL, Secret: secret, Timeout: -1, MaxAttempts: 101, Backoff: time.Hour}}},
			[]string{"webhooks.queueSize", "endpoints[0].timeout", "endpoints[0].maxAttempts", "endpoints[0].backoff"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	e := Endpoint{URL: "https://ci.example:8443/hook"}.withDefaults()
	if e.Name != "ci.example:8443" || e.Timeout != DefaultTimeout || e.MaxAttempts != DefaultMaxAttempts || e.Backoff != DefaultBackoff {
		t.Errorf("defaults: %+v", e)
	}
}

func TestMatchRepository(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"acme/web", "acme/web", true},
		{"acme/web", "acme/web/api", false},
		{"acme/*", "acme/web", true},
		{"acme/*", "acme/web/api", false},
		{"acme/*", "acme", false},
		{"acme/**", "acme/web/api", true},
		{"acme/**", "acme", true},
		{"acme/**", "acmeco/web", false},
		{"**/api", "a/b/api", true},
		{"**/api", "api", true},
		{"**", "anything/at/all", true},
		{"acme/web-*", "acme/web-api", true},
		{"acme/web-*", "acme/db-api", false},
	} {
		if got := matchRepository(tc.pattern, tc.name); got != tc.want {
			t.Errorf("matchRepository(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestVerifyRejectsMalformedHeaders(t *testing.T) {
	body := []byte(`{"x":1}`)
	good := Sign(secret, body)
	for _, h := range []string{"", good[len("sha256="):], "sha1=" + good[len("sha256="):], "sha256=zz", good + "00"} {
		if Verify(secret, body, h) {
			t.Errorf("Verify accepted %q", h)
		}
	}
	if !Verify(secret, body, good) {
		t.Error("Verify rejected a good signature")
	}
	if Verify(secret, []byte(`{"x":2}`), good) {
		t.Error("Verify accepted a signature of another body")
	}
}
