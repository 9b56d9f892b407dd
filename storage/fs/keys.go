package fs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrInvalidKey is returned for a key that breaks the rules of
// storage.Driver or that this driver cannot map to a file.
var ErrInvalidKey = errors.New("fs: invalid key")

const (
	// mark ends the file name of every value and starts every internal
	// name. Keys may not contain it, so no key can reach an internal name
	// and a value never collides with the directory of longer keys.
	mark = "~"
	// maxSegment leaves room for mark within the usual 255-byte name limit.
	maxSegment = 254
	// stagingDir, under the root, holds one file per upload in progress.
	stagingDir = mark + "uploads"
	// tempPrefix starts the name of a value being written by Put.
	tempPrefix = mark + "put-"
	// forbidden are the bytes no key may hold: mark, a Windows separator
	// and NUL, which no file name can hold.
	forbidden = "\\\x00" + mark
)

// checkKey returns an error wrapping ErrInvalidKey unless key is valid.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if err := checkSegment(seg); err != nil {
			return fmt.Errorf("%w %q: %v", ErrInvalidKey, key, err)
		}
	}
	return nil
}

// checkSegment says what is wrong with one '/'-free part of a key.
func checkSegment(seg string) error {
	switch {
	case seg == "":
		return errors.New("empty segment (leading, trailing or double '/')")
	case seg == "." || seg == "..":
		return fmt.Errorf("%q segment", seg)
	case len(seg) > maxSegment:
		return fmt.Errorf("a segment is longer than %d bytes", maxSegment)
	}
	if i := strings.IndexAny(seg, forbidden); i >= 0 {
		return fmt.Errorf("%q is not allowed", seg[i])
	}
	return nil
}

// path returns the file that holds the value of key.
func (d *Driver) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)+mark), nil
}

// entryKind classifies a name found in a directory.
type entryKind int

const (
	internal entryKind = iota // temp file, staging area or a stranger: not listed
	leaf                      // "<seg>~": the value of a key
	branch                    // "<seg>": a directory of longer keys
)

// classify returns what the directory entry name stands for, and its key
// segment.
func classify(name string, isDir, isFile bool) (entryKind, string) {
	seg, isLeaf := strings.CutSuffix(name, mark)
	if checkSegment(seg) != nil {
		return internal, ""
	}
	switch {
	case isLeaf && isFile:
		return leaf, seg
	case !isLeaf && isDir:
		return branch, seg
	}
	return internal, ""
}
