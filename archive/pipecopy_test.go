package archive

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestCopyHashed(t *testing.T) {
	for _, size := range []int{0, 1, copyBuffer - 1, copyBuffer, 2*copyBuffer + 7, pipeChunks*copyBuffer + 1} {
		data := bytes.Repeat([]byte{byte(size), 7, 42}, size/3+1)[:size]
		var dst bytes.Buffer
		h := sha256.New()
		// A HalfReader makes ReadFull loop; the result must not change.
		for _, src := range []io.Reader{bytes.NewReader(data), iotest.HalfReader(bytes.NewReader(data))} {
			dst.Reset()
			h.Reset()
			n, err := copyHashed(&dst, src, h)
			want := sha256.Sum256(data)
			if err != nil || n != int64(size) || !bytes.Equal(dst.Bytes(), data) || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Errorf("size %d: copied %d, %v; content equal %v", size, n, err, bytes.Equal(dst.Bytes(), data))
			}
		}
	}
}

func TestCopyHashedErrors(t *testing.T) {
	boom := errors.New("boom")
	data := bytes.Repeat([]byte("x"), 3*copyBuffer)
	src := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
	if _, err := copyHashed(io.Discard, src, sha256.New()); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	// A failing writer stops the copy; the reading goroutine must end too
	// (the race detector and goroutine leak would show otherwise).
	w := &failingWriter{left: copyBuffer, err: boom}
	n, err := copyHashed(w, bytes.NewReader(bytes.Repeat(data, 4)), sha256.New())
	if !errors.Is(err, boom) || n != copyBuffer {
		t.Errorf("write error: %d %v", n, err)
	}
}

// failingWriter takes left bytes, then fails with err.
type failingWriter struct {
	left int
	err  error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.left <= 0 {
		return 0, w.err
	}
	n := min(len(p), w.left)
	w.left -= n
	return n, nil
}
