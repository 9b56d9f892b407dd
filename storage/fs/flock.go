//go:build unix

package fs

import (
	"errors"
	"os"
	"syscall"
)

// hold takes the upload's staging file for this session alone: an
// advisory lock that every pier process on this root honours, released
// by the kernel when the file is closed, even by a crash.
func hold(f *os.File) (busy bool, err error) {
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
