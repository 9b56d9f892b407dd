package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/pier-registry/pier/storage"
)

// Password length limits. bcrypt ignores everything past 72 bytes, so a
// longer password would be silently truncated: refuse it instead.
const (
	minPassword = 8
	maxPassword = 72
)

// User describes an account. The password hash never leaves the package.
type User struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

type userRecord struct {
	User
	Hash string `json:"hash"`
}

// Users are the accounts kept in a storage Driver. Every method is a
// single write or delete per key, so the CLI may run beside `pier serve`.
type Users struct {
	d      storage.Driver
	tokens *Tokens
	cache  passwordCache
}

// NewUsers returns the accounts stored in d.
func NewUsers(d storage.Driver) *Users {
	return &Users{d: d, tokens: NewTokens(d)}
}

// Add creates a user. ErrUserExists if the name is taken.
func (u *Users) Add(ctx context.Context, name, password string) error {
	if err := ValidUserName(name); err != nil {
		return err
	}
	if _, err := u.d.Stat(ctx, usersPrefix+name); err == nil {
		return fmt.Errorf("%w: %s", ErrUserExists, name)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return writeRecord(ctx, u.d, usersPrefix+name, userRecord{User{name, now, now}, hash})
}

// SetPassword replaces the password of an existing user and revokes the
// user's refresh tokens (its logged-in sessions). Access tokens stay.
func (u *Users) SetPassword(ctx context.Context, name, password string) error {
	rec, err := u.get(ctx, name)
	if err != nil {
		return err
	}
	if rec.Hash, err = hashPassword(password); err != nil {
		return err
	}
	return u.replace(ctx, rec)
}

// replace stores rec as the user's new record and ends its sessions.
func (u *Users) replace(ctx context.Context, rec userRecord) error {
	rec.Updated = time.Now().UTC()
	if err := writeRecord(ctx, u.d, usersPrefix+rec.Name, rec); err != nil {
		return err
	}
	return u.tokens.revokeAll(ctx, rec.Name, KindRefresh)
}

// Remove deletes a user and every token of it. Tokens go first, so that
// a crash half-way leaves a user without tokens, never tokens without user.
func (u *Users) Remove(ctx context.Context, name string) error {
	if _, err := u.get(ctx, name); err != nil {
		return err
	}
	if err := u.tokens.revokeAll(ctx, name, ""); err != nil {
		return err
	}
	return u.d.Delete(ctx, usersPrefix+name)
}

// Get describes one user. ErrUserNotFound if there is none.
func (u *Users) Get(ctx context.Context, name string) (User, error) {
	rec, err := u.get(ctx, name)
	return rec.User, err
}

// List returns every user, ordered by name.
func (u *Users) List(ctx context.Context) ([]User, error) {
	var out []User
	for info, err := range u.d.List(ctx, usersPrefix, "") {
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(info.Key, usersPrefix)
		rec, err := u.get(ctx, name)
		if errors.Is(err, ErrUserNotFound) {
			continue // removed while listing
		} else if err != nil {
			return nil, err
		}
		out = append(out, rec.User)
	}
	return out, nil
}

// Check returns nil when password is the user's password, otherwise
// ErrBadCredentials, whether the user exists or not.
func (u *Users) Check(ctx context.Context, name, password string) error {
	rec, err := u.get(ctx, name)
	if errors.Is(err, ErrUserNotFound) || errors.Is(err, ErrInvalid) {
		// Spend the time a real check takes, so that timing does not
		// tell which names exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return ErrBadCredentials
	} else if err != nil {
		return err
	}
	if u.cache.hit(rec.Name, rec.Hash, password) {
		return nil
	}
	if bcrypt.CompareHashAndPassword([]byte(rec.Hash), []byte(password)) != nil {
		return ErrBadCredentials
	}
	u.cache.add(rec.Name, rec.Hash, password)
	return nil
}

// exists reports whether the user has a record. A storage failure is an
// error (errCheckFailed), so that it neither lets a caller in nor passes
// for a removed user.
func (u *Users) exists(ctx context.Context, name string) (bool, error) {
	return recordExists(ctx, u.d, usersPrefix+name)
}

func (u *Users) get(ctx context.Context, name string) (userRecord, error) {
	if err := ValidUserName(name); err != nil {
		return userRecord{}, err
	}
	var rec userRecord
	err := readRecord(ctx, u.d, usersPrefix+name, &rec)
	if errors.Is(err, storage.ErrNotFound) {
		return rec, fmt.Errorf("%w: %s", ErrUserNotFound, name)
	}
	return rec, err
}

// hashPassword checks the length of password and returns its bcrypt hash.
func hashPassword(password string) (string, error) {
	if len(password) < minPassword || len(password) > maxPassword {
		return "", invalidf("password: use %d to %d bytes", minPassword, maxPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is a bcrypt hash of nothing anyone knows, compared against
// when the user does not exist.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(randomString(32)), bcrypt.DefaultCost)
	if err != nil {
		panic(err) // only fails for passwords over 72 bytes
	}
	return h
})
