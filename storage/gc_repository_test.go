package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/storage"
)

func TestDeleteRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 2)
	mustPushImage(t, s, "team/app", "v1", img)
	mustPushImage(t, s, "team/app/sub", "v1", img)
	mustPushImage(t, s, "team/other", "v1", img)

	if err := s.DeleteRepository(ctx, "team/app"); err != nil {
		t.Fatal(err)
	}
	names, _, err := s.Catalog(ctx, "", -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"team/app/sub", "team/other"}; !slices.Equal(names, want) {
		t.Fatalf("catalog %v, want %v", names, want)
	}
	if _, _, err := s.Tags(ctx, "team/app", "", -1); !errors.Is(err, storage.ErrNameUnknown) {
		t.Fatalf("tags of the deleted repository: %v", err)
	}
	if left := keys(t, s, "repositories/team/app/_"); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	for _, d := range []digest.Digest{digest.FromBytes(img.layers[0]), digest.FromBytes(img.config)} {
		repos := []string{}
		for r, err := range s.BlobRepositories(ctx, d) {
			if err != nil {
				t.Fatal(err)
			}
			repos = append(repos, r)
		}
		if !slices.Equal(repos, []string{"team/app/sub", "team/other"}) {
			t.Fatalf("reverse links of %s: %v", d, repos)
		}
	}
	for _, r := range []string{"team/app/sub", "team/other"} {
		if err := verifyImage(ctx, s, r, "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteRepository(ctx, "team/app"); !errors.Is(err, storage.ErrNameUnknown) {
		t.Fatalf("deleting it again: %v, want ErrNameUnknown", err)
	}
	if err := s.DeleteRepository(ctx, "Bad"); !errors.Is(err, storage.ErrNameInvalid) {
		t.Fatalf("bad name: %v, want ErrNameInvalid", err)
	}
}

// Content a deleted repository alone held is collected afterwards.
func TestDeleteRepositoryThenCollect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 1)
	mustPushImage(t, s, "gone", "v1", img)
	if err := s.DeleteRepository(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	rep := collect(t, s, storage.GCOptions{})
	if rep.Blobs != 3 {
		t.Fatalf("collected %d blobs, want 3 (config, layer, manifest)", rep.Blobs)
	}
	for _, prefix := range []string{"blobs/", "repositories/", "_blobrepos/", "_manifestrepos/", "_catalog/"} {
		if left := keys(t, s, prefix); len(left) != 0 {
			t.Fatalf("left behind: %v", left)
		}
	}
}
