package s3

import (
	"context"
	"errors"
	"iter"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// StagedUpload is an upload that was closed (or started a multipart upload)
// and is not yet committed or cancelled.
type StagedUpload struct {
	ID string
	// Updated is when the upload last persisted progress.
	Updated time.Time
}

// StagedUploads lists the uploads that have a record in the bucket, in ID
// order. S3's ListMultipartUploads cannot do this portably (MinIO matches
// an exact key only), hence the driver's own records.
func (d *Driver) StagedUploads(ctx context.Context) iter.Seq2[StagedUpload, error] {
	return func(yield func(StagedUpload, error) bool) {
		for g, err := range d.stagingGroups(ctx) {
			if err != nil {
				yield(StagedUpload{}, err)
				return
			}
			if g.hasRecord && !yield(StagedUpload{ID: g.id, Updated: g.updated}, nil) {
				return
			}
		}
	}
}

// PurgeUploads cancels the uploads that have not persisted progress since
// before, and removes staged objects that lost their record (a crash
// mid-Close or mid-Commit). It returns how many uploads it removed. An
// upload held by a session looks fresh however long its request runs,
// since the session renews its lock object every holdTimes.renew; before
// only needs to leave room for a client to come back between requests.
func (d *Driver) PurgeUploads(ctx context.Context, before time.Time) (int, error) {
	purged := 0
	var errs []error
	for g, err := range d.stagingGroups(ctx) {
		if err != nil {
			return purged, errors.Join(append(errs, err)...)
		}
		if !g.updated.Before(before) {
			continue
		}
		var rec *record
		if g.hasRecord {
			r, err := d.loadRecord(ctx, g.id)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			rec = r
		}
		if err := d.removeStaging(ctx, g.id, rec); err != nil {
			errs = append(errs, err)
			continue
		}
		purged++
	}
	return purged, errors.Join(errs...)
}

// stagingGroup is what one upload id holds under !staging/.
type stagingGroup struct {
	id        string
	hasRecord bool
	updated   time.Time // the newest object's time
}

// stagingGroups walks !staging/ once, in key order, so the objects of one
// upload come together.
func (d *Driver) stagingGroups(ctx context.Context) iter.Seq2[stagingGroup, error] {
	return func(yield func(stagingGroup, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		dir := d.prefix + stagingDir
		var cur stagingGroup
		opts := minio.ListObjectsOptions{Prefix: dir, Recursive: true, FetchOwner: new(false)}
		for oi := range d.client.ListObjectsIter(ctx, d.bucket, opts) {
			if oi.Err != nil {
				yield(stagingGroup{}, wrapErr(ctx, "listing uploads", stagingDir, oi.Err))
				return
			}
			id, name, ok := strings.Cut(strings.TrimPrefix(oi.Key, dir), "/")
			if !ok || !uploadIDRE.MatchString(id) {
				continue // not ours: leave it alone
			}
			if id != cur.id {
				if cur.id != "" && !yield(cur, nil) {
					return
				}
				cur = stagingGroup{id: id}
			}
			cur.hasRecord = cur.hasRecord || name == "record"
			if oi.LastModified.After(cur.updated) {
				cur.updated = oi.LastModified
			}
		}
		if cur.id != "" {
			yield(cur, nil)
		}
	}
}
