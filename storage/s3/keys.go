package s3

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// mark ends the object name of every key. Without it, MinIO (and any S3
// server that keeps objects as files) cannot hold "a" beside "a/b": the
// object "a" hides the folder "a/" from listings. Keys may not contain a
// byte <= mark, so mark sorts below everything that can follow a key and
// the byte order of object names is the byte order of keys.
const mark = "!"

// stagingDir is where uploads keep their records and staged data. It starts
// with mark, so no key can reach it and it sorts before every key.
const stagingDir = mark + "staging/"

// checkKey enforces the storage.Driver key rules, plus what this driver
// needs: no empty, "." or ".." segments, no leading, trailing or double
// '/', valid UTF-8 (S3 requires it), no control characters, spaces or '!'
// (see mark), and at most 1000 bytes (S3 allows 1024 per object name,
// prefix and mark included).
func checkKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty")
	case !utf8.ValidString(key):
		return errors.New("not valid UTF-8")
	case len(key) > 1000:
		return errors.New("longer than 1000 bytes")
	}
	if i := strings.IndexFunc(key, lowRune); i >= 0 {
		return fmt.Errorf("holds %q: control characters, spaces and '!' are not allowed", key[i])
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return errors.New("has an empty segment (leading, trailing or double '/')")
		case ".", "..":
			return fmt.Errorf("has a %q segment", seg)
		}
	}
	return nil
}

// lowRune reports whether r may not appear in a key (r <= mark).
func lowRune(r rune) bool { return r <= rune(mark[0]) }

// checkDataKey wraps checkKey's complaint in ErrInvalidKey.
func checkDataKey(key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("%w %q: %v", ErrInvalidKey, key, err)
	}
	return nil
}

// object returns the S3 object name of a driver key.
func (d *Driver) object(key string) string { return d.prefix + key + mark }

// keyOf returns the driver key of an object name, or false for an object
// that is not a key's (staging, or put there by someone else).
func (d *Driver) keyOf(object string) (string, bool) {
	rest, ok := strings.CutPrefix(object, d.prefix)
	if !ok || strings.HasPrefix(rest, mark) {
		return "", false
	}
	return strings.CutSuffix(rest, mark)
}

// stagingObject returns the S3 object name of a file of upload id.
func (d *Driver) stagingObject(id, name string) string {
	return d.prefix + stagingDir + id + "/" + name
}

// matchesNothing reports whether no valid key can start with prefix: one
// with a byte no key may hold, or a complete segment that is empty, "." or
// "..". S3 is not asked about these (some servers reject such names).
func matchesNothing(prefix string) bool {
	if strings.IndexFunc(prefix, lowRune) >= 0 {
		return true
	}
	segs := strings.Split(prefix, "/")
	for _, seg := range segs[:len(segs)-1] { // the last one may go on
		if seg == "" || seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// startAfterObject returns the object name to list strictly after so that
// exactly the keys > startAfter come next. A byte no key may hold ends the
// comparison: every key that shares what comes before it is greater.
func (d *Driver) startAfterObject(startAfter string) string {
	if startAfter == "" {
		return ""
	}
	if i := strings.IndexFunc(startAfter, lowRune); i >= 0 {
		startAfter = startAfter[:i]
	}
	return d.prefix + startAfter + mark
}
