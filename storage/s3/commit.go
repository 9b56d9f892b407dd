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
// removed afterwards.
func (u *upload) Commit(ctx context.Context, key string) error {
	if err := checkDataKey(key); err != nil {
		return err
	}
	if u.spent {
		return fmt.Errorf("s3: upload %s: commit after Close, Commit or Cancel", u.id)
	}
	u.spent = true
	if u.rec.Multipart == "" {
		if err := u.d.putObject(ctx, "commit", key, u.d.object(key), u.buf); err != nil {
			return err
		}
		return u.removeStaged(ctx, false)
	}
	if len(u.buf) > 0 {
		if err := u.flushPart(ctx); err != nil {
			return err
		}
	}
	if err := u.complete(ctx); err != nil {
		return err
	}
	staged := u.d.stagingObject(u.id, "data")
	if err := u.d.copyObject(ctx, key, staged, u.size); err != nil {
		return err
	}
	return u.removeStaged(ctx, true)
}

// removeStaged deletes what a committed upload staged, without listing:
// the completed data object, the last leftover, the record.
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
	if !u.saved && u.rec.Multipart == "" {
		return nil // nothing ever reached the bucket
	}
	return u.d.removeStaging(ctx, u.id, u.rec)
}

// removeStaging aborts rec's multipart upload, if any, then deletes every
// object under !staging/<id>/ (listing them, so strays of an interrupted
// Close or Commit go too), the record last so that an interrupted removal
// can be found and finished by PurgeUploads.
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
		if name != "record" {
			errs = append(errs, d.removeObject(ctx, "removing upload", id, dir+name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return d.removeObject(ctx, "removing upload", id, dir+"record")
}
