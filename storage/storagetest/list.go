package storagetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pier-registry/pier/storage"
)

var listTests = []test{
	{"ListOrder", testListOrder},
	{"ListPrefix", testListPrefix},
	{"ListStartAfter", testListStartAfter},
	{"ListAgainstModel", testListAgainstModel},
	{"ListEarlyStop", testListEarlyStop},
	{"ListWritesWhileListing", testListWritesWhileListing},
	{"ListCancelMidway", testListCancelMidway},
	{"ListEmpty", testListEmpty},
}

// orderKeys sort in byte order of the whole key: '-' < '.' < '/' < 'b'. A
// driver that walks directories and lists "a/b" beside "a" gets this wrong.
var orderKeys = []string{"a", "a-c", "a.b", "a/b", "a/b/c", "ab"}

// modelKeys are orderKeys and more traps, for comparing List with a model.
var modelKeys = append(slices.Clone(orderKeys),
	"a/bc", "a/b-x", "a/b/c.d", "a/b/c/d", "b", "_catalog/x", "z/y/x/w", "z/y0")

// putKeys stores each key with the key itself as value, in reverse order so
// that no driver lists them in order by accident.
func putKeys(t *testing.T, d storage.Driver, keys []string) {
	t.Helper()
	for _, key := range slices.Backward(keys) {
		put(t, d, key, []byte(key))
	}
}

func wantKeys(t *testing.T, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %q, want %q", got, want)
	}
}

func testListOrder(t *testing.T, d storage.Driver) {
	putKeys(t, d, orderKeys)
	wantKeys(t, list(t, d, "", ""), orderKeys...)
	for info, err := range d.List(t.Context(), "", "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		checkInfo(t, "List", info, info.Key, int64(len(info.Key)))
	}
}

func testListPrefix(t *testing.T, d storage.Driver) {
	putKeys(t, d, modelKeys)
	// Raw string prefixes, as in S3: "a/b" is not a directory.
	wantKeys(t, list(t, d, "a/b", ""), "a/b", "a/b-x", "a/b/c", "a/b/c.d", "a/b/c/d", "a/bc")
	wantKeys(t, list(t, d, "a/b/", ""), "a/b/c", "a/b/c.d", "a/b/c/d")
	wantKeys(t, list(t, d, "a/b/c", ""), "a/b/c", "a/b/c.d", "a/b/c/d")
	wantKeys(t, list(t, d, "a-", ""), "a-c")
	wantKeys(t, list(t, d, "z/y", ""), "z/y/x/w", "z/y0")
	wantKeys(t, list(t, d, "_catalog/x", ""), "_catalog/x")
	wantKeys(t, list(t, d, "a/b/c/d/", ""))
}

func testListStartAfter(t *testing.T, d storage.Driver) {
	putKeys(t, d, orderKeys)
	wantKeys(t, list(t, d, "", "a"), "a-c", "a.b", "a/b", "a/b/c", "ab")
	wantKeys(t, list(t, d, "", "a.b"), "a/b", "a/b/c", "ab")
	wantKeys(t, list(t, d, "", "a/b"), "a/b/c", "ab")
	wantKeys(t, list(t, d, "", "ab"))
	// startAfter need not be a key.
	wantKeys(t, list(t, d, "", "a/"), "a/b", "a/b/c", "ab")
	wantKeys(t, list(t, d, "", "a/b/"), "a/b/c", "ab")
	wantKeys(t, list(t, d, "", "a/bz"), "ab")
	wantKeys(t, list(t, d, "", "0"), orderKeys...)
	wantKeys(t, list(t, d, "a/", "a/b"), "a/b/c")
	wantKeys(t, list(t, d, "a/", "zzz"))
}

// testListAgainstModel compares every combination of some tricky prefixes
// and start points with a sorted slice.
func testListAgainstModel(t *testing.T, d storage.Driver) {
	putKeys(t, d, modelKeys)
	sorted := slices.Sorted(slices.Values(modelKeys))
	prefixes := []string{"", "a", "a/", "a/b", "a/b/", "a/b/c", "a/b/c/", "a-", "a.", "_",
		"_catalog/", "z/y", "z/y/", "zz", "missing/", "b", "a/b/c/d", "a/b/c/d/"}
	afters := []string{"", "a", "a-c", "a.", "a/", "a/b", "a/b-", "a/b-x", "a/b/", "a/b/c",
		"a/b/c/d", "a/bb", "ab", "b", "z/y/", "zzz", "_", "0"}
	for _, prefix := range prefixes {
		for _, after := range afters {
			var want []string
			for _, k := range sorted {
				if strings.HasPrefix(k, prefix) && k > after {
					want = append(want, k)
				}
			}
			if got := list(t, d, prefix, after); !slices.Equal(got, want) {
				t.Errorf("List(%q, %q) = %q, want %q", prefix, after, got, want)
			}
		}
	}
}

func testListEarlyStop(t *testing.T, d storage.Driver) {
	putKeys(t, d, modelKeys)
	// Stopping often must not leak what a listing holds open.
	for range 100 {
		var got []string
		for info, err := range d.List(t.Context(), "a", "") {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			got = append(got, info.Key)
			if len(got) == 2 {
				break
			}
		}
		wantKeys(t, got, "a", "a-c")
	}
	wantKeys(t, list(t, d, "a/", ""), "a/b", "a/b-x", "a/b/c", "a/b/c.d", "a/b/c/d", "a/bc")
}

// testListWritesWhileListing writes inside the range loop: a listing that
// held a lock while yielding would deadlock here.
func testListWritesWhileListing(t *testing.T, d storage.Driver) {
	putKeys(t, d, orderKeys)
	deleteAtEnd(t, d, "m/during")
	n := 0
	for _, err := range d.List(t.Context(), "", "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		n++
		if err := d.Put(t.Context(), "m/during", []byte("v")); err != nil {
			t.Fatalf("Put while listing: %v", err)
		}
		if err := d.Delete(t.Context(), "a/b/c"); err != nil {
			t.Fatalf("Delete while listing: %v", err)
		}
	}
	if n < 2 {
		t.Errorf("listed %d keys while writing, want at least 2", n)
	}
}

func testListCancelMidway(t *testing.T, d storage.Driver) {
	putKeys(t, d, orderKeys)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []string
	var listErr error
	for info, err := range d.List(ctx, "", "") {
		if err != nil {
			listErr = err
			break
		}
		got = append(got, info.Key)
		cancel()
	}
	wantKeys(t, got, "a")
	if !errors.Is(listErr, context.Canceled) {
		t.Errorf("List after cancel: %v, want context.Canceled", listErr)
	}
}

func testListEmpty(t *testing.T, d storage.Driver) {
	wantKeys(t, list(t, d, "", ""))
	wantKeys(t, list(t, d, "missing/", ""))
	putKeys(t, d, orderKeys)
	wantKeys(t, list(t, d, "missing/", ""))
	wantKeys(t, list(t, d, "a/b/c/", ""))
	wantKeys(t, list(t, d, "b", ""))
}
