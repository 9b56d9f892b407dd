package server

import (
	"context"
	"errors"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/pier-registry/pier/storage"
)

// MeasureDriver returns d timed and counted into m; with a nil m, d itself.
// What d offers by type assertion stays offered: Redirector when d is one;
// ChunkSizer, UploadPurger, Toucher and KeyLister always, with the neutral
// answer when d is none of them (0: no preference; nothing purged;
// errors.ErrUnsupported, so that the Store rewrites the key instead; the
// keys of List); Unwrap returns d for
// anything else. An optional interface added to storage must be added
// here too. Open returns d's own reader, so that an *os.File still reaches
// sendfile.
func MeasureDriver(d storage.Driver, m *Metrics) storage.Driver {
	if m == nil {
		return d
	}
	md := &measuredDriver{d: d, m: m}
	if r, ok := d.(storage.Redirector); ok {
		return &measuredRedirector{measuredDriver: md, r: r}
	}
	return md
}

type measuredDriver struct {
	d storage.Driver
	m *Metrics
}

// measuredRedirector is a measuredDriver over a Redirector.
type measuredRedirector struct {
	*measuredDriver
	r storage.Redirector
}

func (d *measuredRedirector) Redirects() bool { return d.r.Redirects() }

func (d *measuredRedirector) RedirectURL(ctx context.Context, key string, expiry time.Duration) (string, error) {
	start := time.Now()
	u, err := d.r.RedirectURL(ctx, key, expiry)
	d.observe("redirect_url", start, err)
	return u, err
}

// Unwrap returns the driver being measured.
func (d *measuredDriver) Unwrap() storage.Driver { return d.d }

// ChunkMinLength passes the driver's preference through.
func (d *measuredDriver) ChunkMinLength() int64 {
	if c, ok := d.d.(storage.ChunkSizer); ok {
		return c.ChunkMinLength()
	}
	return 0
}

// PurgeUploads lets the driver purge its staged uploads when it can.
func (d *measuredDriver) PurgeUploads(ctx context.Context, before time.Time) (int, error) {
	p, ok := d.d.(storage.UploadPurger)
	if !ok {
		return 0, nil
	}
	start := time.Now()
	n, err := p.PurgeUploads(ctx, before)
	d.observe("purge_uploads", start, err)
	return n, err
}

// Touch passes the driver's cheap touch through when it has one.
func (d *measuredDriver) Touch(ctx context.Context, key string) error {
	t, ok := d.d.(storage.Toucher)
	if !ok {
		return errors.ErrUnsupported
	}
	start := time.Now()
	err := t.Touch(ctx, key)
	d.observe("touch", start, err)
	return err
}

func (d *measuredDriver) observe(op string, start time.Time, err error) {
	d.m.storageDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	d.countError(op, err)
}

func (d *measuredDriver) countError(op string, err error) {
	if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, context.Canceled) {
		d.m.storageErrors.WithLabelValues(op).Inc()
	}
}

func (d *measuredDriver) Open(ctx context.Context, key string) (io.ReadSeekCloser, storage.Info, error) {
	start := time.Now()
	r, info, err := d.d.Open(ctx, key)
	d.observe("open", start, err)
	return r, info, err
}

func (d *measuredDriver) Stat(ctx context.Context, key string) (storage.Info, error) {
	start := time.Now()
	info, err := d.d.Stat(ctx, key)
	d.observe("stat", start, err)
	return info, err
}

func (d *measuredDriver) Put(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := d.d.Put(ctx, key, data)
	d.observe("put", start, err)
	return err
}

func (d *measuredDriver) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := d.d.Delete(ctx, key)
	d.observe("delete", start, err)
	return err
}

// List is timed as a list (listTimed).
func (d *measuredDriver) List(ctx context.Context, prefix, startAfter string) iter.Seq2[storage.Info, error] {
	return listTimed(d, d.d.List(ctx, prefix, startAfter))
}

// ListKeys is timed as a list; a driver that cannot list keys alone has
// them taken from List.
func (d *measuredDriver) ListKeys(ctx context.Context, prefix, startAfter string) iter.Seq2[string, error] {
	kl, ok := d.d.(storage.KeyLister)
	if !ok {
		return func(yield func(string, error) bool) {
			for info, err := range d.List(ctx, prefix, startAfter) {
				if !yield(info.Key, err) || err != nil {
					return
				}
			}
		}
	}
	return listTimed(d, kl.ListKeys(ctx, prefix, startAfter))
}

// listTimed times only what the driver spends producing a listing, not
// what the caller does with each entry, and records it as one "list".
func listTimed[V any](d *measuredDriver, seq iter.Seq2[V, error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		var spent time.Duration
		var failed error
		t := time.Now()
		for v, err := range seq {
			spent += time.Since(t)
			if err != nil {
				failed = err
			}
			if !yield(v, err) {
				t = time.Time{}
				break
			}
			t = time.Now()
		}
		if !t.IsZero() {
			spent += time.Since(t)
		}
		d.m.storageDuration.WithLabelValues("list").Observe(spent.Seconds())
		d.countError("list", failed)
	}
}

func (d *measuredDriver) Upload(ctx context.Context, id string) (storage.Upload, error) {
	start := time.Now()
	u, err := d.d.Upload(ctx, id)
	d.observe("upload", start, err)
	if err != nil {
		return nil, err
	}
	d.m.uploads.Inc()
	return &measuredUpload{Upload: u, d: d}, nil
}

// measuredUpload counts itself in pier_uploads_in_progress until it is
// closed, committed or cancelled.
type measuredUpload struct {
	storage.Upload
	d    *measuredDriver
	once sync.Once
}

func (u *measuredUpload) done() { u.once.Do(u.d.m.uploads.Dec) }

func (u *measuredUpload) Write(p []byte) (int, error) {
	n, err := u.Upload.Write(p)
	u.d.countError("upload_write", err)
	return n, err
}

func (u *measuredUpload) Close() error {
	defer u.done()
	start := time.Now()
	err := u.Upload.Close()
	u.d.observe("upload_close", start, err)
	return err
}

func (u *measuredUpload) Commit(ctx context.Context, key string) error {
	defer u.done()
	start := time.Now()
	err := u.Upload.Commit(ctx, key)
	u.d.observe("upload_commit", start, err)
	return err
}

func (u *measuredUpload) Cancel(ctx context.Context) error {
	defer u.done()
	start := time.Now()
	err := u.Upload.Cancel(ctx)
	u.d.observe("upload_cancel", start, err)
	return err
}
