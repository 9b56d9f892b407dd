package s3

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// List yields the keys under prefix that sort after startAfter, page by page
// with ListObjectsV2 and start-after: a page is fetched only when the caller
// has consumed the previous one, and stopping early ends the listing.
func (d *Driver) List(ctx context.Context, prefix, startAfter string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(storage.Info{}, fmt.Errorf("s3: list %q: %w", prefix, err))
			return
		}
		if matchesNothing(prefix) {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for oi := range d.client.ListObjectsIter(ctx, d.bucket, d.listOptions(prefix, startAfter)) {
			if oi.Err != nil {
				yield(storage.Info{}, wrapErr(ctx, "list", prefix, oi.Err))
				return
			}
			key, ok := d.keyOf(oi.Key)
			if !ok {
				continue
			}
			if !strings.HasPrefix(key, prefix) {
				if key > prefix {
					break // past every key with prefix
				}
				continue
			}
			// minio-go ends a listing silently when ctx is done; the
			// caller must learn that the list is cut short.
			if err := ctx.Err(); err != nil {
				yield(storage.Info{}, fmt.Errorf("s3: list %q: %w", prefix, err))
				return
			}
			if !yield(storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified}, nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(storage.Info{}, fmt.Errorf("s3: list %q: %w", prefix, err))
		}
	}
}

// listOptions turns a key prefix and start into a ListObjectsV2 request.
func (d *Driver) listOptions(prefix, startAfter string) minio.ListObjectsOptions {
	// S3 servers refuse a prefix whose last segment is "." or "..", though
	// keys like "..a" are fine: list from the segment's start and let List
	// filter.
	server := prefix
	if i := strings.LastIndexByte(prefix, '/'); prefix[i+1:] == "." || prefix[i+1:] == ".." {
		server = prefix[:i+1]
	}
	after := d.startAfterObject(startAfter)
	if server == "" {
		// Skip the staging area, which sorts before every key.
		after = max(after, d.prefix+mark+"~")
	}
	return minio.ListObjectsOptions{Prefix: d.prefix + server, StartAfter: after, Recursive: true, FetchOwner: new(false)}
}
