package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
)

// tarSource reads a tar file in place: one pass over its headers records
// where each entry's content lies, and entries are then read as sections
// of the file, in any order, without unpacking anything.
type tarSource struct {
	f       *os.File
	entries map[string]tarEntry
}

// tarEntry is a regular file's content in the tar, or a link to another entry.
type tarEntry struct {
	offset, size int64
	link         string // set for symbolic and hard links
}

// maxLinks bounds how many links one lookup follows.
const maxLinks = 16

// indexTar reads every header of f, a tar of size bytes.
func indexTar(f *os.File, size int64) (*tarSource, error) {
	t := &tarSource{f: f, entries: map[string]tarEntry{}}
	tr := tar.NewReader(f)
	last := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tarError(last, err)
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return nil, err
		}
		last = name
		if err := t.add(h, name, size); err != nil {
			return nil, err
		}
	}
	if len(t.entries) == 0 {
		return nil, fmt.Errorf("%w: no files in the tar", ErrFormat)
	}
	return t, nil
}

// tarError explains a failure to read the header after entry last.
func tarError(last string, err error) error {
	switch {
	case last == "":
		return fmt.Errorf("%w: not a tar file, nor a directory (%v)", ErrFormat, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w: the tar is truncated in or after this entry", last, ErrCorrupt)
	}
	return fmt.Errorf("after entry %s: %w: %v", last, ErrCorrupt, err)
}

func (t *tarSource) add(h *tar.Header, name string, size int64) error {
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
		off, err := t.f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if off+h.Size > size {
			return fmt.Errorf("%s: %w: the tar is truncated (entry ends at byte %d, file has %d)", name, ErrCorrupt, off+h.Size, size)
		}
		t.entries[name] = tarEntry{offset: off, size: h.Size}
	case tar.TypeSymlink:
		if path.IsAbs(h.Linkname) {
			return fmt.Errorf("%s: %w: absolute link to %s", name, ErrCorrupt, h.Linkname)
		}
		target, err := cleanName(path.Join(path.Dir(name), h.Linkname))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		t.entries[name] = tarEntry{link: target}
	case tar.TypeLink:
		target, err := cleanName(h.Linkname)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		t.entries[name] = tarEntry{link: target}
	}
	// Directories and anything else are not content an archive refers to.
	return nil
}

// lookup finds name, following links.
func (t *tarSource) lookup(name string) (tarEntry, error) {
	want := name
	for range maxLinks {
		e, ok := t.entries[want]
		if !ok && want != name {
			return tarEntry{}, fmt.Errorf("%s: %w (the link to it is %s)", want, ErrMissing, name)
		}
		if !ok {
			return tarEntry{}, fmt.Errorf("%s: %w", name, ErrMissing)
		}
		if e.link == "" {
			return e, nil
		}
		want = e.link
	}
	return tarEntry{}, fmt.Errorf("%s: %w: too many links", name, ErrCorrupt)
}

func (t *tarSource) open(name string) (io.ReadCloser, int64, error) {
	e, err := t.lookup(name)
	if err != nil {
		return nil, 0, err
	}
	return io.NopCloser(io.NewSectionReader(t.f, e.offset, e.size)), e.size, nil
}

func (t *tarSource) size(name string) (int64, error) {
	e, err := t.lookup(name)
	return e.size, err
}

func (t *tarSource) close() error { return t.f.Close() }
