package archive

import (
	"errors"
	"hash"
	"io"
)

// pipeChunks is how many buffers a pipelined copy has in flight.
const pipeChunks = 4

// chunk is one buffer of a pipelined copy.
type chunk struct {
	buf []byte
	n   int
	err error // io.EOF at the end
}

// copyHashed copies src to dst while h hashes it. A goroutine reads and
// hashes while the caller writes, so a hash and a write syscall run on
// two cores at once instead of one after the other.
func copyHashed(dst io.Writer, src io.Reader, h hash.Hash) (int64, error) {
	free := make(chan []byte, pipeChunks)
	full := make(chan chunk, pipeChunks)
	done := make(chan struct{})
	defer close(done)
	for range pipeChunks {
		free <- make([]byte, copyBuffer)
	}
	go readHashed(src, h, free, full, done)
	var written int64
	for c := range full {
		if c.n > 0 {
			n, err := dst.Write(c.buf[:c.n])
			written += int64(n)
			if err != nil {
				return written, err
			}
		}
		if c.err != nil {
			if errors.Is(c.err, io.EOF) {
				return written, nil
			}
			return written, c.err
		}
		free <- c.buf
	}
	return written, nil
}

// readHashed fills free buffers from src, hashing them, until the end,
// an error, or done.
func readHashed(src io.Reader, h hash.Hash, free <-chan []byte, full chan<- chunk, done <-chan struct{}) {
	defer close(full)
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-done:
			return
		}
		n, err := io.ReadFull(src, buf)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		h.Write(buf[:n])
		select {
		case full <- chunk{buf, n, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}
