package s3

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestNewRefusesUnconditionalS3: New fails, naming the header, against a
// server that takes every PUT whatever its If-None-Match or If-Match says.
func TestNewRefusesUnconditionalS3(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			w.Header().Set("ETag", `"0f343b0931126a20f133d67c2b018a3b"`)
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusOK) // HEAD of the bucket: it exists
	}))
	defer srv.Close()
	endpoint := strings.TrimPrefix(srv.URL, "http://")
	_, err := New(t.Context(), Config{Endpoint: endpoint, Bucket: "pier", AccessKey: "a", SecretKey: "s"})
	if err == nil {
		t.Fatal("New accepted an S3 server that ignores conditional writes")
	}
	for _, want := range []string{"ignores If-None-Match: * on PUT", "ignores If-Match on PUT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v; want it to say %q", err, want)
		}
	}
}
