package storage

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestContentCache(t *testing.T) {
	var c contentCache
	small := []byte(`{"schemaVersion":2}`)
	d := digest.FromBytes(small)
	if _, ok := c.get(d); ok {
		t.Fatal("an empty cache had content")
	}
	c.add(d, small)
	if got, ok := c.get(d); !ok || !bytes.Equal(got, small) {
		t.Fatalf("get = %q, %v", got, ok)
	}
	big := make([]byte, contentCacheItemMax+1)
	c.add(digest.FromBytes(big), big)
	if _, ok := c.get(digest.FromBytes(big)); ok {
		t.Fatal("content over the item bound was cached")
	}
	item := make([]byte, contentCacheItemMax)
	for i := range 3 * contentCacheBytes / contentCacheItemMax {
		c.add(digest.FromString(fmt.Sprint(i)), item)
		if c.bytes > contentCacheBytes {
			t.Fatalf("%d bytes cached, bound %d", c.bytes, contentCacheBytes)
		}
	}
}
