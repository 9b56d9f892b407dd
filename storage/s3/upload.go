package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// upload is a storage.Upload on an S3 multipart upload. Write and Close
// run under the context given to Driver.Upload.
type upload struct {
	d       *Driver
	ctx     context.Context
	id      string
	hold    *hold // this session's claim on the upload
	rec     *record
	buf     []byte // bytes after the last part, fewer than partSize(next part)
	size    int64
	saved   bool // the record exists in the bucket
	changed bool // something to persist since the last save
	spent   bool
}

// Upload starts an upload (id "") or resumes upload id, loading the bytes
// written after its last full part. The session holds the upload through
// a lock object (see hold): ErrUploadBusy while another session has it.
func (d *Driver) Upload(ctx context.Context, id string) (storage.Upload, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3: upload %q: %w", id, err)
	}
	if id == "" {
		id = newUploadID()
		h, err := d.acquire(ctx, id)
		if err != nil {
			return nil, err
		}
		rec := &record{Version: recordVersion, Started: time.Now().UTC()}
		return &upload{d: d, ctx: ctx, id: id, hold: h, rec: rec, changed: true}, nil
	}
	if !uploadIDRE.MatchString(id) {
		return nil, fmt.Errorf("s3: upload %q: malformed id: %w", id, storage.ErrNotFound)
	}
	// Hold first, then read: what a session loads must be what the
	// previous holder left, not a state another session is changing.
	h, err := d.acquire(ctx, id)
	if err != nil {
		return nil, err
	}
	u, err := d.resume(ctx, id, h)
	if err != nil {
		return nil, errors.Join(err, h.release(ctx))
	}
	return u, nil
}

// resume loads the record of upload id and the bytes after its last part.
func (d *Driver) resume(ctx context.Context, id string, h *hold) (*upload, error) {
	rec, err := d.loadRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	u := &upload{d: d, ctx: ctx, id: id, hold: h, rec: rec, size: rec.partsSize(), saved: true}
	if rec.Leftover > 0 {
		next := partSize(len(rec.Parts) + 1)
		if rec.Leftover >= next {
			return nil, fmt.Errorf("s3: upload %s: damaged record: leftover of %d bytes, parts are %d", id, rec.Leftover, next)
		}
		b := bytes.NewBuffer(make([]byte, 0, next))
		if err := d.getInto(ctx, "resuming upload", id, d.stagingObject(id, rec.leftoverName()), next, b); err != nil {
			return nil, err
		}
		if int64(b.Len()) != rec.Leftover {
			return nil, fmt.Errorf("s3: upload %s: leftover holds %d bytes, its record says %d", id, b.Len(), rec.Leftover)
		}
		u.buf = b.Bytes()
		u.size += rec.Leftover
	}
	return u, nil
}

func (u *upload) ID() string  { return u.id }
func (u *upload) Size() int64 { return u.size }

// Write buffers p, sending each part to S3 as soon as it is full and more
// bytes follow (a full part at the end is sent by Close or Commit).
func (u *upload) Write(p []byte) (int, error) {
	if u.spent {
		return 0, fmt.Errorf("s3: upload %s: write after Close, Commit or Cancel", u.id)
	}
	written := 0
	for len(p) > 0 {
		limit := int(partSize(len(u.rec.Parts) + 1))
		if len(u.buf) == limit {
			if err := u.flushPart(u.ctx); err != nil {
				return written, err
			}
		}
		take := min(limit-len(u.buf), len(p))
		u.grow(take, limit)
		u.buf = append(u.buf, p[:take]...)
		p = p[take:]
		written += take
		u.size += int64(take)
		u.changed = true
	}
	return written, nil
}

// grow makes room for n more bytes without ever holding more than limit,
// so a small blob costs a small buffer and a big one exactly one part.
func (u *upload) grow(n, limit int) {
	need := len(u.buf) + n
	if need <= cap(u.buf) {
		return
	}
	c := min(max(need, 2*cap(u.buf), 64<<10), limit)
	nb := make([]byte, len(u.buf), c)
	copy(nb, u.buf)
	u.buf = nb
}

// flushPart sends the buffer as the next part, starting the multipart
// upload first if needed. The buffer is kept when S3 fails, so nothing
// acknowledged by Write is lost.
func (u *upload) flushPart(ctx context.Context) error {
	if err := u.hold.check(); err != nil {
		return err
	}
	n := len(u.rec.Parts) + 1
	if n > maxParts {
		return fmt.Errorf("s3: upload %s: more than %d parts (%d bytes), beyond what S3 stores", u.id, maxParts, u.size)
	}
	object := u.d.stagingObject(u.id, "data")
	if u.rec.Multipart == "" {
		mid, err := u.d.core.NewMultipartUpload(ctx, u.d.bucket, object, minio.PutObjectOptions{})
		if err != nil {
			return wrapErr(ctx, "starting multipart upload", u.id, err)
		}
		u.rec.Multipart = mid
		// Record it at once: a multipart upload nobody knows about would
		// hold its parts (and cost storage) forever.
		if err := u.save(ctx); err != nil {
			u.rec.Multipart = ""
			cctx, cancel := cleanupContext(ctx)
			defer cancel()
			return errors.Join(err, u.d.abort(cctx, u.id, mid))
		}
	}
	op, err := u.d.core.PutObjectPart(ctx, u.d.bucket, object, u.rec.Multipart, n,
		bytes.NewReader(u.buf), int64(len(u.buf)), minio.PutObjectPartOptions{})
	if err != nil {
		return wrapErr(ctx, fmt.Sprintf("uploading part %d of", n), u.id, err)
	}
	u.rec.Parts = append(u.rec.Parts, part{Number: n, ETag: op.ETag, Size: int64(len(u.buf))})
	u.buf = u.buf[:0]
	u.changed = true
	return nil
}

// save writes the record as it stands.
func (u *upload) save(ctx context.Context) error {
	if err := u.d.saveRecord(ctx, u.id, u.rec); err != nil {
		return err
	}
	u.saved = true
	return nil
}

// Close persists the progress and ends the session: the lock is removed
// so that another session may resume the upload.
func (u *upload) Close() error {
	if u.spent {
		return nil
	}
	u.spent = true
	err := u.persist(u.ctx)
	// A lock that cannot be removed lapses after holdTimes.ttl; failing
	// Close for it would make the caller think the progress was lost.
	_ = u.hold.release(u.ctx)
	return err
}

// persist sends a full buffer as a part, stores a partial one as a new
// leftover object, then the record that points to both.
func (u *upload) persist(ctx context.Context) error {
	if len(u.buf) > 0 && int64(len(u.buf)) == partSize(len(u.rec.Parts)+1) {
		if err := u.flushPart(ctx); err != nil {
			return err
		}
	}
	if !u.changed && u.saved {
		return nil
	}
	if err := u.hold.check(); err != nil {
		return err
	}
	old, hadOld := u.rec.leftoverName(), u.rec.Leftover > 0
	u.rec.Leftover = int64(len(u.buf))
	if len(u.buf) > 0 {
		u.rec.Gen++
		if err := u.d.putObject(ctx, "saving upload", u.id, u.d.stagingObject(u.id, u.rec.leftoverName()), u.buf); err != nil {
			return err
		}
	}
	if err := u.save(ctx); err != nil {
		return err
	}
	if hadOld {
		return u.d.removeObject(ctx, "saving upload", u.id, u.d.stagingObject(u.id, old))
	}
	return nil
}

// abort ends multipart upload mid of upload id; one already gone is fine.
func (d *Driver) abort(ctx context.Context, id, mid string) error {
	err := d.core.AbortMultipartUpload(ctx, d.bucket, d.stagingObject(id, "data"), mid)
	if err != nil && isNotFound(err) {
		return nil
	}
	return wrapErr(ctx, "aborting upload", id, err)
}
