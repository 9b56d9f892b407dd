package auth

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// parsePEMKeys reads public keys from PEM: "PUBLIC KEY" blocks (PKIX),
// "RSA PUBLIC KEY" (PKCS#1) and "CERTIFICATE" (the certificate's key).
// Private keys are refused: a verifier must never hold one.
func parsePEMKeys(data []byte) ([]crypto.PublicKey, error) {
	var out []crypto.PublicKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		pub, err := pemPublicKey(block)
		if err == nil {
			err = checkPublicKey(pub)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		out = append(out, pub)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM public key or certificate found")
	}
	return out, nil
}

func pemPublicKey(block *pem.Block) (crypto.PublicKey, error) {
	switch {
	case block.Type == "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case block.Type == "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case block.Type == "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	case strings.Contains(block.Type, "PRIVATE KEY"):
		return nil, errors.New("a private key; give only the public key or certificate")
	}
	return nil, errors.New("unsupported PEM block type")
}
