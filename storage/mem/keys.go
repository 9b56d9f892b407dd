package mem

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidKey is returned for a key that breaks the rules of
// storage.Driver, or that the fs driver could not store.
var ErrInvalidKey = errors.New("mem: invalid key")

// maxSegment is the longest key segment the fs driver can store.
const maxSegment = 254

// checkKey returns an error wrapping ErrInvalidKey unless key is valid: not
// empty, no empty, "." or ".." segments (so no leading, trailing or double
// '/'), no segment over maxSegment bytes, and none of '\\', NUL and '~'.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if i := strings.IndexAny(key, "\\\x00~"); i >= 0 {
		return fmt.Errorf("%w %q: %q is not allowed", ErrInvalidKey, key, key[i])
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w %q: empty segment (leading, trailing or double '/')", ErrInvalidKey, key)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w %q: %q segment", ErrInvalidKey, key, seg)
		case len(seg) > maxSegment:
			return fmt.Errorf("%w %q: a segment is longer than %d bytes", ErrInvalidKey, key, maxSegment)
		}
	}
	return nil
}
