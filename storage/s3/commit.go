package s3

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7"
)

// Commit publishes the upload at key. An upload smaller than one part is a
// single PUT; otherwise the last part is sent, the multipart upload is
// completed on the staging object and copied server-side to key (S3 has no
// rename). Either way key is replaced atomically. The staged objects are
// removed afterwards, the lock last.
func (u *upload) Commit(ctx context.Context, key string) error {
	if err := checkDataKey(key); err != nil {
		return err
	}
	if u.spent {
		return fmt.Errorf("s3: upload %s: commit after Close, Commit or Cancel", u.id)
	}
	u.spent = true
	if err := u.publish(ctx, key); err != nil {
		// The session ends all the same; its lock would lapse anyway.
		return errors.Join(err, u.hold.release(ctx))
	}
	u.hold.stop()
	return u.removeStaged(ctx, u.rec.Multipart != "")
}

// publish writes the upload's bytes at key, while the hold is renewed.
func (u *upload) publish(ctx context.Context, key string) error {
	if err := u.hold.check(); err != nil {
		return err
	}
	if u.rec.Multipart == "" {
		return u.d.putObject(ctx, "commit", key, u.d.object(key), u.buf)
	}
	if len(u.buf) > 0 {
		if err := u.flushPart(ctx); err != nil {
			return err
		}
	}
	if err := u.hold.check(); err != nil {
		return err
	}
	if err := u.complete(ctx); err != nil {
		return err
	}
	return u.d.copyObject(ctx, key, u.d.stagingObject(u.id, "data"), u.size)
}

// removeStaged deletes what a committed upload staged, without listing:
// the completed data object, the last leftover, the record, the lock.
func (u *upload) removeStaged(ctx context.Context, completed bool) error {
	var names []string
	if completed {
		names = append(names, "data")
	}
	if u.rec.Leftover > 0 {
		names = append(names, u.rec.leftoverName())
	}
	if u.saved {
		names = append(names, "record")
	}
	names = append(names, "lock")
	for _, name := range names {
		if err := u.d.removeObject(ctx, "removing upload", u.id, u.d.stagingObject(u.id, name)); err != nil {
			return err
		}
	}
	return nil
}

// complete completes the multipart upload on the staging object.
func (u *upload) complete(ctx context.Context) error {
	parts := make([]minio.CompletePart, len(u.rec.Parts))
	for i, p := range u.rec.Parts {
		parts[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := u.d.core.CompleteMultipartUpload(ctx, u.d.bucket, u.d.stagingObject(u.id, "data"),
		u.rec.Multipart, parts, minio.PutObjectOptions{})
	return wrapErr(ctx, "completing upload", u.id, err)
}

// Cancel aborts the multipart upload and removes every staged object.
func (u *upload) Cancel(ctx context.Context) error {
	if u.spent {
		return fmt.Errorf("s3: upload %s: cancel after Close, Commit or Cancel", u.id)
	}
	u.spent = true
	if err := u.hold.check(); err != nil {
		u.hold.stop()
		return err // the upload may be another session's now
	}
	if !u.saved && u.rec.Multipart == "" {
		return u.hold.release(ctx) // only the lock ever reached the bucket
	}
	u.hold.stop()
	return u.d.removeStaging(ctx, u.id, u.rec)
}

// removeStaging aborts rec's multipart upload, if any, then deletes every
// object under !staging/<id>/ (listing them, so strays of an interrupted
// Close or Commit go too), then the record, so that an interrupted removal
// can be found and finished by PurgeUploads, and the lock last, so that no
// session can take the upload while it is half removed.
func (d *Driver) removeStaging(ctx context.Context, id string, rec *record) error {
	if rec != nil && rec.Multipart != "" {
		if err := d.abort(ctx, id, rec.Multipart); err != nil {
			return err
		}
	}
	dir := d.stagingObject(id, "")
	var names []string
	for oi := range d.client.ListObjectsIter(ctx, d.bucket, minio.ListObjectsOptions{Prefix: dir, Recursive: true, FetchOwner: new(false)}) {
		if oi.Err != nil {
			return wrapErr(ctx, "removing upload", id, oi.Err)
		}
		names = append(names, strings.TrimPrefix(oi.Key, dir))
	}
	var errs []error
	for _, name := range names {
		if name != "record" && name != "lock" {
			errs = append(errs, d.removeObject(ctx, "removing upload", id, dir+name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := d.removeObject(ctx, "removing upload", id, dir+"record"); err != nil {
		return err
	}
	return d.removeObject(ctx, "removing upload", id, dir+"lock")
}
