package storage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

func withPolicies(t *testing.T, rules ...storage.PolicyRule) *storage.Store {
	t.Helper()
	s := newGCStore(t)
	if err := s.SetPolicies(rules); err != nil {
		t.Fatal(err)
	}
	return s
}

var prodImmutable = storage.PolicyRule{Repositories: []string{"prod/*"}, ImmutableTags: []string{"v*"}}

func TestImmutableTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := withPolicies(t, prodImmutable)
	first, second := newImage(nil, 1), newImage(nil, 1)
	d := mustPushImage(t, s, "prod/api", "v1", first)

	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"overwrite", func() error { _, err := pushImage(ctx, s, "prod/api", "v1", second); return err }},
		{"delete tag", func() error { return s.DeleteTag(ctx, "prod/api", "v1") }},
		{"delete manifest", func() error { return s.DeleteManifest(ctx, "prod/api", d) }},
		{"delete repository", func() error { return s.DeleteRepository(ctx, "prod/api") }},
		{"tag parameter", func() error {
			_, err := s.PutManifest(ctx, "prod/api", digestOf(second), "application/vnd.oci.image.manifest.v1+json", second.manifest(nil), []string{"v1"})
			return err
		}},
	} {
		err := tc.do()
		if !errors.Is(err, storage.ErrDenied) {
			t.Errorf("%s: %v, want ErrDenied", tc.name, err)
			continue
		}
		for _, want := range []string{"prod/api:v1", "immutable", `"v*"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: message %q does not say %q", tc.name, err, want)
			}
		}
	}
	if err := verifyImage(ctx, s, "prod/api", "v1"); err != nil {
		t.Fatalf("the immutable tag changed: %v", err)
	}
	// Pushing the same manifest again, other tags, other repositories: fine.
	if got := mustPushImage(t, s, "prod/api", "v1", first); got != d {
		t.Fatalf("re-push moved v1 to %s", got)
	}
	mustPushImage(t, s, "prod/api", "latest", second)
	mustPushImage(t, s, "prod/api", "latest", first)
	if err := s.DeleteTag(ctx, "prod/api", "latest"); err != nil {
		t.Fatal(err)
	}
	mustPushImage(t, s, "dev/api", "v1", first)
	mustPushImage(t, s, "dev/api", "v1", second)
}

func digestOf(img gcImage) string { return img.manifestDigest() }

// The first rule whose repositories match applies, alone.
func TestPolicyFirstMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := withPolicies(t,
		storage.PolicyRule{Repositories: []string{"prod/sandbox"}},
		storage.PolicyRule{Repositories: []string{"prod/**"}, ImmutableTags: []string{"*"}})
	mustPushImage(t, s, "prod/sandbox", "v1", newImage(nil, 1))
	if err := s.DeleteTag(ctx, "prod/sandbox", "v1"); err != nil {
		t.Fatalf("prod/sandbox has its own rule: %v", err)
	}
	mustPushImage(t, s, "prod/a/b", "x", newImage(nil, 1))
	if err := s.DeleteTag(ctx, "prod/a/b", "x"); !errors.Is(err, storage.ErrDenied) {
		t.Fatalf("prod/** covers prod/a/b: %v", err)
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		retention storage.Retention
		immutable []string
		old, new  []string // tags pushed before and after the wait
		want      []string // tags left
	}{
		{"keepLast", storage.Retention{KeepLast: 2}, nil,
			[]string{"a", "b"}, []string{"c", "d"}, []string{"c", "d"}},
		{"olderThan", storage.Retention{OlderThan: storage.Duration(time.Second)}, nil,
			[]string{"a", "b"}, []string{"c"}, []string{"c"}},
		{"keepLast and olderThan", storage.Retention{KeepLast: 1, OlderThan: storage.Duration(time.Second)}, nil,
			[]string{"a", "b"}, []string{"c", "d"}, []string{"c", "d"}},
		{"keep pattern", storage.Retention{KeepLast: 1, Keep: []string{"release-*", "latest"}}, nil,
			[]string{"release-1", "latest", "a"}, []string{"b", "c"}, []string{"c", "latest", "release-1"}},
		{"immutable not counted", storage.Retention{KeepLast: 1}, []string{"v*"},
			[]string{"v1", "a"}, []string{"b"}, []string{"b", "v1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rt := tc.retention
			s := withPolicies(t, storage.PolicyRule{Repositories: []string{"team/*"}, ImmutableTags: tc.immutable, Retention: &rt})
			img := newImage(nil, 1)
			for _, tag := range tc.old {
				mustPushImage(t, s, "team/app", tag, img)
				mustPushImage(t, s, "other", tag, img) // no rule: untouched
			}
			age(t, s)
			for _, tag := range tc.new {
				mustPushImage(t, s, "team/app", tag, img)
			}
			dry := collect(t, s, storage.GCOptions{DryRun: true})
			rep := collect(t, s, storage.GCOptions{})
			if !slices.Equal(dry.ExpiredTags, rep.ExpiredTags) {
				t.Fatalf("dry run expired %v, the run %v", dry.ExpiredTags, rep.ExpiredTags)
			}
			tags, _, err := s.Tags(ctx, "team/app", "", -1)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tags, tc.want) {
				t.Fatalf("tags left %v, want %v (expired %v)", tags, tc.want, rep.ExpiredTags)
			}
			if others, _, _ := s.Tags(ctx, "other", "", -1); len(others) != len(tc.old) {
				t.Fatalf("a repository without a rule lost tags: %v", others)
			}
		})
	}
}

func TestValidatePolicies(t *testing.T) {
	t.Parallel()
	err := storage.ValidatePolicies([]storage.PolicyRule{
		{Repositories: nil},
		{Repositories: []string{"Bad Name"}, ImmutableTags: []string{"[oops"}},
		{Repositories: []string{"ok/*"}, Retention: &storage.Retention{}},
		{Repositories: []string{"ok/**"}, Retention: &storage.Retention{KeepLast: -1, Keep: []string{"a/b"}}},
	})
	if err == nil {
		t.Fatal("bad policies accepted")
	}
	for _, want := range []string{
		"policies[0].repositories:", "policies[1].repositories[0]:", "policies[1].immutableTags[0]:",
		"policies[2].retention: set keepLast", "policies[3].retention.keepLast:", "policies[3].retention.keep[0]:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q:\n%v", want, err)
		}
	}
	ok := []storage.PolicyRule{{Repositories: []string{"prod/**", "*"}, ImmutableTags: []string{"v[0-9]*"},
		Retention: &storage.Retention{OlderThan: storage.Duration(30 * 24 * time.Hour), Keep: []string{"latest"}}}}
	if err := storage.ValidatePolicies(ok); err != nil {
		t.Fatal(err)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "1h30m": 90 * time.Minute, "30d": 30 * 24 * time.Hour} {
		if got, err := storage.ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "1.5d", "soon"} {
		if _, err := storage.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
	if s := storage.Duration(48 * time.Hour).String(); s != "2d" {
		t.Errorf("String() = %q, want 2d", s)
	}
}
