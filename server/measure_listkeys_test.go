package server

import (
	"context"
	"slices"
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
	"github.com/pier-registry/pier/storage/mem"
)

// TestMeasuredDriverListKeys: ListKeys through the decorator yields the
// keys, from a KeyLister and from any other driver alike.
func TestMeasuredDriverListKeys(t *testing.T) {
	ctx := context.Background()
	fsd, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, driver := range []storage.Driver{fsd, mem.New()} {
		for _, k := range []string{"t/a", "t/b", "t/c", "u"} {
			if err := driver.Put(ctx, k, nil); err != nil {
				t.Fatal(err)
			}
		}
		d := MeasureDriver(driver, NewMetrics()).(storage.KeyLister)
		var got []string
		for key, err := range d.ListKeys(ctx, "t/", "t/a") {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, key)
		}
		if want := []string{"t/b", "t/c"}; !slices.Equal(got, want) {
			t.Errorf("%T: ListKeys = %v, want %v", driver, got, want)
		}
	}
}
