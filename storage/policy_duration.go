package storage

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration read from configuration text: Go syntax
// ("90s", "1h30m") or a whole number of days ("30d").
type Duration time.Duration

// ParseDuration parses "1h30m" or "30d".
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 32)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("duration %q: want a whole number of days like 30d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a duration like 90s, 12h or 30d", s)
	}
	return d, nil
}

// UnmarshalText reads a duration like "12h" or "30d".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes whole days as "Nd", anything else in Go syntax.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Duration) String() string {
	v := time.Duration(d)
	if v > 0 && v%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", v/(24*time.Hour))
	}
	return v.String()
}
