package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// htpasswdEntry is one parsed line of an htpasswd file.
type htpasswdEntry struct {
	name, hash string
}

// Import reads an htpasswd file and adds its users, replacing the password
// of users that exist. Only bcrypt hashes (htpasswd -B) are accepted. The
// whole file is checked before anything is written. It returns how many
// users it imported.
func (u *Users) Import(ctx context.Context, r io.Reader) (int, error) {
	entries, err := parseHtpasswd(r)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	for _, e := range entries {
		rec, err := u.get(ctx, e.name)
		switch {
		case errors.Is(err, ErrUserNotFound):
			err = writeRecord(ctx, u.d, usersPrefix+e.name, userRecord{User{e.name, now, now}, e.hash})
		case err == nil:
			rec.Hash = e.hash
			err = u.replace(ctx, rec)
		}
		if err != nil {
			return 0, fmt.Errorf("import %s: %w", e.name, err)
		}
	}
	return len(entries), nil
}

// parseHtpasswd reads "name:hash" lines, skipping blanks and # comments.
func parseHtpasswd(r io.Reader) ([]htpasswdEntry, error) {
	var out []htpasswdEntry
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok {
			return nil, invalidf("htpasswd line %d: want name:hash", n)
		}
		if err := ValidUserName(name); err != nil {
			return nil, fmt.Errorf("htpasswd line %d: %w", n, err)
		}
		if seen[name] {
			return nil, invalidf("htpasswd line %d: user %q appears twice", n, name)
		}
		seen[name] = true
		if err := checkBcrypt(hash); err != nil {
			return nil, fmt.Errorf("htpasswd line %d (%s): %w", n, name, err)
		}
		out = append(out, htpasswdEntry{name, hash})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read htpasswd: %w", err)
	}
	return out, nil
}

// checkBcrypt refuses anything but a well-formed bcrypt hash, naming the
// kind it found so that the fix (htpasswd -B) is obvious.
func checkBcrypt(hash string) error {
	const fix = "; re-create the password with htpasswd -B (bcrypt)"
	switch {
	case strings.HasPrefix(hash, "{SHA}"):
		return invalidf("SHA-1 hashes are not supported" + fix)
	case strings.HasPrefix(hash, "$apr1$"), strings.HasPrefix(hash, "$1$"):
		return invalidf("MD5 hashes are not supported" + fix)
	case strings.HasPrefix(hash, "$5$"), strings.HasPrefix(hash, "$6$"):
		return invalidf("SHA-crypt hashes are not supported" + fix)
	case !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$") && !strings.HasPrefix(hash, "$2y$"):
		return invalidf("not a bcrypt hash (crypt or plain text?)" + fix)
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil || len(hash) != 60 {
		return invalidf("malformed bcrypt hash" + fix)
	}
	return nil
}
