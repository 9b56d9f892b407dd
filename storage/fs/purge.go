package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pier-registry/pier/storage"
)

var _ storage.UploadPurger = (*Driver)(nil)

// PurgeUploads removes what no session will finish: the staging files
// under <root>/~uploads last written before before and held by no live
// session, and the Put temporary files older than before that a crash
// left beside values. It returns how many staged uploads it removed (temp
// files are not uploads, so they are not counted). Names the driver did
// not make are left alone. It goes on past a file it cannot remove and
// returns every such error, joined.
func (d *Driver) PurgeUploads(ctx context.Context, before time.Time) (int, error) {
	n, err := d.purgeStaging(ctx, before)
	if err != nil && ctx.Err() != nil {
		return n, err
	}
	return n, errors.Join(err, d.purgeTemps(ctx, before))
}

// purgeStaging removes the stale, unheld staging files.
func (d *Driver) purgeStaging(ctx context.Context, before time.Time) (int, error) {
	dir := filepath.Join(d.root, stagingDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		return 0, nil // no upload since the last Commit or Cancel
	}
	if err != nil {
		return 0, fmt.Errorf("fs: purge uploads: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("fs: purge uploads: %w", errors.Join(append(errs, err)...))
		}
		if !e.Type().IsRegular() || !validID(e.Name()) {
			continue
		}
		removed, err := removeIdle(filepath.Join(dir, e.Name()), before)
		if err != nil {
			errs = append(errs, fmt.Errorf("fs: purge upload %s: %w", e.Name(), err))
		}
		if removed {
			n++
		}
	}
	if n > 0 {
		d.prune(dir)
	}
	return n, errors.Join(errs...)
}

// removeIdle removes the staging file p when it was last written before
// before and no session holds it. It takes the session's lock itself
// first, so that no session can resume the upload while it decides; the
// time is read under the lock, since a session may have written and let
// go of the file in between.
func removeIdle(p string, before time.Time) (bool, error) {
	f, err := os.Open(p)
	if errors.Is(err, iofs.ErrNotExist) {
		return false, nil // committed or cancelled meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close() // releases the lock, after the removal
	busy, err := hold(f)
	if busy || err != nil {
		return false, err
	}
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || !fi.ModTime().Before(before) {
		return false, nil
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// purgeTemps walks the tree, but for the staging area, for Put temporary
// files older than before. Directories that concurrent Deletes remove
// during the walk are skipped.
func (d *Driver) purgeTemps(ctx context.Context, before time.Time) error {
	var errs []error
	err := filepath.WalkDir(d.root, func(p string, e iofs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if !errors.Is(err, iofs.ErrNotExist) {
				errs = append(errs, err)
			}
			return nil
		}
		switch {
		case e.IsDir() && p == filepath.Join(d.root, stagingDir):
			return filepath.SkipDir
		case e.Type().IsRegular() && strings.HasPrefix(e.Name(), tempPrefix):
			if err := d.removeOldTemp(p, before); err != nil {
				errs = append(errs, err)
			}
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("fs: purge temporary files: %w", errors.Join(errs...))
	}
	return nil
}

// removeOldTemp removes the temporary file p when it is older than before,
// and the directories this leaves empty. A Put renames its temporary file
// within moments, so an old one belongs to a process that crashed.
func (d *Driver) removeOldTemp(p string, before time.Time) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil // renamed by its Put meanwhile
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || !fi.ModTime().Before(before) {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	d.prune(filepath.Dir(p))
	return nil
}
