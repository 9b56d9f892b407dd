// Package storagetest is the one suite every storage.Driver must pass.
//
// A driver's own test calls Run with a constructor:
//
//	func TestSuite(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Driver { return newDriver(t) })
//	}
//
// Every subtest gets a fresh driver, deletes what it created, and is then
// checked for leftovers: List(ctx, "", "") must yield nothing. A driver can
// add a stronger check of its own (no files left under a root directory, no
// staged uploads) by registering it with t.Cleanup inside newDriver: cleanups
// run last-in first-out, so the driver's check runs after the subtest's own
// deletes and after the suite's List check.
//
// With go test -short the large upload shrinks from 64 MiB to 8 MiB.
package storagetest

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/pier-registry/pier/storage"
)

type test struct {
	name string
	run  func(t *testing.T, d storage.Driver)
}

// tests is the whole suite, in the order it runs.
var tests = concat(valueTests, listTests, uploadTests)

// Run runs the suite against drivers made by newDriver, one per subtest.
func Run(t *testing.T, newDriver func(t *testing.T) storage.Driver) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t)
			t.Cleanup(func() { checkEmpty(t, d) })
			tc.run(t, d)
		})
	}
}

func concat(groups ...[]test) []test {
	var all []test
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// checkEmpty fails t when d still lists any key.
func checkEmpty(t *testing.T, d storage.Driver) {
	t.Helper()
	for info, err := range d.List(context.Background(), "", "") {
		if err != nil {
			t.Errorf("List after the test: %v", err)
			return
		}
		t.Errorf("left behind: %q", info.Key)
	}
}

// put stores value at key, fails t on error, and deletes key when t ends.
func put(t *testing.T, d storage.Driver, key string, value []byte) {
	t.Helper()
	if err := d.Put(t.Context(), key, value); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	deleteAtEnd(t, d, key)
}

// deleteAtEnd deletes key when t ends, and fails t if that fails.
func deleteAtEnd(t *testing.T, d storage.Driver, key string) {
	t.Cleanup(func() {
		// t.Context is already cancelled while cleanups run.
		if err := d.Delete(context.Background(), key); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	})
}

// read returns the whole value of key, failing t on error.
func read(t *testing.T, d storage.Driver, key string) []byte {
	t.Helper()
	r, _, err := d.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data
}

// wantNotFound fails t unless err wraps storage.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("%s: got error %v, want storage.ErrNotFound", what, err)
	}
}

// list collects the keys List yields, failing t on error.
func list(t *testing.T, d storage.Driver, prefix, startAfter string) []string {
	t.Helper()
	keys := []string{}
	for info, err := range d.List(t.Context(), prefix, startAfter) {
		if err != nil {
			t.Fatalf("List(%q, %q): %v", prefix, startAfter, err)
		}
		keys = append(keys, info.Key)
	}
	return keys
}
