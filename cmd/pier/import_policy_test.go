package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportKeepsImmutableTags imports onto an immutable tag: the same
// image again is fine, another image is refused with the policy's reason,
// and the tag still names the first image.
func TestImportKeepsImmutableTags(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "pier.yaml")
	yaml := "storage:\n  fs:\n    root: " + data + "\n" +
		"policies:\n  - repositories: [prod/*]\n    immutableTags: [\"v*\"]\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	first, _ := savedImage(t, "example.com/prod/app:1")
	second, _ := savedImage(t, "example.com/prod/app:2")
	importTo := func(archive, tag string) (string, error) {
		out, errOut, err := runWith(t, "", "import", "--config", cfg, "-q", archive, "--tag", tag)
		return out + errOut, err
	}
	if out, err := importTo(first, "prod/app:v1"); err != nil {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	want := tagDigest(t, data, "prod/app", "v1")
	if out, err := importTo(first, "prod/app:v1"); err != nil {
		t.Fatalf("importing the same image again: %v\n%s", err, out)
	}
	_, err := importTo(second, "prod/app:v1")
	if err == nil || !strings.Contains(err.Error(), "prod/app:v1 is immutable") {
		t.Fatalf("importing another image onto an immutable tag: %v, want a refusal naming the tag", err)
	}
	if got := tagDigest(t, data, "prod/app", "v1"); got != want {
		t.Fatalf("prod/app:v1 moved from %s to %s", want, got)
	}
	if out, err := importTo(second, "prod/app:latest"); err != nil {
		t.Fatalf("import onto a mutable tag of the same repository: %v\n%s", err, out)
	}
}

// tagDigest returns the digest that tag of repo names in the
// storage at data.
func tagDigest(t *testing.T, data, repo, tag string) string {
	t.Helper()
	d, err := testStore(t, data).Resolve(context.Background(), repo, tag)
	if err != nil {
		t.Fatalf("resolving %s:%s: %v", repo, tag, err)
	}
	return d.String()
}
