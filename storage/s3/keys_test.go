package s3

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	valid := []string{"a", "a/b", "..a", "a/.b", "blobs/sha256/ab/abcd", "_catalog/library/ubuntu", "é/ü", "a+b=c:d"}
	for _, key := range valid {
		if err := checkDataKey(key); err != nil {
			t.Errorf("checkDataKey(%q): %v", key, err)
		}
	}
	invalid := []string{"", "/", "/a", "a/", "a//b", ".", "..", "a/./b", "a/..", "a\x00b",
		"a b", "a!", "tab\t", "\xff", strings.Repeat("a", 1001)}
	for _, key := range invalid {
		if err := checkDataKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("checkDataKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

// TestObjectOrder checks the claim mark rests on: object names sort like
// their keys, and start-after and prefixes translate exactly.
func TestObjectOrder(t *testing.T) {
	d := &Driver{prefix: "p/"}
	keys := []string{"a", "a-c", "a.b", "a/b", "a/b/c", "ab", "a+", "a0", "b", "é", "_catalog/x"}
	slices.Sort(keys)
	objects := make([]string, len(keys))
	for i, k := range keys {
		objects[i] = d.object(k)
		if back, ok := d.keyOf(objects[i]); !ok || back != k {
			t.Errorf("keyOf(object(%q)) = %q, %v", k, back, ok)
		}
	}
	if !slices.IsSorted(objects) {
		t.Errorf("object names out of key order: %q", objects)
	}
	afters := []string{"", "a", "a/", "a/b", "a ", "a!", "a\x01z", "zz", "0"}
	for _, after := range afters {
		obj := d.startAfterObject(after)
		for i, k := range keys {
			if got, want := objects[i] > obj, k > after; got != want {
				t.Errorf("startAfter %q: key %q listed = %v, want %v", after, k, got, want)
			}
		}
	}
	if _, ok := d.keyOf(d.stagingObject("id", "record")); ok {
		t.Errorf("a staging object maps to a key")
	}
	if d.stagingObject("id", "record") > d.prefix+mark+"~" {
		t.Errorf("staging sorts after the listing's skip point")
	}
}

func TestMatchesNothing(t *testing.T) {
	for prefix, want := range map[string]bool{
		"": false, "a": false, "a/": false, "..": false, "a/..": false, ".": false,
		"/": true, "a//": true, "../": true, "a/./": true, "\x00": true, "a b": true, "a!": true,
	} {
		if got := matchesNothing(prefix); got != want {
			t.Errorf("matchesNothing(%q) = %v, want %v", prefix, got, want)
		}
	}
}
