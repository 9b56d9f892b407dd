package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// pushTestImage stores an image of one layer under repo:tag, through the
// store as the API would, and returns its manifest digest.
func pushTestImage(t *testing.T, s *storage.Store, repo, tag, layer string) digest.Digest {
	t.Helper()
	ctx := context.Background()
	config := `{"repo":"` + repo + `","layer":"` + layer + `"}`
	for _, b := range []string{config, layer} {
		if _, err := s.PutBlob(ctx, repo, strings.NewReader(b), digest.FromString(b)); err != nil {
			t.Fatal(err)
		}
	}
	desc := func(mt, data string) string {
		return `{"mediaType":"` + mt + `","digest":"` + digest.FromString(data).String() + `","size":` + strconv.Itoa(len(data)) + `}`
	}
	m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":` +
		desc("application/vnd.oci.image.config.v1+json", config) + `,"layers":[` + desc("application/vnd.oci.image.layer.v1.tar", layer) + `]}`
	res, err := s.PutManifest(ctx, repo, tag, "", []byte(m), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Digest
}

func testStore(t *testing.T, data string) *storage.Store {
	t.Helper()
	d, err := fs.New(data)
	if err != nil {
		t.Fatal(err)
	}
	return storage.New(d)
}

// waitGrace lets more than the shortest grace period pass.
func waitGrace(since time.Time) {
	for time.Since(since) <= storage.MinGrace+100*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
	}
}

func TestGCRmDu(t *testing.T) {
	clearEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	s := testStore(t, data)
	pushTestImage(t, s, "app", "keep", "shared layer")
	old := pushTestImage(t, s, "app", "old", "old layer")
	pushTestImage(t, s, "other", "v1", "shared layer")
	out, err := run(t, "--data", data, "rm", "app:old")
	if err != nil || !strings.Contains(out, "deleted tag app:old") {
		t.Fatalf("rm app:old: %v\n%s", err, out)
	}
	waitGrace(time.Now())

	out, err = run(t, "--data", data, "gc", "--dry-run", "--untagged", "--grace", "1s")
	if err != nil {
		t.Fatalf("gc --dry-run: %v\n%s", err, out)
	}
	for _, want := range []string{"would delete manifests", "would delete blobs"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if _, err := s.GetManifest(context.Background(), "app", old.String()); err != nil {
		t.Fatalf("the dry run deleted: %v", err)
	}
	out, err = run(t, "--data", data, "gc", "--untagged", "--grace", "1s")
	if err != nil || !regexp.MustCompile(`deleted manifests +1 `).MatchString(out) {
		t.Fatalf("gc: %v\n%s", err, out)
	}
	if _, err := s.GetManifest(context.Background(), "app", old.String()); !errors.Is(err, storage.ErrManifestUnknown) {
		t.Fatalf("untagged manifest after gc: %v", err)
	}

	out, err = run(t, "--data", data, "du")
	if err != nil || !strings.Contains(out, "app ") || !strings.Contains(out, "total, each blob once") {
		t.Fatalf("du: %v\n%s", err, out)
	}
	out, err = run(t, "--data", data, "du", "app")
	if err != nil || !strings.Contains(out, "shares 1 blobs (12 B) with other") {
		t.Fatalf("du app: %v\n%s", err, out)
	}
	if _, err := run(t, "--data", data, "du", "nope"); !errors.Is(err, storage.ErrNameUnknown) {
		t.Fatalf("du of an unknown repository: %v", err)
	}

	keep, err := s.Resolve(context.Background(), "app", "keep")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "--data", data, "rm", "app@"+keep.String()); err != nil || !strings.Contains(out, "deleted manifest app@") {
		t.Fatalf("rm by digest: %v\n%s", err, out)
	}
	if out, err := run(t, "--data", data, "rm", "other"); err != nil || !strings.Contains(out, "deleted repository other") {
		t.Fatalf("rm repository: %v\n%s", err, out)
	}
	if ok, _ := s.RepositoryExists(context.Background(), "other"); ok {
		t.Fatal("other is still in the catalog")
	}
}

func TestGCFlagsAndPolicies(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "pier.yaml")
	yaml := "storage:\n  fs:\n    root: " + data + "\n" +
		"policies:\n  - repositories: [prod/*]\n    immutableTags: [\"v*\"]\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	pushTestImage(t, testStore(t, data), "prod/api", "v1", "layer")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gc", "--grace", "10ms"}, "--grace: want at least 1s"},
		{[]string{"gc", "--grace", "soon"}, "--grace: duration"},
		{[]string{"rm", "prod/api:v1"}, "immutable"},
		{[]string{"rm", "prod/api"}, "immutable"},
		{[]string{"rm", "Bad:tag"}, "invalid repository name"},
		{[]string{"rm", "prod/api@sha256:nope"}, "digest"},
	} {
		_, err := run(t, append([]string{"--config", cfg}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pier %v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestScheduledGC(t *testing.T) {
	data := t.TempDir()
	s := testStore(t, data)
	pushTestImage(t, s, "app", "v1", "layer")
	if _, err := s.PutBlob(context.Background(), "app", strings.NewReader("orphan"), digest.FromString("orphan")); err != nil {
		t.Fatal(err)
	}
	waitGrace(time.Now())
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cfg := storage.GCConfig{Interval: storage.Duration(time.Hour), Grace: storage.Duration(time.Second)}
	scheduledGC(context.Background(), s, cfg, nil, log)
	if !strings.Contains(logs.String(), "msg=\"garbage collection\"") || !strings.Contains(logs.String(), "blobs=1 ") {
		t.Fatalf("log of a scheduled collection:\n%s", logs)
	}
	// Stopping before the first run returns at once and runs nothing.
	stop := startGCSchedule(context.Background(), s, cfg, nil, log)
	stop()
	if n := strings.Count(logs.String(), "msg=\"garbage collection\""); n != 1 {
		t.Fatalf("%d collections logged, want 1:\n%s", n, logs)
	}
	startGCSchedule(context.Background(), s, storage.GCConfig{}, nil, log)() // off: nothing to stop
}
