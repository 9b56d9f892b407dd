package auth

import (
	"crypto"
	"fmt"
	"os"
)

// issuer is an external token server whose tokens pier trusts.
type issuer struct {
	name     string
	audience string
	keys     map[string]crypto.PublicKey
	// only is the issuer's key when it has exactly one, which then also
	// verifies tokens that carry no kid.
	only crypto.PublicKey
}

// loadIssuer reads the keys of a configured issuer.
func loadIssuer(c Issuer) (*issuer, error) {
	is := &issuer{name: c.Issuer, audience: c.Audience}
	var err error
	if c.JWKSFile != "" {
		var data []byte
		if data, err = os.ReadFile(c.JWKSFile); err == nil {
			is.keys, err = parseJWKS(data)
		}
	} else {
		is.keys, err = loadPEMFiles([]string{c.PEMFile})
	}
	if err != nil {
		return nil, fmt.Errorf("auth: issuer %q: %w", c.Issuer, err)
	}
	// PEM keys appear under two kids; count keys by thumbprint.
	distinct := map[string]crypto.PublicKey{}
	for _, k := range is.keys {
		tp, _ := jwkThumbprint(k)
		distinct[tp] = k
	}
	if len(distinct) == 1 {
		for _, k := range distinct {
			is.only = k
		}
	}
	return is, nil
}

// key returns the issuer's key for kid ("" when the token names none).
func (is *issuer) key(kid string) (crypto.PublicKey, bool) {
	if kid == "" {
		return is.only, is.only != nil
	}
	k, ok := is.keys[kid]
	return k, ok
}

// loadPEMFiles reads public keys from PEM files, indexed both by their
// JWK thumbprint and by their libtrust key id, the two kid formats token
// servers use.
func loadPEMFiles(files []string) (map[string]crypto.PublicKey, error) {
	out := map[string]crypto.PublicKey{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		keys, err := parsePEMKeys(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, k := range keys {
			tp, err1 := jwkThumbprint(k)
			lt, err2 := libtrustKID(k)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%s: cannot compute a key id", f)
			}
			out[tp], out[lt] = k, k
		}
	}
	return out, nil
}
