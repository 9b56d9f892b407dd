package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage/fs"
)

// TestTokenCommandsBesideServer: tokens made and revoked by the CLI take
// effect at once in a Service running on the same storage.
func TestTokenCommandsBesideServer(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	data := "--data=" + dir
	if _, _, err := runWith(t, "alice-password\n", "user", "add", "alice", "--password-stdin", data); err != nil {
		t.Fatal(err)
	}
	d, err := fs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(context.Background(), auth.Config{}, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runWith(t, "", "token", "create", "--user", "alice",
		"--scope", "repository:alice/ci:pull,push", "--expires", "30d", data)
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out)
	if !auth.IsTokenSecret(secret) || !strings.Contains(errOut, "created token") {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
	authorize := func() error {
		r := httptest.NewRequest("GET", "http://registry.test/v2/alice/ci/tags/list", nil)
		r.SetBasicAuth("alice", secret)
		_, err := svc.Authorize(r, []auth.Access{auth.Repository("alice/ci", auth.ActionPush)})
		return err
	}
	if err := authorize(); err != nil {
		t.Fatalf("token from the CLI: %v", err)
	}
	out, _, err = runWith(t, "", "token", "ls", "--user", "alice", data)
	id, _, _ := strings.Cut(strings.Split(out, "\n")[1], " ")
	if err != nil || !strings.Contains(out, "repository:alice/ci:pull,push") || len(id) != 20 {
		t.Fatalf("ls: %q %v", out, err)
	}
	if strings.Contains(out, secret) {
		t.Fatal("ls shows the secret")
	}
	if _, _, err := runWith(t, "", "token", "rm", id, data); err != nil {
		t.Fatal(err)
	}
	var ch *auth.Challenge
	if err := authorize(); !errors.As(err, &ch) {
		t.Fatalf("revoked token: %v", err)
	}
	for _, args := range [][]string{
		{"token", "create"},
		{"token", "create", "--user", "alice", "--expires", "forever"},
		{"token", "create", "--user", "alice", "--scope", "repository:a:b:pull"},
		{"token", "create", "--user", "nobody"},
		{"token", "rm", id},
	} {
		if _, _, err := runWith(t, "", append(args, data)...); err == nil {
			t.Errorf("pier %s: no error", strings.Join(args, " "))
		}
	}
}

func TestTokenKeyCommands(t *testing.T) {
	clearEnv(t)
	data := "--data=" + t.TempDir()
	out, _, err := runWith(t, "", "token", "key", "rotate", data)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.TrimPrefix(strings.TrimSpace(out), "new signing key ")
	if _, _, err := runWith(t, "", "token", "key", "retire", first, data); err == nil {
		t.Fatal("retired the signing key")
	}
	if _, _, err := runWith(t, "", "token", "key", "rotate", data); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runWith(t, "", "token", "key", "retire", first, data); err != nil {
		t.Fatal(err)
	}
	out, _, err = runWith(t, "", "token", "key", "ls", data)
	if err != nil || strings.Contains(out, first) || !strings.Contains(out, "true") {
		t.Fatalf("ls: %q %v", out, err)
	}
}
