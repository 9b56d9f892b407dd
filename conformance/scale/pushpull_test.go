package scale

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// testPushPull pushes an image through the first replica and pulls it by
// tag through the second, and its layer through the third, which
// redirects the download to a presigned S3 URL.
func (c *cluster) testPushPull(t *testing.T) {
	const repo = "scale/app"
	push := c.r[0].token(t, "admin", c.admin, "repository:"+repo+":pull,push")
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	layer := randomBytes(3 << 20)
	img := c.r[0].pushImage(t, push, repo, config, layer)
	c.r[0].putManifest(t, push, repo, "v1", img.manifest)

	pull := c.r[1].token(t, "admin", c.admin, "repository:"+repo+":pull")
	accept := map[string]string{"Accept": ocispec.MediaTypeImageManifest}
	head := call(t, "HEAD", c.r[1].url+"/v2/"+repo+"/manifests/v1", pull, accept, nil).expect(t, http.StatusOK)
	if got := head.Header.Get("Docker-Content-Digest"); got != img.digest.String() {
		t.Errorf("HEAD v1 through %s: digest %q, want %s", c.r[1].name, got, img.digest)
	}
	m := call(t, "GET", c.r[1].url+"/v2/"+repo+"/manifests/"+img.digest.String(), pull, accept, nil).expect(t, http.StatusOK)
	if !bytes.Equal(m.body, img.manifest) {
		t.Errorf("manifest through %s differs from the one pushed: %s", c.r[1].name, m.body)
	}
	layerDigest := digest.FromBytes(layer)
	got := call(t, "GET", c.r[1].url+"/v2/"+repo+"/blobs/"+layerDigest.String(), pull, nil, nil).expect(t, http.StatusOK)
	if !bytes.Equal(got.body, layer) {
		t.Errorf("layer through %s: %d bytes, digest %s; want %s", c.r[1].name, len(got.body), digest.FromBytes(got.body), layerDigest)
	}
	c.pullRedirected(t, c.r[2], repo, layerDigest, layer)
}

// pullRedirected fetches a blob through a replica that redirects blob GETs:
// a 307 to S3 that works without pier's credentials, while HEAD is
// answered by pier itself.
func (c *cluster) pullRedirected(t *testing.T, r *replica, repo string, d digest.Digest, want []byte) {
	t.Helper()
	pull := r.token(t, "admin", c.admin, "repository:"+repo+":pull")
	blobURL := r.url + "/v2/" + repo + "/blobs/" + d.String()
	head := call(t, "HEAD", blobURL, pull, nil, nil).expect(t, http.StatusOK)
	if got := head.Header.Get("Docker-Content-Digest"); got != d.String() {
		t.Errorf("HEAD through %s: Docker-Content-Digest %q, want %s", r.name, got, d)
	}
	rep := call(t, "GET", blobURL, pull, nil, nil).expect(t, http.StatusTemporaryRedirect)
	loc := rep.Header.Get("Location")
	if strings.HasPrefix(loc, r.url) || !strings.HasPrefix(loc, "http") {
		t.Fatalf("GET through %s redirected to %q, want a presigned S3 URL", r.name, loc)
	}
	got := call(t, "GET", loc, "", nil, nil).expect(t, http.StatusOK)
	if !bytes.Equal(got.body, want) {
		t.Errorf("blob from the presigned URL: %d bytes, digest %s; want %s", len(got.body), digest.FromBytes(got.body), d)
	}
}
