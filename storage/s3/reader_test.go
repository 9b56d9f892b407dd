package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// putT stores data at key and deletes it when t ends.
func putT(t *testing.T, d *Driver, key string, data []byte) {
	t.Helper()
	if err := d.Put(t.Context(), key, data); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	t.Cleanup(func() { d.Delete(context.Background(), key) })
}

func TestReaderSeek(t *testing.T) {
	d := newTestDriver(t)
	data := randomBytes(3<<20 + 17)
	putT(t, d, "seek", data)
	r, info, err := d.Open(t.Context(), "seek")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if info.Size != int64(len(data)) || info.Key != "seek" {
		t.Errorf("Open: %+v", info)
	}
	steps := []struct {
		offset int64
		whence int
		want   int64 // position after the seek
		n      int   // bytes to read there
	}{
		{0, io.SeekEnd, int64(len(data)), 0},
		{0, io.SeekStart, 0, 1000},
		{5, io.SeekCurrent, 1005, 2 << 20},
		{-10, io.SeekEnd, int64(len(data)) - 10, 10},
		{1 << 20, io.SeekStart, 1 << 20, 1 << 20},
		{-1 << 20, io.SeekCurrent, 1 << 20, 5},
	}
	for _, s := range steps {
		pos, err := r.Seek(s.offset, s.whence)
		if err != nil || pos != s.want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", s.offset, s.whence, pos, err, s.want)
		}
		buf := make([]byte, s.n)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatalf("reading %d bytes at %d: %v", s.n, pos, err)
		}
		if !bytes.Equal(buf, data[pos:pos+int64(s.n)]) {
			t.Errorf("bytes at %d differ", pos)
		}
	}
	if _, err := r.Seek(int64(len(data))+5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v; want 0, EOF", n, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Errorf("Seek to -1 succeeded")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 1)); err == nil {
		t.Errorf("Read after Close succeeded")
	}
}

// TestReaderServeContent serves a blob the way the blob handler will:
// http.ServeContent with a Range request.
func TestReaderServeContent(t *testing.T) {
	d := newTestDriver(t)
	data := randomBytes(1 << 20)
	putT(t, d, "served", data)
	r, info, err := d.Open(t.Context(), "served")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	req := httptest.NewRequest(http.MethodGet, "/blob", nil)
	req.Header.Set("Range", "bytes=1000-1999")
	rec := httptest.NewRecorder()
	http.ServeContent(rec, req, "", info.ModTime, r)
	if rec.Code != http.StatusPartialContent {
		t.Fatalf("status %d, want 206", rec.Code)
	}
	if !bytes.Equal(rec.Body.Bytes(), data[1000:2000]) {
		t.Errorf("range body differs")
	}
}

// TestReaderSurvivesReset cuts every connection while a big object is being
// read: the reader reopens at its position and delivers the right bytes.
func TestReaderSurvivesReset(t *testing.T) {
	cfg := testConfig(t)
	d := openDriver(t, cfg, true)
	data := randomBytes(32 << 20)
	putT(t, d, "reset", data)

	p := startProxy(t, cfg.Endpoint)
	pcfg := cfg
	pcfg.Endpoint = p.Addr()
	pd := openDriver(t, pcfg, false)
	r, _, err := pd.Open(t.Context(), "reset")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	before := p.accepted.Load()
	p.Reset()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading after the reset: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, data) {
		t.Errorf("read %d bytes that differ from the %d stored", len(got), len(data))
	}
	if p.accepted.Load() == before {
		t.Errorf("the reader never reconnected: the reset did not hit a stream in flight")
	}
}

// TestReaderCancel: a cancelled request context ends a read.
func TestReaderCancel(t *testing.T) {
	d := newTestDriver(t)
	putT(t, d, "cancel", randomBytes(4<<20))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	r, _, err := d.Open(ctx, "cancel")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("reading with a cancelled context: %v, want context.Canceled", err)
	}
}
