package auth

import (
	"slices"
	"testing"
)

func TestParseScope(t *testing.T) {
	for in, want := range map[string]Access{
		"repository:alice/app:pull,push":         {Type: "repository", Name: "alice/app", Actions: []string{"pull", "push"}},
		"repository:alice/app:push,pull,push":    {Type: "repository", Name: "alice/app", Actions: []string{"pull", "push"}},
		"repository:a/b.c/d__e/f-g:*":            {Type: "repository", Name: "a/b.c/d__e/f-g", Actions: allActions},
		"repository(plugin):alice/plugin:pull":   {Type: "repository", Name: "alice/plugin", Actions: []string{"pull"}},
		"repository:alice/app:pull,metadataread": {Type: "repository", Name: "alice/app", Actions: []string{"pull"}},
		"registry:catalog:*":                     Catalog(),
	} {
		got, err := ParseScope(in)
		if err != nil || got.Type != want.Type || got.Name != want.Name || !slices.Equal(got.Actions, want.Actions) {
			t.Errorf("%s: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "repository", "repository:alice/app", "repository:a:b:pull", "repository:localhost:5000/a:pull",
		"repository:a/../b:pull", "repository:A:pull", "repository:a:Pull", "repository:a:pull,,push",
		"repository:a/:pull", "repository:a b:pull", "registry:catalog:pull", "registry:other:*", "blob:a:pull",
		"repository:" + string(make([]byte, 300)) + ":pull",
	} {
		if _, err := ParseScope(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes([]string{"repository:a:pull repository:b:push", "registry:catalog:*"})
	if err != nil || len(got) != 3 || got[1].Name != "b" || got[2].Type != "registry" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := ParseScopes([]string{"repository:a:pull repository:B:pull"}); err == nil {
		t.Fatal("a bad scope inside a list was accepted")
	}
}

func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"public/*", "public/app", true},
		{"public/*", "public/a/b", false},
		{"public/*", "publicx/app", false},
		{"public/**", "public/a/b", true},
		{"acme/web-*", "acme/web-site", true},
		{"acme/web-*", "acme/db", false},
		{"**", "anything/at/all", true},
		{"a.b/c", "aXb/c", false}, // '.' is literal
	} {
		p, err := parsePattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.match(tc.name); got != tc.want {
			t.Errorf("%s ~ %s: %v", tc.pattern, tc.name, got)
		}
	}
	for _, bad := range []string{"", "Public/*", "a//b", "a/../b", "a/*/", "a:b", "a b"} {
		if _, err := parsePattern(bad); err == nil {
			t.Errorf("pattern %q accepted", bad)
		}
	}
	if err := ParseGrant("repository:ci/**:pull,push"); err != nil {
		t.Error(err)
	}
	if err := ParseGrant("repository:ci/**:"); err == nil {
		t.Error("a grant without actions was accepted")
	}
}
