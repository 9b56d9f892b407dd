package scale

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// testUserAdd adds a user with `pier user add` on the bucket while the
// replicas run: every replica lets the user log in at once and push into
// its own namespace, and refuses a wrong password.
func (c *cluster) testUserAdd(t *testing.T) {
	const user = "bob"
	password := randomHex(10)
	cmd := exec.Command(c.bin, "user", "add", user, "--password-stdin", "--config", c.r[0].config)
	cmd.Env = pierEnv()
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pier user add: %v\n%s", err, out)
	}
	for i, r := range c.r {
		tok := r.token(t, user, password, "repository:"+user+"/app:pull,push")
		other := c.r[(i+1)%len(c.r)]
		other.pushBlob(t, tok, user+"/app", []byte("pushed by "+user+" with a token of "+r.name))
		rep := call(t, "GET", r.url+"/token?service=pier", basicAuth(user, password+"x"), nil, nil)
		rep.expect(t, http.StatusUnauthorized)
	}
}
