package fs

import (
	"crypto/rand"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
)

// maxAttempts bounds how often inDir remakes a directory that a concurrent
// Delete keeps pruning.
const maxAttempts = 100

// inDir runs op, which creates a name in dir. When dir is missing (never
// made, or pruned by a concurrent Delete in this or another process) it
// makes dir and runs op again.
func (d *Driver) inDir(dir string, op func() error) error {
	var err error
	for range maxAttempts {
		if err = op(); !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		if merr := d.mkdirs(dir); merr != nil && !errors.Is(merr, iofs.ErrNotExist) {
			return merr
		}
	}
	return fmt.Errorf("directory %s keeps vanishing (%d attempts): %w", dir, maxAttempts, err)
}

// mkdirs makes dir and its missing parents under the root, syncing each
// parent so the new entries last.
func (d *Driver) mkdirs(dir string) error {
	err := os.Mkdir(dir, dirPerm)
	if errors.Is(err, iofs.ErrNotExist) && dir != d.root {
		if err = d.mkdirs(filepath.Dir(dir)); err == nil {
			err = os.Mkdir(dir, dirPerm)
		}
	}
	switch {
	case err == nil:
		return syncDir(filepath.Dir(dir))
	case errors.Is(err, iofs.ErrExist):
		return nil
	}
	return err
}

// prune removes dir and then its parents, up to but not including the
// root, while they are empty. It returns the directory it stopped at. A
// directory that is not empty, already gone or refilled meanwhile simply
// stops it: rmdir never removes anything but an empty directory.
func (d *Driver) prune(dir string) string {
	for dir != d.root && len(dir) > len(d.root) {
		if os.Remove(dir) != nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return dir
}

// replace atomically replaces the file p in dir with data.
func replace(dir, p string, data []byte) error {
	tmp := filepath.Join(dir, tempPrefix+rand.Text())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// dir cannot vanish here: it holds tmp, so it is not empty.
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", filepath.Base(p), notMissing(err))
	}
	// A missing dir means a concurrent Delete has removed the new value
	// already: nothing is left to make last.
	if err := syncDir(dir); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	return nil
}

// notMissing turns a "not exist" error that must not make inDir retry into
// a plain one.
func notMissing(err error) error {
	if errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("%v", err)
	}
	return err
}

// syncDir makes the entries of dir last.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
