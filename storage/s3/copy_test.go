package s3

import (
	"bytes"
	"context"
	"testing"
)

// TestCopyMultipart runs the copy used for objects over 5 GiB on a small
// one, with small parts, so that it is exercised without writing 5 GiB.
func TestCopyMultipart(t *testing.T) {
	d := newTestDriver(t)
	ctx := t.Context()
	data := randomBytes(12<<20 + 5)
	src := d.stagingObject(newUploadID(), "data")
	if err := d.putObject(ctx, "test", "src", src, data); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.removeObject(context.Background(), "test", "src", src) })
	if err := d.copyMultipart(ctx, "copied", src, int64(len(data)), 5<<20); err != nil {
		t.Fatalf("copyMultipart: %v", err)
	}
	t.Cleanup(func() { d.Delete(context.Background(), "copied") })
	if got := readAll(t, d, "copied"); !bytes.Equal(got, data) {
		t.Errorf("copied %d bytes that differ from the %d stored", len(got), len(data))
	}
	if err := d.copyMultipart(ctx, "missing", d.stagingObject(newUploadID(), "data"), 10<<20, 5<<20); err == nil {
		t.Errorf("copying a missing object succeeded")
		d.Delete(context.Background(), "missing")
	}
}
