package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/pier-registry/pier/storage"
)

// lockBody is what a lock object holds. The holder makes every session's
// lock differ from every other's, and so its ETag.
type lockBody struct {
	Holder  string `json:"holder"`
	Renewal int    `json:"renewal"`
}

// lockState is a lock object as read back.
type lockState struct {
	lockBody
	etag string
	age  time.Duration // since it was last written, by S3's clock
}

// take creates the lock, or takes over a stale one. A conflict whose lock
// turns out to be this session's is a write that went through although its
// reply was lost (and minio-go's retry met the lock it had just made).
func (h *hold) take(ctx context.Context) error {
	first := time.Now()
	match := "" // create; else the ETag of a stale lock to replace
	for range 3 {
		etag, err := h.put(ctx, match, 0)
		if err == nil {
			h.etag, h.until = etag, first.Add(h.times.ttl-h.times.margin)
			return nil
		}
		if !isConflict(err) && !isNotFound(err) {
			return wrapErr(ctx, "holding upload", h.id, err)
		}
		cur, err := h.read(ctx)
		switch {
		case isNotFoundErr(err):
			match = "" // released meanwhile: create it again
			continue
		case err != nil:
			return err
		case cur.Holder == h.holder:
			h.etag, h.until = cur.etag, first.Add(h.times.ttl-h.times.margin)
			return nil
		case cur.age < h.times.ttl:
			return fmt.Errorf("s3: upload %s: %w", h.id, storage.ErrUploadBusy)
		}
		match = cur.etag // stale: its holder crashed or lost S3
	}
	return fmt.Errorf("s3: upload %s: %w (its lock keeps changing hands)", h.id, storage.ErrUploadBusy)
}

// put writes the lock with a conditional PUT: If-None-Match: * when match
// is "", else If-Match: match. It returns the new ETag, or minio-go's error
// as it is, for isConflict.
func (h *hold) put(ctx context.Context, match string, renewal int) (string, error) {
	body, err := json.Marshal(lockBody{Holder: h.holder, Renewal: renewal})
	if err != nil {
		return "", err
	}
	opts := minio.PutObjectOptions{DisableMultipart: true, ContentType: "application/json"}
	if match == "" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(match)
	}
	info, err := h.d.client.PutObject(ctx, h.d.bucket, h.object, bytes.NewReader(body), int64(len(body)), opts)
	return info.ETag, err
}

// read fetches the lock. A body that does not parse is a lock of no known
// holder: it still blocks until it is stale.
func (h *hold) read(ctx context.Context) (lockState, error) {
	body, oi, hdr, err := h.d.core.GetObject(ctx, h.d.bucket, h.object, minio.GetObjectOptions{})
	if err != nil {
		return lockState{}, wrapErr(ctx, "reading upload lock", h.id, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 4<<10))
	if err != nil {
		return lockState{}, wrapErr(ctx, "reading upload lock", h.id, err)
	}
	st := lockState{etag: oi.ETag}
	_ = json.Unmarshal(data, &st.lockBody)
	// Age by S3's own clock (the reply's Date against Last-Modified), so
	// that the clocks of pier's hosts do not matter.
	now, err := http.ParseTime(hdr.Get("Date"))
	if err != nil {
		now = time.Now()
	}
	st.age = now.Sub(oi.LastModified)
	return st, nil
}

// isConflict reports whether err is S3 refusing a conditional write: 412
// Precondition Failed, or 409 for a conditional write racing another.
func isConflict(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) &&
		(resp.StatusCode == http.StatusPreconditionFailed || resp.StatusCode == http.StatusConflict)
}

// isNotFoundErr reports whether err, as wrapped by wrapErr, means "absent".
func isNotFoundErr(err error) bool { return errors.Is(err, storage.ErrNotFound) }

// checkConditionalWrites makes sure that S3 honours the conditional
// writes that holding uploads rests on: a second create under
// If-None-Match: * and a replace under If-Match with an ETag that is not
// the object's both fail. A server that ignored them would let two
// sessions write one upload at once.
func (d *Driver) checkConditionalWrites(ctx context.Context, endpoint string) error {
	id := newUploadID()
	h := &hold{d: d, id: id, object: d.stagingObject(id, "lock"), holder: id}
	if _, err := h.put(ctx, "", 0); err != nil {
		return wrapErr(ctx, "checking conditional writes with", h.object, err)
	}
	var errs []error
	for _, c := range []struct{ header, match string }{{"If-None-Match: *", ""}, {"If-Match", "0123456789abcdef0123456789abcdef"}} {
		_, err := h.put(ctx, c.match, 1)
		switch {
		case err == nil:
			errs = append(errs, fmt.Errorf("s3: %s ignores %s on PUT; pier needs conditional writes "+
				"(AWS S3 and MinIO have them) to let one session at a time write an upload", endpoint, c.header))
		case !isConflict(err):
			errs = append(errs, wrapErr(ctx, "checking conditional writes with", h.object, err))
		}
	}
	errs = append(errs, d.removeObject(ctx, "checking conditional writes with", h.object, h.object))
	return errors.Join(errs...)
}
