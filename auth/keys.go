package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/pier-registry/pier/storage"
)

// signingAlg is the JWT algorithm of pier's own keys.
const signingAlg = "ES256"

// kidRE matches pier's key ids: base64url SHA-256 thumbprints.
var kidRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// keyRecord is a signing key as stored under _auth/keys/<kid>.
type keyRecord struct {
	KID     string    `json:"kid"`
	Alg     string    `json:"alg"`
	Created time.Time `json:"created"`
	Key     string    `json:"key"` // PKCS#8 PEM
}

// KeyInfo describes a stored signing key.
type KeyInfo struct {
	KID     string    `json:"kid"`
	Created time.Time `json:"created"`
	// Signing is true for the key new tokens are signed with.
	Signing bool `json:"signing"`
}

// newKey generates a P-256 key and stores it, without making it the
// signing key.
func newKey(ctx context.Context, d storage.Driver) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("auth: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("auth: encode key: %w", err)
	}
	kid, err := jwkThumbprint(&priv.PublicKey)
	if err != nil {
		return "", err
	}
	rec := keyRecord{
		KID: kid, Alg: signingAlg, Created: time.Now().UTC(),
		Key: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}
	return kid, writeRecord(ctx, d, keysPrefix+kid, rec)
}

// decode parses the private key and checks that it is the key its kid names.
func (r keyRecord) decode() (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(r.Key))
	if block == nil || r.Alg != signingAlg {
		return nil, fmt.Errorf("auth: key %s: not an %s PEM key", r.KID, signingAlg)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	priv, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("auth: key %s: not a P-256 private key", r.KID)
	}
	if kid, _ := jwkThumbprint(&priv.PublicKey); kid != r.KID {
		return nil, fmt.Errorf("auth: key %s: stored under the wrong kid %s", kid, r.KID)
	}
	return priv, nil
}

// ensureSigningKey creates the first signing key when there is none. Two
// replicas starting at once both write a key and then the pointer; the last
// pointer write wins and every replica signs with that key once it re-reads
// the pointer. The losers' keys are kept, never deleted: another replica may
// already have read the pointer while it named one of them, and a pointer
// that names a missing key would stop that replica. A kept loser is only an
// extra verification key (`pier token key ls` lists it; retire it at will).
func ensureSigningKey(ctx context.Context, d storage.Driver) error {
	if _, err := readValue(ctx, d, signingKey); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	kid, err := newKey(ctx, d)
	if err != nil {
		return err
	}
	if err := d.Put(ctx, signingKey, []byte(kid)); err != nil {
		return fmt.Errorf("auth: write %s: %w", signingKey, err)
	}
	return nil
}

// RotateKey makes a new signing key. The old one keeps verifying the tokens
// it signed until RetireKey removes it; wait at least a token lifetime
// before doing so. Other processes switch within keyRefresh.
func RotateKey(ctx context.Context, d storage.Driver) (string, error) {
	kid, err := newKey(ctx, d)
	if err != nil {
		return "", err
	}
	if err := d.Put(ctx, signingKey, []byte(kid)); err != nil {
		return "", fmt.Errorf("auth: write %s: %w", signingKey, err)
	}
	return kid, nil
}

// RetireKey deletes a signing key: tokens it signed stop verifying. The
// current signing key cannot be retired; rotate first.
func RetireKey(ctx context.Context, d storage.Driver, kid string) error {
	cur, err := readValue(ctx, d, signingKey)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	if string(cur) == kid {
		return invalidf("key %s signs new tokens; run a rotation before retiring it", kid)
	}
	if !kidRE.MatchString(kid) {
		return invalidf("%q is not a key id", kid)
	}
	if _, err := d.Stat(ctx, keysPrefix+kid); errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: no signing key %q", storage.ErrNotFound, kid)
	} else if err != nil {
		return err
	}
	return d.Delete(ctx, keysPrefix+kid)
}

// ListKeys describes the stored signing keys, oldest first.
func ListKeys(ctx context.Context, d storage.Driver) ([]KeyInfo, error) {
	cur, err := readValue(ctx, d, signingKey)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	recs, err := readKeys(ctx, d)
	if err != nil {
		return nil, err
	}
	out := make([]KeyInfo, 0, len(recs))
	for _, r := range recs {
		out = append(out, KeyInfo{KID: r.KID, Created: r.Created, Signing: r.KID == string(cur)})
	}
	slices.SortFunc(out, func(a, b KeyInfo) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// readKeys reads every key record under _auth/keys/.
func readKeys(ctx context.Context, d storage.Driver) ([]keyRecord, error) {
	var out []keyRecord
	for info, err := range d.List(ctx, keysPrefix, "") {
		if err != nil {
			return nil, err
		}
		var rec keyRecord
		err := readRecord(ctx, d, info.Key, &rec)
		if errors.Is(err, storage.ErrNotFound) {
			continue // retired while listing
		} else if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
