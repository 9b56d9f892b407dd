package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/pier-registry/pier/storage/mem"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	u := NewUsers(mem.New())
	if err := u.Add(ctx, "carol", "carol-password"); err != nil {
		t.Fatal(err)
	}
	if err := u.Add(ctx, "carol", "another-password"); !errors.Is(err, ErrUserExists) {
		t.Fatalf("add twice: %v", err)
	}
	if err := u.Check(ctx, "carol", "carol-password"); err != nil {
		t.Fatal(err)
	}
	// Twice: the second is answered by the cache, and must agree.
	for range 2 {
		if err := u.Check(ctx, "carol", "wrong-password"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if err := u.SetPassword(ctx, "carol", "new-password"); err != nil {
		t.Fatal(err)
	}
	if err := u.Check(ctx, "carol", "carol-password"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("old password after change: %v", err)
	}
	if err := u.Check(ctx, "carol", "new-password"); err != nil {
		t.Fatal(err)
	}
	list, err := u.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "carol" {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := u.Remove(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if err := u.Check(ctx, "carol", "new-password"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("removed user: %v", err)
	}
	for name, err := range map[string]error{
		"remove missing":  u.Remove(ctx, "carol"),
		"passwd missing":  u.SetPassword(ctx, "carol", "whatever-pw"),
		"upper case name": u.Add(ctx, "Carol", "carol-password"),
		"path in name":    u.Add(ctx, "a/b", "carol-password"),
		"dots":            u.Add(ctx, "..", "carol-password"),
		"short password":  u.Add(ctx, "dave", "short"),
		"long password":   u.Add(ctx, "dave", strings.Repeat("x", 73)),
		"check bad name":  u.Check(ctx, "../x", "whatever-pw"),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestImportHtpasswd(t *testing.T) {
	ctx := context.Background()
	hash, _ := bcrypt.GenerateFromPassword([]byte("imported-pw"), bcrypt.MinCost)
	u := NewUsers(mem.New())
	if err := u.Add(ctx, "erin", "erin-password"); err != nil {
		t.Fatal(err)
	}
	file := "# users\n\nerin:" + string(hash) + "\nfrank:" + strings.Replace(string(hash), "$2a$", "$2y$", 1) + "\n"
	n, err := u.Import(ctx, strings.NewReader(file))
	if err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	for _, name := range []string{"erin", "frank"} {
		if err := u.Check(ctx, name, "imported-pw"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, line := range map[string]string{
		"SHA-1":     "gina:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
		"MD5":       "gina:$apr1$abc$def",
		"SHA-crypt": "gina:$6$salt$hash",
		"crypt":     "gina:rqXexS6ZhobKA",
		"no colon":  "gina",
		"bad name":  "Gina:" + string(hash),
		"truncated": "gina:" + string(hash)[:40],
		"twice":     "gina:" + string(hash) + "\ngina:" + string(hash),
	} {
		t.Run(name, func(t *testing.T) {
			// A good line first: nothing may be written when any line is bad.
			_, err := u.Import(ctx, strings.NewReader("harry:"+string(hash)+"\n"+line))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v", err)
			}
			if _, err := u.Get(ctx, "harry"); !errors.Is(err, ErrUserNotFound) {
				t.Fatal("a refused file was partly imported")
			}
		})
	}
}

// TestBootstrapAdmin: with no users, New creates admin with a random
// password logged once; later starts leave users alone.
func TestBootstrapAdmin(t *testing.T) {
	ctx := context.Background()
	d := mem.New()
	var log syncBuffer
	if _, err := New(ctx, Config{}, d, slog.New(slog.NewTextHandler(&log, nil))); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password=(\S+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no password in the log:\n%s", log.String())
	}
	if err := NewUsers(d).Check(ctx, AdminUser, m[1]); err != nil {
		t.Fatalf("logged password does not work: %v", err)
	}
	var again syncBuffer
	if _, err := New(ctx, Config{AdminPassword: "ignored-now"}, d, slog.New(slog.NewTextHandler(&again, nil))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(again.String(), "admin") {
		t.Fatalf("second start touched admin:\n%s", again.String())
	}
	if err := NewUsers(d).Check(ctx, AdminUser, m[1]); err != nil {
		t.Fatal("second start changed the admin password")
	}
	if _, err := New(ctx, Config{AdminPassword: "short"}, mem.New(), slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Fatal("a too-short PIER_ADMIN_PASSWORD was accepted")
	}
}

// TestNoSecretsInLog: passwords and token secrets never reach the event log.
func TestNoSecretsInLog(t *testing.T) {
	f := newFixture(t, Config{})
	f.mustToken(t, "alice", alicePW, "repository:alice/app:pull")
	f.tokenGET(t, "alice", "wrong-password-x", nil)
	secret, _, _ := f.s.tokens.Create(context.Background(), "alice", nil, DefaultAccessTokenTTL)
	f.mustToken(t, "alice", secret)
	out := f.log.String()
	for _, s := range []string{alicePW, "wrong-password-x", secret, adminPW} {
		if strings.Contains(out, s) {
			t.Fatalf("log holds a secret:\n%s", out)
		}
	}
	for _, ev := range []string{"event=login_ok", "event=login_failed", "event=token_issued"} {
		if !strings.Contains(out, ev) {
			t.Errorf("log lacks %s", ev)
		}
	}
}
