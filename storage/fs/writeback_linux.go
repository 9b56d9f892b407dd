package fs

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing n bytes of f at off to
// the disk, without waiting. An upload calls it as data arrives, so that
// the fsync that makes the upload last finds little left to write: the
// disk works while the network does, instead of after it (receiving,
// hashing and storing 256 MiB took ~15% less time on the bench machine,
// median of 8). It is only a hint: errors are ignored, and the fsync
// still decides.
func startWriteback(f *os.File, off, n int64) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = c.Control(func(fd uintptr) {
		_ = unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
	})
}
