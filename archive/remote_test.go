package archive

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/handlers"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

const adminPassword = "archive-test-password"

// remoteFixture serves a pier API with auth on over memory on a loopback
// port, and returns its URL and a Registry straight on its storage.
func remoteFixture(t *testing.T) (string, Registry) {
	t.Helper()
	d := mem.New()
	svc, err := auth.New(context.Background(), auth.Config{AdminPassword: adminPassword}, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	store := storage.New(d)
	srv := httptest.NewServer(handlers.New(handlers.Options{Store: store, Auth: svc, Token: svc.Handler()}))
	t.Cleanup(srv.Close)
	return srv.URL, NewStoreRegistry(store)
}

func dial(t *testing.T, url string, scopes ...string) *Remote {
	t.Helper()
	r, err := DialRemote(context.Background(), url, Login{Username: "admin", Password: adminPassword}, scopes, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRemote imports, lists and exports through the /v2/ API with token
// auth, and checks the storage saw the same as offline.
func TestRemote(t *testing.T) {
	ctx := context.Background()
	url, local := remoteFixture(t)
	l1, l2 := randomLayer(t, 51, 5000), randomLayer(t, 52, 3000)
	app := classicImage{tags: []string{"admin/app:1"}, layers: [][]byte{l1, l2}}
	other := classicImage{tags: []string{"admin/other:1"}, layers: [][]byte{l1}}
	path := writeFile(t, "save.tar", classicTar(t, app, other))

	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r := dial(t, url, PushScope("admin/app"), PushScope("admin/other"))
	if err := a.Push(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	tags := snapshot(t, local)
	if len(tags) != 2 {
		t.Fatalf("storage holds %v", tags)
	}

	// Listing needs the catalog scope, and the rest is granted on the way.
	lister := dial(t, url, CatalogScope)
	if got := snapshot(t, lister); !maps.Equal(got, tags) {
		t.Errorf("remote listing %v, storage %v", got, tags)
	}
	list, err := ListImages(ctx, lister, "", false)
	if err != nil || len(list) != 2 || list[0].Size != int64(len(l1)+len(l2)+len(app.config(t))) {
		t.Errorf("ListImages: %+v %v", list, err)
	}

	e, err := PlanExport(ctx, dial(t, url, PullScope("admin/app")), parseRefs(t, "admin/app:1"), amd64)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.tar")
	if err := e.WriteFile(ctx, out, nil); err != nil {
		t.Fatal(err)
	}
	_, back := newStore()
	if _, err := importFile(t, back, out); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, back); got["admin/app:1"] != tags["admin/app:1"] {
		t.Errorf("exported and imported back: %v", got)
	}
}

// TestRemoteCorrupt: the registry refuses a corrupt layer, and the import
// takes back what it pushed through the API.
func TestRemoteCorrupt(t *testing.T) {
	ctx := context.Background()
	url, local := remoteFixture(t)
	l1, l2 := randomLayer(t, 61, 5000), randomLayer(t, 62, 5000)
	img := classicImage{tags: []string{"admin/app:1"}, layers: [][]byte{l1, l2}}
	bad := flipAt(t, classicTar(t, img), l2)
	a, err := Open(writeFile(t, "bad.tar", bad))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	err = a.Push(ctx, dial(t, url, PushScope("admin/app")), nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "/layer.tar") {
		t.Fatalf("error %v", err)
	}
	if tags := snapshot(t, local); len(tags) != 0 {
		t.Errorf("tags left: %v", tags)
	}
	for _, d := range []digest.Digest{digest.FromBytes(l1), digest.FromBytes(img.config(t))} {
		if ok, err := local.HasBlob(ctx, "admin/app", d); ok || err != nil {
			t.Errorf("blob %s left (%v)", d, err)
		}
	}
}

func TestRemoteLogin(t *testing.T) {
	url, _ := remoteFixture(t)
	ctx := context.Background()
	_, err := DialRemote(ctx, url, Login{Username: "admin", Password: "wrong"}, []string{PullScope("admin/app")}, nil)
	if err == nil || !strings.Contains(err.Error(), "logging in") {
		t.Errorf("wrong password: %v", err)
	}
	for _, bad := range []string{"ftp://host", "http://host/path", "http://", "http://a b"} {
		if _, err := DialRemote(ctx, bad, Login{}, nil, nil); err == nil || !strings.Contains(err.Error(), "registry") {
			t.Errorf("DialRemote(%q): %v", bad, err)
		}
	}
}
