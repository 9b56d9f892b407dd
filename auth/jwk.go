package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// minRSABits refuses RSA keys too weak to trust.
const minRSABits = 2048

// jwkThumbprint is the RFC 7638 thumbprint of a public key: pier's kid.
func jwkThumbprint(pub crypto.PublicKey) (string, error) {
	var members string // the required members in lexicographic order
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			return "", err
		}
		n := (len(raw) - 1) / 2
		members = fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`,
			k.Curve.Params().Name, b64(raw[1:1+n]), b64(raw[1+n:]))
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		members = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, b64(e), b64(k.N.Bytes()))
	case ed25519.PublicKey:
		members = fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":%q}`, b64(k))
	default:
		return "", fmt.Errorf("unsupported key type %T", pub)
	}
	sum := sha256.Sum256([]byte(members))
	return b64(sum[:]), nil
}

// libtrustKID is the key id format of docker/libtrust, which token servers
// built on distribution's token package put in their tokens: the first 240
// bits of SHA-256(DER public key), base32, in groups of four.
func libtrustKID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	s := base32.StdEncoding.EncodeToString(sum[:30])
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:i+4])
	}
	return strings.Join(groups, ":"), nil
}

// methodsFor returns the JWT algorithms a key may verify. Never "none" and
// never an HMAC: a public key is not a shared secret.
func methodsFor(pub crypto.PublicKey) []string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{"ES256"}
		case elliptic.P384():
			return []string{"ES384"}
		case elliptic.P521():
			return []string{"ES512"}
		}
	case *rsa.PublicKey:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// checkPublicKey refuses key types and sizes pier does not trust.
func checkPublicKey(pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA key of %d bits is too weak (want at least %d)", k.N.BitLen(), minRSABits)
	}
	if methodsFor(pub) == nil {
		return fmt.Errorf("unsupported key type %T (want ECDSA P-256/384/521, RSA or Ed25519)", pub)
	}
	return nil
}

// jwk is one JSON Web Key, public members only.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
	D   string `json:"d"`
}

// parseJWKS reads a JSON Web Key Set. Keys without a kid get their
// thumbprint; keys meant for encryption (use "enc") are skipped.
func parseJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	out := map[string]crypto.PublicKey{}
	for i, k := range set.Keys {
		if k.Use == "enc" {
			continue
		}
		if k.D != "" {
			return nil, fmt.Errorf("key %d holds a private key; give only public keys", i)
		}
		pub, err := k.publicKey()
		if err == nil {
			err = checkPublicKey(pub)
		}
		if err != nil {
			return nil, fmt.Errorf("key %d (kid %q): %w", i, k.Kid, err)
		}
		kid := k.Kid
		if kid == "" {
			kid, _ = jwkThumbprint(pub)
		}
		out[kid] = pub
	}
	if len(out) == 0 {
		return nil, errors.New("the key set holds no signature keys")
	}
	return out, nil
}

func (k jwk) publicKey() (crypto.PublicKey, error) {
	dec := base64.RawURLEncoding.DecodeString
	switch k.Kty {
	case "EC":
		curves := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
		c, ok := curves[k.Crv]
		x, errX := dec(k.X)
		y, errY := dec(k.Y)
		if !ok || errX != nil || errY != nil {
			return nil, errors.New("malformed EC key")
		}
		return ecdsa.ParseUncompressedPublicKey(c, append(append([]byte{4}, x...), y...))
	case "RSA":
		n, errN := dec(k.N)
		e, errE := dec(k.E)
		if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("malformed RSA key")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "OKP":
		x, err := dec(k.X)
		if k.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("malformed or unsupported OKP key (want Ed25519)")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("unsupported key type %q", k.Kty)
}
