package scale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestS3Outage takes S3 away from a running pier and brings it back:
// meanwhile /healthz stays 200, /readyz and every request that needs S3
// answer 503 with Retry-After and a log line; afterwards pier serves again
// without a restart.
func TestS3Outage(t *testing.T) {
	s := s3FromEnv(t)
	bin := pierBinary(t)
	b := openBucket(t, s, "outage")
	relay := startRelay(t, s.endpoint)
	admin := randomHex(12)
	const repo = "outage/app"
	// Anonymous pull lets reads reach the storage without a login, which
	// needs S3 itself; uploads log in with a password.
	r := startReplica(t, bin, "outage", s, setup{endpoint: relay.addr, prefix: b.pierPrefix(),
		adminPassword: admin, anonymousPull: "outage/*"})
	push := basicAuth("admin", admin)
	blob := randomBytes(64 << 10)
	blobURL := r.url + "/v2/" + repo + "/blobs/" + r.pushBlob(t, push, repo, blob).String()

	relay.down()
	call(t, "GET", r.url+"/healthz", "", nil, nil).expect(t, http.StatusOK)
	call(t, "GET", r.url+"/readyz", "", nil, nil).expect(t, http.StatusServiceUnavailable)
	// What a client must not learn: where the storage is.
	hidden := []string{relay.addr, s.bucket}
	checkUnavailable(t, hidden, []outageRequest{
		{"blob HEAD", "HEAD", blobURL, ""},
		{"blob GET", "GET", blobURL, ""},
		{"tag list", "GET", r.url + "/v2/" + repo + "/tags/list", ""},
		{"upload start, logged in with a password", "POST", r.url + "/v2/" + repo + "/blobs/uploads/", push},
	})
	checkUnavailableLogged(t, r)

	relay.up(t)
	r.waitReady(t)
	call(t, "HEAD", blobURL, "", nil, nil).expect(t, http.StatusOK)
	if got := call(t, "GET", blobURL, "", nil, nil).expect(t, http.StatusOK); !bytes.Equal(got.body, blob) {
		t.Errorf("blob after the outage: %d bytes, want the %d pushed before", len(got.body), len(blob))
	}
	r.pushBlob(t, push, repo, []byte("pushed after the outage"))
}

// outageRequest is a request that needs S3.
type outageRequest struct {
	name, method, url, authz string
}

// checkUnavailable sends every request at once (each waits out the S3
// client's retries) and wants each answered 503 with Retry-After.
func checkUnavailable(t *testing.T, hidden []string, reqs []outageRequest) {
	t.Helper()
	replies := make([]reply, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, q := range reqs {
		wg.Go(func() { replies[i], errs[i] = tryCall(t.Context(), q.method, q.url, q.authz, nil, nil) })
	}
	wg.Wait()
	for i, q := range reqs {
		if errs[i] != nil {
			t.Errorf("%s while S3 is down: %v", q.name, errs[i])
			continue
		}
		if err := unavailable(replies[i], hidden); err != nil {
			t.Errorf("%s while S3 is down: %v", q.name, err)
		}
	}
}

// unavailable checks that rep is a 503 with Retry-After and, when it has
// a body, the UNAVAILABLE error code and none of the hidden strings.
func unavailable(rep reply, hidden []string) error {
	if rep.StatusCode != http.StatusServiceUnavailable {
		return fmt.Errorf("%s, want 503; body: %.300s", rep.Status, rep.body)
	}
	if n, err := strconv.Atoi(rep.Header.Get("Retry-After")); err != nil || n <= 0 {
		return fmt.Errorf("Retry-After %q, want a number of seconds", rep.Header.Get("Retry-After"))
	}
	if rep.Request.Method == "HEAD" {
		return nil
	}
	for _, h := range hidden {
		if bytes.Contains(rep.body, []byte(h)) {
			return fmt.Errorf("body %.300s gives away %q", rep.body, h)
		}
	}
	var body struct{ Errors []struct{ Code string } }
	if err := json.Unmarshal(rep.body, &body); err != nil || len(body.Errors) == 0 || body.Errors[0].Code != "UNAVAILABLE" {
		return fmt.Errorf("body %.300s, want error code UNAVAILABLE", rep.body)
	}
	return nil
}

// checkUnavailableLogged wants a warning that says S3 is unreachable, with
// the request id the client got.
func checkUnavailableLogged(t *testing.T, r *replica) {
	t.Helper()
	recs := r.logs.find("storage unavailable")
	if len(recs) == 0 {
		t.Fatalf("no \"storage unavailable\" log line while S3 was down:\n%s", r.logs.tail(20))
	}
	for _, rec := range recs {
		msg, _ := rec["err"].(string)
		if rec["level"] != "WARN" || rec["request_id"] == "" || !strings.Contains(msg, "s3 unreachable") {
			t.Errorf("log line %v: want level WARN, a request_id and an err saying S3 is unreachable", rec)
		}
	}
}
