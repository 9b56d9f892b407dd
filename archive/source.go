package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// source is what an archive is read from: a directory or a tar file. Names
// are slash-separated and relative to the archive's root.
type source interface {
	// open returns the entry's content and its size; ErrMissing if absent.
	open(name string) (io.ReadCloser, int64, error)
	// size returns the entry's size; ErrMissing if absent.
	size(name string) (int64, error)
	close() error
}

// openSource opens path as a directory or as a tar file.
func openSource(p string) (source, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		root, err := os.OpenRoot(p)
		if err != nil {
			return nil, err
		}
		return dirSource{root}, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	t, err := indexTar(f, info.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return t, nil
}

// dirSource reads an OCI layout directory. os.Root keeps every open inside
// the directory, symbolic links included.
type dirSource struct{ root *os.Root }

func (d dirSource) open(name string) (io.ReadCloser, int64, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, 0, missing(name, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %w: not a regular file", name, ErrCorrupt)
	}
	return f, info.Size(), nil
}

func (d dirSource) size(name string) (int64, error) {
	info, err := d.root.Stat(name)
	if err != nil {
		return 0, missing(name, err)
	}
	if !info.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: %w: not a regular file", name, ErrCorrupt)
	}
	return info.Size(), nil
}

func (d dirSource) close() error { return d.root.Close() }

// missing turns "no such file" into ErrMissing, naming the entry.
func missing(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", name, ErrMissing)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// cleanName makes a tar entry name comparable with the names an archive's
// index uses ("./a//b" is "a/b"), and refuses names that leave the archive.
func cleanName(name string) (string, error) {
	n := path.Clean(strings.TrimPrefix(name, "./"))
	if path.IsAbs(n) || n == ".." || strings.HasPrefix(n, "../") {
		return "", fmt.Errorf("entry %q: %w: name leaves the archive", name, ErrCorrupt)
	}
	return n, nil
}
