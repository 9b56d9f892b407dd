package fs_test

import (
	iofs "io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
	"github.com/pier-registry/pier/storage/storagetest"
)

func TestSuite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		root := filepath.Join(t.TempDir(), "root")
		d, err := fs.New(root)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { checkBare(t, root) })
		return d
	})
}

// checkBare fails t unless root holds nothing at all: no values, temp
// files, staged uploads or directories that Delete should have pruned.
func checkBare(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, de iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("left under the root: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Errorf("walking the root: %v", err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Errorf("the root itself is gone: %v", err)
	}
}
