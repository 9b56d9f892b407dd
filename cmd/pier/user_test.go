package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// runWith executes pier with stdin and returns stdout, stderr and the error.
func runWith(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestUserCommands(t *testing.T) {
	clearEnv(t)
	data := "--data=" + t.TempDir()
	mustRun := func(stdin string, args ...string) string {
		t.Helper()
		out, _, err := runWith(t, stdin, append(args, data)...)
		if err != nil {
			t.Fatalf("pier %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	mustRun("alice-password\n", "user", "add", "alice", "--password-stdin")
	mustRun("bob-password", "user", "add", "bob", "--password-stdin")
	mustRun("alice-new-password\r\n", "user", "passwd", "alice", "--password-stdin")
	if out := mustRun("", "user", "ls"); !strings.Contains(out, "alice") || !strings.Contains(out, "bob") {
		t.Fatalf("ls:\n%s", out)
	}
	mustRun("", "user", "rm", "bob")
	if out := mustRun("", "user", "ls"); strings.Contains(out, "bob") {
		t.Fatalf("bob still listed:\n%s", out)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"secret-password", []string{"user", "add", "carol"}, "--password-stdin"},
		{"", []string{"user", "add", "carol", "--password-stdin"}, "no password"},
		{"short", []string{"user", "add", "carol", "--password-stdin"}, "8 to 72 bytes"},
		{"another-password", []string{"user", "add", "alice", "--password-stdin"}, "already exists"},
		{"another-password", []string{"user", "add", "Carol", "--password-stdin"}, "user name"},
		{"another-password", []string{"user", "passwd", "nobody", "--password-stdin"}, "not found"},
		{"", []string{"user", "rm", "nobody"}, "not found"},
		{"", []string{"user", "add", "carol", "password-on-argv"}, "accepts 1 arg"},
	} {
		if _, _, err := runWith(t, tc.stdin, append(tc.args, data)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pier %s: %v, want an error about %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func TestUserImport(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	data := "--data=" + filepath.Join(dir, "data")
	hash, _ := bcrypt.GenerateFromPassword([]byte("imported-password"), bcrypt.MinCost)
	good := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(good, []byte("dave:"+string(hash)+"\nerin:"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runWith(t, "", "user", "import", good, data)
	if err != nil || !strings.Contains(out, "imported 2 users") {
		t.Fatalf("import: %q %v", out, err)
	}
	if _, _, err := runWith(t, "frank:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", "user", "import", "-", data); err == nil ||
		!strings.Contains(err.Error(), "htpasswd -B") {
		t.Fatalf("SHA-1 import from stdin: %v", err)
	}
	if _, _, err := runWith(t, "", "user", "import", filepath.Join(dir, "missing"), data); err == nil {
		t.Fatal("a missing file was imported")
	}
}
