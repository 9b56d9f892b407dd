package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
)

// Untagged images go with --untagged, and so do their blobs; what a tag
// reaches stays, shared layers included.
func TestGCUntagged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	base := [][]byte{randomBytes(100)}
	keep, drop := newImage(base, 1), newImage(base, 2)
	mustPushImage(t, s, "app", "keep", keep)
	dropped := mustPushImage(t, s, "app", "drop", drop)
	if err := s.DeleteTag(ctx, "app", "drop"); err != nil {
		t.Fatal(err)
	}
	age(t, s)

	rep := collect(t, s, storage.GCOptions{})
	if rep.Manifests != 0 || rep.Blobs != 0 {
		t.Fatalf("without --untagged: removed %d manifests, %d blobs; want none", rep.Manifests, rep.Blobs)
	}
	rep = collect(t, s, storage.GCOptions{Untagged: true})
	if rep.Manifests != 1 || rep.Links != 3 || rep.Blobs != 4 {
		t.Fatalf("removed %d manifests, %d links, %d blobs; want 1, 3 (config + 2 layers), 4 (with the manifest)", rep.Manifests, rep.Links, rep.Blobs)
	}
	if rep.BlobBytes == 0 {
		t.Fatal("report counts no bytes")
	}
	if err := verifyImage(ctx, s, "app", "keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetManifest(ctx, "app", dropped.String()); !errors.Is(err, storage.ErrManifestUnknown) {
		t.Fatalf("untagged manifest: %v, want ErrManifestUnknown", err)
	}
	for _, l := range drop.layers[1:] {
		if blobExists(t, s, digest.FromBytes(l)) {
			t.Fatalf("layer %s of the untagged image survived", digest.FromBytes(l))
		}
	}
	if again := collect(t, s, storage.GCOptions{Untagged: true}); again.Manifests+again.Links+again.Blobs != 0 {
		t.Fatalf("second run removed %+v; want nothing", again)
	}
}

// A multi-arch index reaches its untagged children, at any depth.
func TestGCIndexChildrenSurvive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	amd, arm := newImage(nil, 1), newImage(nil, 1)
	amdD := mustPushImage(t, s, "multi", amd.manifestDigest(), amd)
	armD := mustPushImage(t, s, "multi", arm.manifestDigest(), arm)
	inner := indexOf(descriptor(v1.MediaTypeImageManifest, arm.manifest(nil)))
	mustPutManifest(t, s, "multi", digest.FromBytes(inner).String(), inner)
	outer := indexOf(descriptor(v1.MediaTypeImageManifest, amd.manifest(nil)), descriptor(v1.MediaTypeImageIndex, inner))
	mustPutManifest(t, s, "multi", "latest", outer)
	age(t, s)

	rep := collect(t, s, storage.GCOptions{Untagged: true})
	if rep.Manifests+rep.Links+rep.Blobs != 0 {
		t.Fatalf("removed %d manifests, %d links, %d blobs of a tagged index; want none", rep.Manifests, rep.Links, rep.Blobs)
	}
	if err := verifyImage(ctx, s, "multi", "latest"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []digest.Digest{amdD, armD} {
		if err := verifyImage(ctx, s, "multi", d.String()); err != nil {
			t.Fatal(err)
		}
	}
}

// manifestDigest is the digest of img's manifest, to push it by digest.
func (img gcImage) manifestDigest() string { return digest.FromBytes(img.manifest(nil)).String() }

// Referrers of a live image, and their own referrers, stay; referrers of
// an image that goes, go with it.
func TestGCReferrers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	live, dead := newImage(nil, 1), newImage(nil, 1)
	liveD := mustPushImage(t, s, "sig", "live", live)
	deadD := mustPushImage(t, s, "sig", "dead", dead)
	subject := func(img gcImage) *v1.Descriptor {
		d := descriptor(v1.MediaTypeImageManifest, img.manifest(nil))
		return &d
	}
	sig, deadSig, sigOfSig := newImage(nil, 1), newImage(nil, 1), newImage(nil, 1)
	sigD := mustPushImageWithSubject(t, s, "sig", sig, subject(live))
	mustPushImageWithSubject(t, s, "sig", deadSig, subject(dead))
	sigSubject := descriptor(v1.MediaTypeImageManifest, sig.manifest(subject(live)))
	sigOfSigD := mustPushImageWithSubject(t, s, "sig", sigOfSig, &sigSubject)
	if err := s.DeleteTag(ctx, "sig", "dead"); err != nil {
		t.Fatal(err)
	}
	age(t, s)

	rep := collect(t, s, storage.GCOptions{Untagged: true})
	if rep.Manifests != 2 {
		t.Fatalf("removed %d manifests; want 2 (the untagged image and its signature)", rep.Manifests)
	}
	for _, d := range []digest.Digest{liveD, sigD, sigOfSigD} {
		if err := verifyImage(ctx, s, "sig", d.String()); err != nil {
			t.Fatalf("live chain: %v", err)
		}
	}
	refs, err := s.Referrers(ctx, "sig", deadD, "")
	if err != nil || len(refs) != 0 {
		t.Fatalf("referrers of the collected image: %v, %v; want none", refs, err)
	}
	if refs, err := s.Referrers(ctx, "sig", liveD, ""); err != nil || len(refs) != 1 {
		t.Fatalf("referrers of the live image: %v, %v; want its signature", refs, err)
	}
}

func mustPushImageWithSubject(t *testing.T, s *storage.Store, repo string, img gcImage, subject *v1.Descriptor) digest.Digest {
	t.Helper()
	ctx := context.Background()
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if err := pushBlob(ctx, s, repo, b); err != nil {
			t.Fatal(err)
		}
	}
	data := img.manifest(subject)
	return mustPutManifest(t, s, repo, digest.FromBytes(data).String(), data)
}

// Blobs no manifest references go once older than the grace period; a
// fresh one (an upload of a push in flight) stays.
func TestGCGracePeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	old := randomBytes(10)
	if err := pushBlob(ctx, s, "up", old); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	fresh := randomBytes(10)
	if err := pushBlob(ctx, s, "up", fresh); err != nil {
		t.Fatal(err)
	}
	rep := collect(t, s, storage.GCOptions{Grace: gcGrace})
	if rep.Blobs != 1 || rep.Links != 1 {
		t.Fatalf("removed %d blobs, %d links; want the old one only", rep.Blobs, rep.Links)
	}
	if blobExists(t, s, digest.FromBytes(old)) || !blobExists(t, s, digest.FromBytes(fresh)) {
		t.Fatal("the old blob must go and the fresh one stay")
	}
}

// A HEAD that finds a blob touches it: the client will skip uploading it,
// so the blob must outlive the next collection even when nothing
// references it yet.
func TestGCHeadProtectsBlob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 2)
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if err := pushBlob(ctx, s, "head", b); err != nil {
			t.Fatal(err)
		}
	}
	age(t, s)
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if _, err := s.StatBlob(ctx, "head", digest.FromBytes(b)); err != nil {
			t.Fatal(err)
		}
	}
	if rep := collect(t, s, storage.GCOptions{}); rep.Blobs != 0 {
		t.Fatalf("removed %d touched blobs", rep.Blobs)
	}
	if _, err := putManifest(ctx, s, "head", "v1", img.manifest(nil)); err != nil {
		t.Fatal(err)
	}
	if err := verifyImage(ctx, s, "head", "v1"); err != nil {
		t.Fatal(err)
	}
}

// A push slower than the grace period finds its blob swept: its manifest
// is refused instead of being stored without it.
func TestGCManifestRefusesSweptBlob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 1)
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if err := pushBlob(ctx, s, "slow", b); err != nil {
			t.Fatal(err)
		}
	}
	age(t, s)
	collect(t, s, storage.GCOptions{})
	_, err := putManifest(ctx, s, "slow", "v1", img.manifest(nil))
	if !errors.Is(err, storage.ErrManifestBlobUnknown) {
		t.Fatalf("manifest over swept blobs: %v, want ErrManifestBlobUnknown", err)
	}
	if _, err := pushImage(ctx, s, "slow", "v1", img); err != nil {
		t.Fatalf("pushing again: %v", err)
	}
	if err := verifyImage(ctx, s, "slow", "v1"); err != nil {
		t.Fatal(err)
	}
}

// A sparse manifest (layers never pushed) is still accepted.
func TestGCSparseManifestStillAccepted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 1)
	if err := pushBlob(ctx, s, "sparse", img.config); err != nil {
		t.Fatal(err)
	}
	res, err := s.PutManifest(ctx, "sparse", "v1", v1.MediaTypeImageManifest, img.manifest(nil), nil)
	if err != nil || len(res.Warnings) != 1 {
		t.Fatalf("sparse manifest: %v, warnings %v; want one warning", err, res)
	}
}

// A dry run reports what a run would do, and does nothing.
func TestGCDryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	mustPushImage(t, s, "dry", "a", newImage(nil, 2))
	if err := s.DeleteTag(ctx, "dry", "a"); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	before := keys(t, s, "")
	dry := collect(t, s, storage.GCOptions{Untagged: true, DryRun: true})
	if after := keys(t, s, ""); !slices.Equal(before, after) {
		t.Fatalf("dry run changed the storage:\nbefore %v\nafter  %v", before, after)
	}
	real := collect(t, s, storage.GCOptions{Untagged: true})
	if dry.Manifests != real.Manifests || dry.Links != real.Links || dry.Blobs != real.Blobs || dry.BlobBytes != real.BlobBytes || dry.Catalog != real.Catalog {
		t.Fatalf("dry run said %+v, the run did %+v", dry, real)
	}
	if ok, _ := s.RepositoryExists(ctx, "dry"); ok {
		t.Fatal("the emptied repository is still in the catalog")
	}
}

// Content two repositories share stays while one of them uses it.
func TestGCSharedContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newGCStore(t)
	img := newImage(nil, 2)
	mustPushImage(t, s, "one", "v1", img)
	d := mustPushImage(t, s, "two", "v1", img)
	if err := s.DeleteManifest(ctx, "one", d); err != nil {
		t.Fatal(err)
	}
	age(t, s)
	rep := collect(t, s, storage.GCOptions{})
	if rep.Links != 3 || rep.Blobs != 0 {
		t.Fatalf("removed %d links, %d blobs; want one's 3 links and no content", rep.Links, rep.Blobs)
	}
	if err := verifyImage(ctx, s, "two", "v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatBlob(ctx, "one", digest.FromBytes(img.layers[0])); !errors.Is(err, storage.ErrBlobUnknown) {
		t.Fatalf("one's link survived: %v", err)
	}
}
