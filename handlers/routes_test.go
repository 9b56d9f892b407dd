package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// TestRouteWordsInNames: repository names that contain the words routes
// end with are routed by their last segments, whatever the pattern finds
// first.
func TestRouteWordsInNames(t *testing.T) {
	srv := httptest.NewServer(New(Options{Store: storage.New(mem.New())}))
	defer srv.Close()
	data := []byte("content")
	d := digest.FromBytes(data)
	do := func(method, path string, body []byte, header map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, name := range []string{"a/blobs", "b/blobs/uploads", "m/manifests/x", "t/tags/list", "r/referrers/y", "blobs/blobs"} {
		resp := do("POST", "/v2/"+name+"/blobs/uploads/?digest="+d.String(), data, nil)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/v2/"+name+"/blobs/"+d.String() {
			t.Errorf("%s: push: %d, Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
			continue
		}
		if resp := do("HEAD", "/v2/"+name+"/blobs/"+d.String(), nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: HEAD blob: %d", name, resp.StatusCode)
		}
		// The parent name does not hold the blob.
		parent := name[:strings.LastIndexByte(name, '/')]
		if resp := do("HEAD", "/v2/"+parent+"/blobs/"+d.String(), nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HEAD blob in %s: %d, want 404", name, parent, resp.StatusCode)
		}
		m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` +
			d.String() + `","size":7},"layers":[]}`
		resp = do("PUT", "/v2/"+name+"/manifests/v1", []byte(m), map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("%s: PUT manifest: %d", name, resp.StatusCode)
		}
		if resp := do("GET", "/v2/"+name+"/manifests/v1", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: GET manifest: %d", name, resp.StatusCode)
		}
		if resp := do("GET", "/v2/"+name+"/tags/list", nil, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: tags: %d", name, resp.StatusCode)
		}
	}
}
