package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/pier-registry/pier/storage/mem"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func externalClaims(iss, aud, sub string, access ...resourceActions) claims {
	c := goodClaims(sub, access...)
	c.Issuer, c.Audience = iss, jwt.ClaimStrings{aud}
	return c
}

// TestExternalIssuers: tokens of configured token servers are accepted by
// their keys (PEM or JWKS), with issuer and audience checks, and grant
// exactly their access claim, whatever their subject is called.
func TestExternalIssuers(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	pemFile := writeFile(t, "ext.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}))

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig",
		"n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes()),
	}}})
	jwksFile := writeFile(t, "ext.jwks", jwks)

	f := newFixture(t, Config{Issuers: []Issuer{
		{Issuer: "hub", PEMFile: pemFile},
		{Issuer: "sso", Audience: "registry.example", JWKSFile: jwksFile},
	}})
	access := pull("team/app")
	good := map[string]string{
		"PEM, no kid":    sign(t, jwt.SigningMethodEdDSA, edPriv, "", externalClaims("hub", "pier", "admin", access)),
		"JWKS, with kid": sign(t, jwt.SigningMethodRS256, rsaKey, "k1", externalClaims("sso", "registry.example", "carol", access)),
	}
	for name, tok := range good {
		t.Run(name, func(t *testing.T) {
			sub, err := f.s.Authorize(bearer(tok), repo("team/app", ActionPull))
			if err != nil {
				t.Fatal(err)
			}
			// Even a subject called admin gets only what its token says.
			if got := f.s.Allowed(context.Background(), sub, Repository("other/app", ActionPull)); len(got) != 0 {
				t.Fatalf("external subject %q may pull other/app", sub.Name)
			}
			if _, err := f.s.Authorize(bearer(tok), repo("team/app", ActionPush)); err == nil {
				t.Fatal("push granted beyond the access claim")
			}
		})
	}
	bad := map[string]string{
		"wrong audience":          sign(t, jwt.SigningMethodRS256, rsaKey, "k1", externalClaims("sso", "pier", "carol", access)),
		"unknown kid":             sign(t, jwt.SigningMethodRS256, rsaKey, "k2", externalClaims("sso", "registry.example", "carol", access)),
		"key of the other issuer": sign(t, jwt.SigningMethodEdDSA, edPriv, "", externalClaims("sso", "registry.example", "carol", access)),
		"unknown issuer":          sign(t, jwt.SigningMethodEdDSA, edPriv, "", externalClaims("elsewhere", "pier", "carol", access)),
		"HS256 with the RSA modulus": sign(t, jwt.SigningMethodHS256, rsaKey.N.Bytes(), "k1",
			externalClaims("sso", "registry.example", "carol", access)),
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.Authorize(bearer(tok), repo("team/app", ActionPull))
			wantChallenge(t, err, "invalid_token")
		})
	}
}

// TestIssuerKeyFilesRefused: a private key, a weak RSA key and garbage are
// refused at startup with the file named.
func TestIssuerKeyFilesRefused(t *testing.T) {
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	privDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	weakDER, _ := x509.MarshalPKIXPublicKey(&weak.PublicKey)
	for name, is := range map[string]Issuer{
		"private key":  {Issuer: "x", PEMFile: writeFile(t, "p.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))},
		"weak RSA":     {Issuer: "x", PEMFile: writeFile(t, "w.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: weakDER}))},
		"not PEM":      {Issuer: "x", PEMFile: writeFile(t, "g.pem", []byte("hello"))},
		"not JWKS":     {Issuer: "x", JWKSFile: writeFile(t, "g.json", []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))},
		"private JWKS": {Issuer: "x", JWKSFile: writeFile(t, "d.json", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA"}]}`))},
		"missing file": {Issuer: "x", PEMFile: filepath.Join(t.TempDir(), "none.pem")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), Config{Issuers: []Issuer{is}}, mem.New(), nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if errors.Is(err, ErrInvalid) {
				t.Fatalf("reported as a config syntax error: %v", err)
			}
		})
	}
}
