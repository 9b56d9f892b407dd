package s3

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Part sizes. S3 wants every part but the last to be at least 5 MiB and
// allows at most 10,000 parts of at most 5 GiB each.
const (
	basePartSize = 8 << 20
	maxPartSize  = 5 << 30
	maxParts     = 10000
	// partsPerStep parts are written at each size before it doubles.
	partsPerStep = 1000
)

// partSize is the size of part n (1-based). It doubles every partsPerStep
// parts, so memory stays at 8 MiB for blobs up to 8 GiB while the 10,000
// parts still hold ~8 TiB, more than S3's 5 TiB object limit: 100 GiB takes
// about 3,700 parts of at most 64 MiB.
func partSize(n int) int64 {
	step := (n - 1) / partsPerStep
	if step > 9 {
		return maxPartSize
	}
	return min(int64(basePartSize)<<step, maxPartSize)
}

// record is what !staging/<id>/record holds: everything another process
// needs to go on with the upload.
type record struct {
	Version   int       `json:"version"`
	Started   time.Time `json:"started"`
	Multipart string    `json:"multipart,omitempty"` // S3 upload id on the data object
	Parts     []part    `json:"parts,omitempty"`
	Leftover  int64     `json:"leftover,omitempty"` // bytes in the leftover object
	Gen       int       `json:"gen,omitempty"`      // names the leftover object
}

// part is one uploaded part of the multipart upload.
type part struct {
	Number int    `json:"n"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
}

const recordVersion = 1

// partsSize is the number of bytes in uploaded parts.
func (r *record) partsSize() int64 {
	var n int64
	for _, p := range r.Parts {
		n += p.Size
	}
	return n
}

// leftoverName names the object holding the bytes after the last part.
// Each Close writes a new generation before the record points to it, so a
// crash in between never leaves a record describing bytes it does not have.
func (r *record) leftoverName() string { return "leftover-" + strconv.Itoa(r.Gen) }

var uploadIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// newUploadID returns 128 random bits in the URL-safe alphabet.
func newUploadID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (d *Driver) loadRecord(ctx context.Context, id string) (*record, error) {
	data, err := d.getSmall(ctx, "upload", id, d.stagingObject(id, "record"), 1<<20)
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("s3: upload %s: damaged record: %w", id, err)
	}
	if rec.Version != recordVersion {
		return nil, fmt.Errorf("s3: upload %s: record version %d, this pier reads %d", id, rec.Version, recordVersion)
	}
	return &rec, nil
}

func (d *Driver) saveRecord(ctx context.Context, id string, rec *record) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("s3: upload %s: %w", id, err)
	}
	return d.putObject(ctx, "saving upload", id, d.stagingObject(id, "record"), data)
}
