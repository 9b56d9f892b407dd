package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
)

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails: it panics if the system has no randomness.
	_, _ = rand.Read(b)
	return b
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}
