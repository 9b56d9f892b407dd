package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

func newFS(t *testing.T, root string) *storage.Store {
	t.Helper()
	d, err := fs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return storage.New(d)
}

// An upload started by one process is continued and finished by others:
// the hash state travels in the session record, never re-read from data.
func TestUploadMovesBetweenStores(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a, b, c := newFS(t, root), newFS(t, root), newFS(t, root)
	parts := []string{"first part, ", "second part, ", "last part"}
	want := digest.FromString(strings.Join(parts, ""))

	st, err := a.StartUpload(ctx, "repo", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.WriteUpload(ctx, "repo", st.ID, 0, strings.NewReader(parts[0])); err != nil {
		t.Fatal(err)
	}
	got, err := b.WriteUpload(ctx, "repo", st.ID, int64(len(parts[0])), strings.NewReader(parts[1]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteUpload(ctx, "repo", st.ID, 0, strings.NewReader("x")); !errors.Is(err, storage.ErrRangeInvalid) {
		t.Fatalf("chunk at offset 0 of a %d-byte upload: %v, want ErrRangeInvalid", got.Size, err)
	}
	info, err := c.FinishUpload(ctx, "repo", st.ID, got.Size, strings.NewReader(parts[2]), want)
	if err != nil {
		t.Fatal(err)
	}
	if info.Digest != want {
		t.Fatalf("published %s, want %s", info.Digest, want)
	}
	r, _, err := a.OpenBlob(ctx, "repo", want)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, _ := io.ReadAll(r)
	if string(data) != strings.Join(parts, "") {
		t.Fatalf("blob holds %q", data)
	}
	if _, err := a.GetUpload(ctx, "repo", st.ID); !errors.Is(err, storage.ErrBlobUploadUnknown) {
		t.Fatalf("finished session still there: %v", err)
	}
}

// A digest mismatch publishes nothing and ends the session.
func TestFinishWithWrongDigest(t *testing.T) {
	ctx := context.Background()
	s := newFS(t, t.TempDir())
	st, err := s.StartUpload(ctx, "repo", "")
	if err != nil {
		t.Fatal(err)
	}
	wrong := digest.FromString("something else")
	_, err = s.FinishUpload(ctx, "repo", st.ID, -1, strings.NewReader("content"), wrong)
	if !errors.Is(err, storage.ErrDigestInvalid) {
		t.Fatalf("got %v, want ErrDigestInvalid", err)
	}
	for _, d := range []digest.Digest{wrong, digest.FromString("content")} {
		if _, err := s.StatBlob(ctx, "repo", d); !errors.Is(err, storage.ErrBlobUnknown) {
			t.Errorf("%s visible after a failed upload: %v", d, err)
		}
	}
	if _, err := s.GetUpload(ctx, "repo", st.ID); !errors.Is(err, storage.ErrBlobUploadUnknown) {
		t.Errorf("failed session still there: %v", err)
	}
}

// A session is bound to its repository, and ids cannot name other keys.
func TestUploadIDs(t *testing.T) {
	ctx := context.Background()
	s := newFS(t, t.TempDir())
	st, err := s.StartUpload(ctx, "repo", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ repo, id string }{
		{"other", st.ID}, {"repo", "../_catalog/repo"}, {"repo", ""}, {"repo", "a/b"},
	} {
		if _, err := s.GetUpload(ctx, c.repo, c.id); !errors.Is(err, storage.ErrBlobUploadUnknown) {
			t.Errorf("GetUpload(%q, %q) = %v, want ErrBlobUploadUnknown", c.repo, c.id, err)
		}
	}
}

// A manifest's tags go with it; a tag delete leaves the manifest.
func TestManifestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newFS(t, t.TempDir())
	cfg := []byte(`{}`)
	if _, err := s.PutBlob(ctx, "repo", bytes.NewReader(cfg), digest.FromBytes(cfg)); err != nil {
		t.Fatal(err)
	}
	m := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` +
		digest.FromBytes(cfg).String() + `","size":2},"layers":[]}`)
	res, err := s.PutManifest(ctx, "repo", "v1", "", m, []string{"latest"})
	if err != nil {
		t.Fatal(err)
	}
	tags, _, err := s.Tags(ctx, "repo", "", -1)
	if err != nil || strings.Join(tags, ",") != "latest,v1" {
		t.Fatalf("tags %v, %v", tags, err)
	}
	if err := s.DeleteTag(ctx, "repo", "latest"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetManifest(ctx, "repo", res.Digest.String()); err != nil || !bytes.Equal(got.Data, m) {
		t.Fatalf("manifest after tag delete: %v", err)
	}
	if err := s.DeleteManifest(ctx, "repo", res.Digest); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetManifest(ctx, "repo", "v1"); !errors.Is(err, storage.ErrManifestUnknown) {
		t.Fatalf("tag v1 survived its manifest: %v", err)
	}
}
