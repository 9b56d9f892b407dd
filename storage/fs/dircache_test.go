package fs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// age sets the modification time of every directory under root to an
// hour ago, so that List may cache them.
func age(t *testing.T, root string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err == nil && de.IsDir() {
			err = os.Chtimes(p, old, old)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func listKeys(t *testing.T, d *Driver, prefix, after string) []string {
	t.Helper()
	var keys []string
	for info, err := range d.List(context.Background(), prefix, after) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	return keys
}

// TestListFromCache: listings served from cached directories are the
// listings of the directories as they are, before and after changes.
func TestListFromCache(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"r/_tags/a", "r/_tags/b", "r/_tags/b-1", "r/_tags/c", "r/x/_tags/a", "r/x/y", "s"}
	for _, k := range keys {
		if err := d.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	age(t, root)
	cases := []struct{ prefix, after string }{
		{"", ""}, {"r/", ""}, {"r/_tags/", "r/_tags/b"}, {"r/", "r/_tags/c"}, {"r/", "r/x/_tags/a"},
		{"r/_tags/", "r/_tags/zzz"}, {"r/x", "r/_tags/a"}, {"", "r/x"},
	}
	want := make([][]string, len(cases))
	for i, c := range cases {
		want[i] = listKeys(t, d, c.prefix, c.after) // fills the cache
	}
	if d.dirs.entries == 0 {
		t.Fatal("nothing was cached from quiet directories")
	}
	for i, c := range cases {
		if got := listKeys(t, d, c.prefix, c.after); !slices.Equal(got, want[i]) {
			t.Errorf("List(%q, %q) from the cache = %v, want %v", c.prefix, c.after, got, want[i])
		}
	}
	if err := d.Put(ctx, "r/_tags/bb", nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "r/_tags/a"); err != nil {
		t.Fatal(err)
	}
	got := listKeys(t, d, "r/_tags/", "")
	if w := []string{"r/_tags/b", "r/_tags/b-1", "r/_tags/bb", "r/_tags/c"}; !slices.Equal(got, w) {
		t.Fatalf("after a Put and a Delete: %v, want %v", got, w)
	}
}

func TestDirCacheBounds(t *testing.T) {
	var c dirCache
	now := time.Now()
	c.put("fresh", now, now, make([]entry, 3))
	if _, ok := c.get("fresh", now); ok {
		t.Fatal("a directory changed a moment ago was cached")
	}
	old := now.Add(-time.Hour)
	c.put("old", old, now, make([]entry, 3))
	if _, ok := c.get("old", old); !ok {
		t.Fatal("a quiet directory was not cached")
	}
	if _, ok := c.get("old", now); ok {
		t.Fatal("served after the directory changed")
	}
	c.put("big", old, now, make([]entry, dirCacheEntries+1))
	if _, ok := c.get("big", old); ok {
		t.Fatal("a directory over the bound was cached")
	}
	for i := range 5 {
		c.put(string(rune('a'+i)), old, now, make([]entry, dirCacheEntries/3))
		if c.entries > dirCacheEntries {
			t.Fatalf("%d entries cached, bound %d", c.entries, dirCacheEntries)
		}
	}
}

// TestListCacheConcurrent: listings from many goroutines while keys are
// added never miss a key that was there before they started.
func TestListCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := d.Put(ctx, fmt.Sprintf("t/k%03d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	age(t, root)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				n := 0
				for _, err := range d.List(ctx, "t/", "") {
					if err != nil {
						t.Error(err)
						return
					}
					n++
				}
				if n < 50 {
					t.Errorf("listed %d keys, at least 50 exist", n)
				}
			}
		})
	}
	for i := 50; i < 80; i++ {
		if err := d.Put(ctx, fmt.Sprintf("t/k%03d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if n := len(listKeys(t, d, "t/", "")); n != 80 {
		t.Fatalf("listed %d keys after the writes, want 80", n)
	}
}
