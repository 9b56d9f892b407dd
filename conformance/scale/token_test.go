package scale

import (
	"fmt"
	"net/http"
	"testing"
)

// testTokens: a token issued by any replica's /token lets its holder push
// through every replica, and a token with a forged signature is refused by
// all of them.
func (c *cluster) testTokens(t *testing.T) {
	const repo = "scale/tokens"
	for _, issuer := range c.r {
		tok := issuer.token(t, "admin", c.admin, "repository:"+repo+":pull,push")
		for _, r := range c.r {
			data := fmt.Appendf(nil, "token of %s used on %s", issuer.name, r.name)
			r.pushBlob(t, tok, repo, data)
			call(t, "GET", r.url+"/v2/", tok, nil, nil).expect(t, http.StatusOK)
		}
		forged := forge(tok)
		for _, r := range c.r {
			rep := call(t, "GET", r.url+"/v2/"+repo+"/tags/list", forged, nil, nil).expect(t, http.StatusUnauthorized)
			if rep.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s refused a forged token without a challenge", r.name)
			}
		}
	}
}

// forge changes one character in the middle of a bearer token's signature
// (the last dot-separated part), where every character carries 6 bits.
func forge(bearer string) string {
	b := []byte(bearer)
	i := len(b) - 20
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
