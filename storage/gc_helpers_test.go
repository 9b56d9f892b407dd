package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// gcGrace is the grace period of the tests: the shortest allowed.
const gcGrace = storage.MinGrace

// newGCStore is a Store over a fresh mem driver with fast protocol timing.
func newGCStore(t testing.TB) *storage.Store {
	t.Helper()
	s := storage.New(mem.New())
	storage.SetGCTiming(s, storage.FastGCTiming)
	return s
}

// gcImage is an image as a client pushes it.
type gcImage struct {
	config []byte
	layers [][]byte
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// newImage makes an image with fresh layers on top of base.
func newImage(base [][]byte, fresh int) gcImage {
	layers := append([][]byte{}, base...)
	for range fresh {
		layers = append(layers, randomBytes(64))
	}
	return gcImage{config: []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","id":%q}`, rand.Text())), layers: layers}
}

func descriptor(mediaType string, data []byte) v1.Descriptor {
	return v1.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
}

// manifest is img's OCI image manifest, with an optional subject.
func (img gcImage) manifest(subject *v1.Descriptor) []byte {
	m := v1.Manifest{MediaType: v1.MediaTypeImageManifest, Config: descriptor(v1.MediaTypeImageConfig, img.config), Subject: subject}
	m.SchemaVersion = 2
	for _, l := range img.layers {
		m.Layers = append(m.Layers, descriptor(v1.MediaTypeImageLayer, l))
	}
	data, _ := json.Marshal(m)
	return data
}

// indexOf is an OCI index listing manifests.
func indexOf(manifests ...v1.Descriptor) []byte {
	idx := v1.Index{MediaType: v1.MediaTypeImageIndex, Manifests: manifests}
	idx.SchemaVersion = 2
	data, _ := json.Marshal(idx)
	return data
}

// pushBlob does what a client does: HEAD, and upload only when missing.
func pushBlob(ctx context.Context, s *storage.Store, repo string, data []byte) error {
	d := digest.FromBytes(data)
	if _, err := s.StatBlob(ctx, repo, d); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrBlobUnknown) {
		return err
	}
	_, err := s.PutBlob(ctx, repo, bytes.NewReader(data), d)
	return err
}

// pushImage pushes img's blobs, then its manifest under ref.
func pushImage(ctx context.Context, s *storage.Store, repo, ref string, img gcImage) (digest.Digest, error) {
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if err := pushBlob(ctx, s, repo, b); err != nil {
			return "", err
		}
	}
	return putManifest(ctx, s, repo, ref, img.manifest(nil))
}

func putManifest(ctx context.Context, s *storage.Store, repo, ref string, data []byte) (digest.Digest, error) {
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	_ = json.Unmarshal(data, &probe)
	res, err := s.PutManifest(ctx, repo, ref, probe.MediaType, data, nil)
	if err != nil {
		return "", err
	}
	return res.Digest, nil
}

func mustPushImage(t testing.TB, s *storage.Store, repo, ref string, img gcImage) digest.Digest {
	t.Helper()
	d, err := pushImage(context.Background(), s, repo, ref, img)
	if err != nil {
		t.Fatalf("pushing %s:%s: %v", repo, ref, err)
	}
	return d
}

func mustPutManifest(t testing.TB, s *storage.Store, repo, ref string, data []byte) digest.Digest {
	t.Helper()
	d, err := putManifest(context.Background(), s, repo, ref, data)
	if err != nil {
		t.Fatalf("pushing manifest %s@%s: %v", repo, ref, err)
	}
	return d
}

// verifyImage pulls ref of repo, and everything it reaches, checking every
// byte against its digest.
func verifyImage(ctx context.Context, s *storage.Store, repo, ref string) error {
	m, err := s.GetManifest(ctx, repo, ref)
	if err != nil {
		return err
	}
	if got := m.Digest.Algorithm().FromBytes(m.Data); got != m.Digest {
		return fmt.Errorf("manifest %s@%s holds %s", repo, m.Digest, got)
	}
	var w struct {
		Config    *v1.Descriptor  `json:"config"`
		Layers    []v1.Descriptor `json:"layers"`
		Manifests []v1.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(m.Data, &w); err != nil {
		return err
	}
	for _, c := range w.Manifests {
		if err := verifyImage(ctx, s, repo, c.Digest.String()); err != nil {
			return err
		}
	}
	blobs := w.Layers
	if w.Config != nil {
		blobs = append(blobs, *w.Config)
	}
	for _, b := range blobs {
		if err := verifyBlob(ctx, s, repo, b.Digest); err != nil {
			return err
		}
	}
	return nil
}

func verifyBlob(ctx context.Context, s *storage.Store, repo string, d digest.Digest) error {
	r, _, err := s.OpenBlob(ctx, repo, d)
	if err != nil {
		return fmt.Errorf("blob %s of %s: %w", d, repo, err)
	}
	defer r.Close()
	v := d.Verifier()
	if _, err := io.Copy(v, r); err != nil {
		return err
	}
	if !v.Verified() {
		return fmt.Errorf("blob %s of %s does not match its digest", d, repo)
	}
	return nil
}

// collect runs a collection with the tests' grace period.
func collect(t testing.TB, s *storage.Store, o storage.GCOptions) *storage.GCReport {
	t.Helper()
	if o.Grace == 0 {
		o.Grace = gcGrace
	}
	rep, err := s.CollectGarbage(context.Background(), o)
	if err != nil {
		t.Fatalf("CollectGarbage: %v", err)
	}
	return rep
}

// age waits until everything written so far is older than the grace
// period, as the storage's clock sees it.
func age(t testing.TB, s *storage.Store) {
	t.Helper()
	ctx := context.Background()
	d := s.Driver()
	if err := d.Put(ctx, "_test/clock", nil); err != nil {
		t.Fatal(err)
	}
	start, err := d.Stat(ctx, "_test/clock")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if err := d.Put(ctx, "_test/clock", nil); err != nil {
			t.Fatal(err)
		}
		now, err := d.Stat(ctx, "_test/clock")
		if err != nil {
			t.Fatal(err)
		}
		if now.ModTime.Sub(start.ModTime) > gcGrace+10*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the storage clock did not advance")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := d.Delete(ctx, "_test/clock"); err != nil {
		t.Fatal(err)
	}
}

// keys lists every key under prefix.
func keys(t testing.TB, s *storage.Store, prefix string) []string {
	t.Helper()
	var out []string
	for info, err := range s.Driver().List(context.Background(), prefix, "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	return out
}

func blobExists(t testing.TB, s *storage.Store, d digest.Digest) bool {
	t.Helper()
	hex := d.Encoded()
	_, err := s.Driver().Stat(context.Background(), "blobs/"+string(d.Algorithm())+"/"+hex[:2]+"/"+hex)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}
