package s3

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pier-registry/pier/storage"
)

// TestUnreachable: New against a port nobody listens on fails with
// ErrUnavailable.
func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err = New(ctx, Config{Endpoint: addr, Bucket: "pier", AccessKey: "a", SecretKey: "s"})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("New on a closed port: %v, want ErrUnavailable", err)
	}
}

// TestUnavailableMidway takes S3 away from a running driver: every
// operation fails with ErrUnavailable, and works again once S3 is back.
func TestUnavailableMidway(t *testing.T) {
	cfg := testConfig(t)
	p := startProxy(t, cfg.Endpoint)
	pcfg := cfg
	pcfg.Endpoint = p.Addr()
	d := openDriver(t, pcfg, false)
	direct := openDriver(t, cfg, true)
	putT(t, direct, "present", []byte("v"))
	u, err := d.Upload(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, u, []byte("staged"), 10)
	closeUpload(t, u)
	id := u.ID()
	t.Cleanup(func() {
		if u, err := direct.Upload(context.Background(), id); err == nil {
			u.Cancel(context.Background())
		}
	})

	p.Close()
	ctx := t.Context()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s with S3 gone: %v, want ErrUnavailable", op, err)
		}
	}
	_, err = d.Stat(ctx, "present")
	check("Stat", err)
	_, _, err = d.Open(ctx, "present")
	check("Open", err)
	check("Put", d.Put(ctx, "new", []byte("v")))
	check("Delete", d.Delete(ctx, "present"))
	for _, err := range d.List(ctx, "", "") {
		check("List", err)
		break
	}
	_, err = d.Upload(ctx, id)
	check("Upload (resume)", err)
	check("Check", d.Check(ctx))

	p2 := startProxy(t, cfg.Endpoint)
	pcfg.Endpoint = p2.Addr()
	d = openDriver(t, pcfg, false)
	if _, err := d.Stat(ctx, "present"); err != nil {
		t.Errorf("Stat once S3 is back: %v", err)
	}
}

// TestTransientErrorsRetried resets the first connections each operation
// makes: the operation is retried and succeeds.
func TestTransientErrorsRetried(t *testing.T) {
	cfg := testConfig(t)
	p := startProxy(t, cfg.Endpoint)
	pcfg := cfg
	pcfg.Endpoint = p.Addr()
	d := openDriver(t, pcfg, true)
	ctx := t.Context()
	flaky := func(op string, f func() error) {
		t.Helper()
		p.Reset() // no pooled connection to fall back on
		p.failNext.Store(2)
		before := p.accepted.Load()
		if err := f(); err != nil {
			t.Errorf("%s through two resets: %v", op, err)
		}
		if n := p.accepted.Load() - before; n < 3 {
			t.Errorf("%s made %d connections, want at least 3 (two reset, one good)", op, n)
		}
	}
	flaky("Put", func() error { return d.Put(ctx, "flaky", []byte("v")) })
	t.Cleanup(func() { d.Delete(context.Background(), "flaky") })
	flaky("Stat", func() error { _, err := d.Stat(ctx, "flaky"); return err })
	flaky("List", func() error {
		for _, err := range d.List(ctx, "", "") {
			return err
		}
		return errors.New("listed nothing")
	})
	flaky("Open", func() error {
		r, _, err := d.Open(ctx, "flaky")
		if err == nil {
			r.Close()
		}
		return err
	})
	u, err := d.Upload(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, u, randomBytes(basePartSize), 1<<20)
	flaky("Close (part and record)", u.Close)
	u = resumeOn(t, d, u.ID(), basePartSize)
	flaky("Commit", func() error { return u.Commit(ctx, "flaky-blob") })
	t.Cleanup(func() { d.Delete(context.Background(), "flaky-blob") })
}
