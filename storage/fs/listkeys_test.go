package fs

import (
	"context"
	"slices"
	"testing"
)

// TestListKeys: ListKeys yields the keys List yields, from fresh and from
// cached directories alike.
func TestListKeys(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "a/b", "a/b/c", "a-b", "a.b/c", "b/c/d", "b/cc", "c"} {
		if err := d.Put(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ prefix, after string }{
		{"", ""}, {"a", ""}, {"a/", ""}, {"a/", "a/b"}, {"b/c", ""}, {"b/", "b/c/d"}, {"", "a/b"}, {"", "c"}, {"zz", ""},
	}
	for _, cached := range []bool{false, true} {
		if cached {
			age(t, root)
			for _, c := range cases {
				listKeys(t, d, c.prefix, c.after) // fills the cache
			}
		}
		for _, c := range cases {
			want := listKeys(t, d, c.prefix, c.after)
			var got []string
			for key, err := range d.ListKeys(ctx, c.prefix, c.after) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, key)
			}
			if !slices.Equal(got, want) {
				t.Errorf("cached=%v: ListKeys(%q, %q) = %v, List gives %v", cached, c.prefix, c.after, got, want)
			}
		}
	}
}
