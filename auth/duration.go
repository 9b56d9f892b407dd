package auth

import (
	"time"

	"github.com/pier-registry/pier/storage"
)

// Duration is the configuration's duration type: Go syntax ("5m",
// "1h30m") or whole days ("90d"). It is storage's, so that every section
// of the configuration reads durations alike.
type Duration = storage.Duration

// ParseDuration parses a duration like "5m", "12h" or "90d" (a token's
// --expires, say); a malformed one is an ErrInvalid.
func ParseDuration(s string) (time.Duration, error) {
	d, err := storage.ParseDuration(s)
	if err != nil {
		return 0, invalidf("%v", err)
	}
	return d, nil
}
