package s3

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestRedirectURL(t *testing.T) {
	cfg := testConfig(t)
	cfg.Redirect = true
	d := openDriver(t, cfg, true)
	if !d.Redirects() {
		t.Errorf("Redirects() = false with redirect: true")
	}
	data := randomBytes(100 << 10)
	putT(t, d, "blobs/redirected", data)
	u, err := d.RedirectURL(t.Context(), "blobs/redirected", time.Minute)
	if err != nil {
		t.Fatalf("RedirectURL: %v", err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Errorf("GET presigned URL: %s, %d bytes; want 200 with the %d stored", resp.Status, len(got), len(data))
	}

	for _, expiry := range []time.Duration{0, time.Millisecond, 8 * 24 * time.Hour} {
		if _, err := d.RedirectURL(t.Context(), "blobs/redirected", expiry); err == nil {
			t.Errorf("RedirectURL with expiry %v succeeded", expiry)
		}
	}
	if _, err := d.RedirectURL(t.Context(), "a//b", time.Minute); err == nil {
		t.Errorf("RedirectURL of an invalid key succeeded")
	}

	cfg.Redirect = false
	if openDriver(t, cfg, false).Redirects() {
		t.Errorf("Redirects() = true with redirect: false")
	}
}
