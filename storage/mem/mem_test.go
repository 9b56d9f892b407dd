package mem

import (
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/storagetest"
)

func TestSuite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d := New()
		t.Cleanup(func() {
			d.mu.RLock()
			defer d.mu.RUnlock()
			if len(d.uploads) != 0 || len(d.keys) != 0 || len(d.values) != 0 {
				t.Errorf("left behind: %d uploads, %d keys, %d values", len(d.uploads), len(d.keys), len(d.values))
			}
		})
		return d
	})
}
