package archive

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// mediaTypeOf names the OCI layer type whose content starts with head.
func mediaTypeOf(head []byte) string {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return v1.MediaTypeImageLayerGzip
	case bytes.HasPrefix(head, zstdMagic):
		return v1.MediaTypeImageLayerZstd
	}
	return v1.MediaTypeImageLayer
}

// diffIDReader passes a compressed layer through while a goroutine
// decompresses a copy and hashes it; at the end of the layer it fails
// unless the uncompressed digest is want. Decompressing on the side uses a
// second core instead of slowing the copy.
type diffIDReader struct {
	r     io.Reader
	pw    *io.PipeWriter
	done  chan error
	ended bool  // the goroutine's result was taken
	err   error // and it was this
}

// checkDiffID returns r, which reads compressed content of mediaType, as a
// reader that checks its uncompressed digest is want. Close it if the read
// stops early.
func checkDiffID(r io.Reader, mediaType string, want digest.Digest, entry string) *diffIDReader {
	pr, pw := io.Pipe()
	d := &diffIDReader{r: r, pw: pw, done: make(chan error, 1)}
	go func() {
		err := hashUncompressed(pr, mediaType, want, entry)
		pr.CloseWithError(err) // unblocks the writer when hashing stopped early
		d.done <- err
	}()
	return d
}

func (d *diffIDReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if n > 0 && !d.ended {
		if _, werr := d.pw.Write(p[:n]); werr != nil {
			// The decompressor stopped: a failure, or the end of the
			// compressed stream with bytes after it, which it ignores.
			if herr := d.result(); herr != nil {
				return n, herr
			}
		}
	}
	if err == io.EOF {
		d.pw.Close()
		if herr := d.result(); herr != nil {
			return n, herr
		}
	}
	return n, err
}

// result waits for the goroutine, once.
func (d *diffIDReader) result() error {
	if !d.ended {
		d.err, d.ended = <-d.done, true
	}
	return d.err
}

// Close stops the hashing goroutine.
func (d *diffIDReader) Close() error {
	d.pw.CloseWithError(io.ErrClosedPipe)
	return nil
}

func hashUncompressed(r io.Reader, mediaType string, want digest.Digest, entry string) error {
	var dec io.Reader
	switch mediaType {
	case v1.MediaTypeImageLayerGzip:
		z, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w: not gzip: %v", entry, ErrCorrupt, err)
		}
		defer z.Close()
		dec = z
	case v1.MediaTypeImageLayerZstd:
		z, err := zstd.NewReader(r)
		if err != nil {
			return err
		}
		defer z.Close()
		dec = z
	default:
		return fmt.Errorf("%s: cannot check the diff ID of %s", entry, mediaType)
	}
	h := want.Algorithm().Hash()
	if _, err := io.Copy(h, dec); err != nil {
		return fmt.Errorf("%s: %w: decompressing: %v", entry, ErrCorrupt, err)
	}
	if got := digest.NewDigest(want.Algorithm(), h); got != want {
		return fmt.Errorf("%s: %w: uncompressed content is %s, the image config says %s", entry, ErrCorrupt, got, want)
	}
	return nil
}
