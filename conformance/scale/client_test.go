package scale

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// httpClient never follows redirects, so that tests see pier's own answers.
var httpClient = &http.Client{
	Timeout:       2 * time.Minute,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// reply is an answer with its body read.
type reply struct {
	*http.Response
	body []byte
}

// call sends one request and fails the test when there is no answer.
// authz is an Authorization header value ("" for none); url is absolute.
func call(t *testing.T, method, url, authz string, header map[string]string, body []byte) reply {
	t.Helper()
	r, err := tryCall(t.Context(), method, url, authz, header, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryCall is call for goroutines, which may not end the test.
func tryCall(ctx context.Context, method, url, authz string, header map[string]string, body []byte) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading the body: %w", method, url, err)
	}
	return reply{resp, b}, nil
}

// expect fails the test unless the reply has status want.
func (r reply) expect(t *testing.T, want int) reply {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d; body: %.400s", r.Request.Method, r.Request.URL, r.Status, want, r.body)
	}
	return r
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// token asks replica r's token server for a bearer token with scopes,
// logging in as user.
func (r *replica) token(t *testing.T, user, password string, scopes ...string) string {
	t.Helper()
	q := url.Values{"service": {"pier"}, "scope": scopes}
	rep := call(t, "GET", r.url+"/token?"+q.Encode(), basicAuth(user, password), nil, nil).expect(t, http.StatusOK)
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(rep.body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("%s /token: no token in %.200s (%v)", r.name, rep.body, err)
	}
	return "Bearer " + tok.Token
}

// pushBlob uploads data to repo in one POST and returns its digest.
func (r *replica) pushBlob(t *testing.T, authz, repo string, data []byte) digest.Digest {
	t.Helper()
	d := digest.FromBytes(data)
	rep := call(t, "POST", r.url+"/v2/"+repo+"/blobs/uploads/?digest="+d.String(), authz,
		map[string]string{"Content-Type": "application/octet-stream"}, data).expect(t, http.StatusCreated)
	if got := rep.Header.Get("Docker-Content-Digest"); got != d.String() {
		t.Fatalf("%s: pushed %s, Docker-Content-Digest %q", r.name, d, got)
	}
	return d
}

// putManifest stores an image manifest under ref and returns its digest.
func (r *replica) putManifest(t *testing.T, authz, repo, ref string, body []byte) digest.Digest {
	t.Helper()
	rep := call(t, "PUT", r.url+"/v2/"+repo+"/manifests/"+ref, authz,
		map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, body).expect(t, http.StatusCreated)
	d := digest.FromBytes(body)
	if got := rep.Header.Get("Docker-Content-Digest"); got != d.String() {
		t.Fatalf("%s: put manifest %s, Docker-Content-Digest %q", r.name, d, got)
	}
	return d
}

// image is an image whose blobs are in a repository: its manifest bytes.
type image struct {
	manifest []byte
	digest   digest.Digest
}

// pushImage pushes a config and a layer blob, then a manifest naming them
// by digest (not yet tagged).
func (r *replica) pushImage(t *testing.T, authz, repo string, config, layer []byte) image {
	t.Helper()
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig,
			Digest: r.pushBlob(t, authz, repo, config), Size: int64(len(config))},
		Layers: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer,
			Digest: r.pushBlob(t, authz, repo, layer), Size: int64(len(layer))}},
	}
	body, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d := digest.FromBytes(body)
	r.putManifest(t, authz, repo, d.String(), body)
	return image{manifest: body, digest: d}
}
