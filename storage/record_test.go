package storage_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// putCounter counts the Puts of keys that contain "/_manifests/".
type putCounter struct {
	storage.Driver
	mu      sync.Mutex
	records int
}

func (p *putCounter) Put(ctx context.Context, key string, data []byte) error {
	if strings.Contains(key, "/_manifests/") {
		p.mu.Lock()
		p.records++
		p.mu.Unlock()
	}
	return p.Driver.Put(ctx, key, data)
}

// TestManifestRecordWrittenOnce: tagging a manifest again leaves its
// record alone, but a push that changes the record rewrites it.
func TestManifestRecordWrittenOnce(t *testing.T) {
	ctx := context.Background()
	d := &putCounter{Driver: mem.New()}
	s := storage.New(d)
	cfg := []byte(`{}`)
	if _, err := s.PutBlob(ctx, "repo", bytes.NewReader(cfg), digest.FromBytes(cfg)); err != nil {
		t.Fatal(err)
	}
	// No mediaType field: the Content-Type decides the record's type.
	m := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` +
		digest.FromBytes(cfg).String() + `","size":2},"layers":[]}`)
	for _, tag := range []string{"a", "b", "c"} {
		if _, err := s.PutManifest(ctx, "repo", tag, storage.MediaTypeOCIManifest, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	if d.records != 1 {
		t.Fatalf("record written %d times for three tags of one manifest, want 1", d.records)
	}
	if _, err := s.PutManifest(ctx, "repo", "d", storage.MediaTypeDockerManifest, m, nil); err != nil {
		t.Fatal(err)
	}
	if d.records != 2 {
		t.Fatalf("a changed record was written %d times in all, want 2", d.records)
	}
	got, err := s.GetManifest(ctx, "repo", "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != storage.MediaTypeDockerManifest {
		t.Fatalf("media type %q, want the last pushed", got.MediaType)
	}
}
