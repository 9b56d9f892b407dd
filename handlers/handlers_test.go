package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// step is one request of the table and what must come back. Steps run in
// order against one registry; "{loc}" in a path is the Location of the last
// answer that had one.
type step struct {
	name    string
	method  string
	path    string
	header  map[string]string
	body    string
	status  int
	code    string            // OCI error code, when the answer is an error
	want    map[string]string // headers that must be present ("" = any value)
	absent  []string          // headers that must be absent
	bodyHas string            // substring the body must contain
}

var (
	layer     = "hello, layer"
	layerDig  = digest.FromString(layer)
	config    = `{"architecture":"amd64","os":"linux"}`
	configDig = digest.FromString(config)
	missing   = digest.FromString("never pushed")
	image     = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + configDig.String() + `","size":` + itoa(len(config)) + `},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + layerDig.String() + `","size":` + itoa(len(layer)) + `}]}`
	imageDig = digest.FromString(image)
	referrer = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},` +
		`"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + imageDig.String() + `","size":` + itoa(len(image)) + `}}`
	referrerDig  = digest.FromString(referrer)
	noConfig     = strings.Replace(image, configDig.String(), missing.String(), 1)
	schema1      = `{"schemaVersion":1,"name":"r","tag":"t","fsLayers":[]}`
	ociManifest  = map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
	octetStream  = map[string]string{"Content-Type": "application/octet-stream"}
	sha512Layer  = digest.SHA512.FromString(layer)
	bigManifest  = `{"schemaVersion":2,"annotations":{"x":"` + strings.Repeat("a", storage.MaxManifestSize) + `"}}`
	imageDigPath = "/v2/repo/manifests/" + imageDig.String()
)

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNumber(n)) }

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }

var steps = []step{
	// end-1 and routing
	{name: "ping", method: "GET", path: "/v2/", status: 200, want: map[string]string{"Docker-Distribution-API-Version": "registry/2.0"}},
	{name: "unknown route", method: "GET", path: "/v2/repo/nothing", status: 404, code: "NOT_FOUND"},
	{name: "method not allowed", method: "POST", path: "/v2/repo/tags/list", status: 405, code: "UNSUPPORTED"},
	{name: "invalid name", method: "GET", path: "/v2/Repo/tags/list", status: 400, code: "NAME_INVALID"},
	{name: "dot-dot name", method: "GET", path: "/v2/a/../b/tags/list", status: 400, code: "NAME_INVALID"},
	{name: "name too long", method: "GET", path: "/v2/" + strings.Repeat("a", 230) + "/tags/list", status: 400, code: "NAME_INVALID"},

	// end-4b: single POST, and its failures
	{name: "post only", method: "POST", path: "/v2/repo/blobs/uploads/?digest=" + layerDig.String(), header: octetStream, body: layer,
		status: 201, want: map[string]string{"Location": "/v2/repo/blobs/" + layerDig.String(), "Docker-Content-Digest": layerDig.String()}},
	{name: "post only, wrong digest", method: "POST", path: "/v2/repo/blobs/uploads/?digest=" + missing.String(), body: layer, status: 400, code: "DIGEST_INVALID"},
	{name: "post only, malformed digest", method: "POST", path: "/v2/repo/blobs/uploads/?digest=sha256:xyz", body: layer, status: 400, code: "DIGEST_INVALID"},
	{name: "post only, unsupported algorithm", method: "POST", path: "/v2/repo/blobs/uploads/?digest=md5:d41d8cd98f00b204e9800998ecf8427e", body: layer, status: 400, code: "DIGEST_INVALID"},
	{name: "post with unsupported digest-algorithm", method: "POST", path: "/v2/repo/blobs/uploads/?digest-algorithm=md5", status: 400, code: "DIGEST_INVALID"},

	// end-2: pull, head, ranges
	{name: "blob get", method: "GET", path: "/v2/repo/blobs/" + layerDig.String(), status: 200, bodyHas: layer,
		want: map[string]string{"Docker-Content-Digest": layerDig.String(), "Content-Length": itoa(len(layer))}},
	{name: "blob head", method: "HEAD", path: "/v2/repo/blobs/" + layerDig.String(), status: 200,
		want: map[string]string{"Content-Length": itoa(len(layer)), "Docker-Content-Digest": layerDig.String()}},
	{name: "blob range", method: "GET", path: "/v2/repo/blobs/" + layerDig.String(), header: map[string]string{"Range": "bytes=0-4"}, status: 206, bodyHas: "hello",
		want: map[string]string{"Content-Range": "bytes 0-4/" + itoa(len(layer))}},
	{name: "blob range unsatisfiable", method: "GET", path: "/v2/repo/blobs/" + layerDig.String(), header: map[string]string{"Range": "bytes=500-900"}, status: 416},
	{name: "blob range reversed", method: "GET", path: "/v2/repo/blobs/" + layerDig.String(), header: map[string]string{"Range": "bytes=5-0"}, status: 416},
	{name: "blob missing", method: "GET", path: "/v2/repo/blobs/" + missing.String(), status: 404, code: "BLOB_UNKNOWN"},
	{name: "blob head missing", method: "HEAD", path: "/v2/repo/blobs/" + missing.String(), status: 404},
	{name: "blob in another repository only", method: "GET", path: "/v2/other/blobs/" + layerDig.String(), status: 404, code: "BLOB_UNKNOWN"},
	{name: "blob bad digest", method: "GET", path: "/v2/repo/blobs/sha256:nothex", status: 400, code: "DIGEST_INVALID"},

	// end-11: mounts
	{name: "mount from", method: "POST", path: "/v2/copy/blobs/uploads/?mount=" + layerDig.String() + "&from=repo", status: 201,
		want: map[string]string{"Location": "/v2/copy/blobs/" + layerDig.String()}},
	{name: "mount without from", method: "POST", path: "/v2/anon/blobs/uploads/?mount=" + layerDig.String(), status: 201},
	{name: "mount missing falls back to upload", method: "POST", path: "/v2/copy/blobs/uploads/?mount=" + missing.String() + "&from=repo", status: 202,
		want: map[string]string{"Location": "", "Range": "0-0", "OCI-Chunk-Min-Length": ""}},
	{name: "mount from invalid name", method: "POST", path: "/v2/copy/blobs/uploads/?mount=" + layerDig.String() + "&from=Bad", status: 400, code: "NAME_INVALID"},

	// end-4a, end-5, end-13, end-6: chunked upload with an out-of-order chunk
	{name: "start", method: "POST", path: "/v2/repo/blobs/uploads/", status: 202,
		want: map[string]string{"Location": "", "Docker-Upload-UUID": "", "OCI-Chunk-Min-Length": "1048576"}},
	{name: "first chunk", method: "PATCH", path: "{loc}", header: map[string]string{"Content-Range": "0-4"}, body: "hello", status: 202, want: map[string]string{"Range": "0-4"}},
	{name: "out of order", method: "PATCH", path: "{loc}", header: map[string]string{"Content-Range": "9-10"}, body: "xx", status: 416, code: "BLOB_UPLOAD_INVALID",
		want: map[string]string{"Range": "0-4", "Location": ""}},
	{name: "range and length disagree", method: "PATCH", path: "{loc}", header: map[string]string{"Content-Range": "5-9"}, body: "ab", status: 400, code: "SIZE_INVALID"},
	{name: "status", method: "GET", path: "{loc}", status: 204, want: map[string]string{"Range": "0-4"}},
	{name: "streamed chunk", method: "PATCH", path: "{loc}", body: ", lay", status: 202, want: map[string]string{"Range": "0-9"}},
	{name: "finish without digest", method: "PUT", path: "{loc}", status: 400, code: "DIGEST_INVALID"},
	{name: "finish with last chunk", method: "PUT", path: "{loc}&digest=" + layerDig.String(), header: map[string]string{"Content-Range": "10-11"}, body: "er",
		status: 201, want: map[string]string{"Docker-Content-Digest": layerDig.String()}},
	{name: "finished session is gone", method: "GET", path: "/v2/repo/blobs/uploads/nosuchsession", status: 404, code: "BLOB_UPLOAD_UNKNOWN"},
	{name: "session id with dots", method: "PATCH", path: "/v2/repo/blobs/uploads/..", body: "x", status: 404},

	// sha512 without digest-algorithm: the slow, verified path
	{name: "start sha512 undeclared", method: "POST", path: "/v2/repo/blobs/uploads/", status: 202},
	{name: "finish sha512", method: "PUT", path: "{loc}&digest=" + sha512Layer.String(), body: layer, status: 201},
	{name: "sha512 blob", method: "GET", path: "/v2/repo/blobs/" + sha512Layer.String(), status: 200, bodyHas: layer},
	{name: "start sha512 declared", method: "POST", path: "/v2/repo/blobs/uploads/?digest-algorithm=sha512", status: 202},
	{name: "declared sha512 finished as sha256", method: "PUT", path: "{loc}&digest=" + layerDig.String(), body: layer, status: 400, code: "DIGEST_INVALID"},

	// end-14
	{name: "start to cancel", method: "POST", path: "/v2/repo/blobs/uploads/", status: 202},
	{name: "cancel", method: "DELETE", path: "{loc}", status: 204},
	{name: "cancelled session is gone", method: "GET", path: "{loc}", status: 404, code: "BLOB_UPLOAD_UNKNOWN"},
	{name: "session of another repository", method: "POST", path: "/v2/repo/blobs/uploads/", status: 202},
	{name: "used from the wrong repository", method: "GET", path: "/v2/other/blobs/uploads/{id}", status: 404, code: "BLOB_UPLOAD_UNKNOWN"},

	// end-7: manifests
	{name: "config", method: "POST", path: "/v2/repo/blobs/uploads/?digest=" + configDig.String(), body: config, status: 201},
	{name: "manifest by tag", method: "PUT", path: "/v2/repo/manifests/v1", header: ociManifest, body: image, status: 201,
		want: map[string]string{"Docker-Content-Digest": imageDig.String(), "Location": imageDigPath}},
	{name: "manifest get by tag", method: "GET", path: "/v2/repo/manifests/v1", status: 200, bodyHas: image,
		want: map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json", "Docker-Content-Digest": imageDig.String()}},
	{name: "manifest head by digest", method: "HEAD", path: imageDigPath, status: 200, want: map[string]string{"Content-Length": itoa(len(image))}},
	{name: "manifest not modified", method: "GET", path: imageDigPath, header: map[string]string{"If-None-Match": `"` + imageDig.String() + `"`}, status: 304},
	{name: "manifest by digest with tags", method: "PUT", path: imageDigPath + "?tag=a&tag=b", header: ociManifest, body: image, status: 201,
		want: map[string]string{"OCI-Tag": "a, b"}},
	{name: "tag params with a tag reference", method: "PUT", path: "/v2/repo/manifests/v1?tag=a", header: ociManifest, body: image, status: 400, code: "MANIFEST_INVALID"},
	{name: "invalid tag param", method: "PUT", path: imageDigPath + "?tag=-bad", header: ociManifest, body: image, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest digest mismatch", method: "PUT", path: "/v2/repo/manifests/" + missing.String(), header: ociManifest, body: image, status: 400, code: "DIGEST_INVALID"},
	{name: "manifest malformed digest", method: "PUT", path: "/v2/repo/manifests/sha256:baddigeststring", header: ociManifest, body: image, status: 400, code: "DIGEST_INVALID"},
	{name: "manifest get malformed digest", method: "GET", path: "/v2/repo/manifests/sha256:baddigeststring", status: 400, code: "DIGEST_INVALID"},
	{name: "manifest missing config", method: "PUT", path: "/v2/repo/manifests/nocfg", header: ociManifest, body: noConfig, status: 400, code: "MANIFEST_BLOB_UNKNOWN"},
	{name: "manifest schema1", method: "PUT", path: "/v2/repo/manifests/old", header: map[string]string{"Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"}, body: schema1, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest schema1 without type", method: "PUT", path: "/v2/repo/manifests/old", body: schema1, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest not JSON", method: "PUT", path: "/v2/repo/manifests/junk", header: ociManifest, body: "{", status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest type mismatch", method: "PUT", path: "/v2/repo/manifests/mix", header: map[string]string{"Content-Type": "application/vnd.oci.image.index.v1+json"}, body: image, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest unknown type", method: "PUT", path: "/v2/repo/manifests/odd", header: map[string]string{"Content-Type": "text/plain"}, body: `{"schemaVersion":2}`, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest too large", method: "PUT", path: "/v2/repo/manifests/big", header: ociManifest, body: bigManifest, status: 413, code: "SIZE_INVALID"},
	{name: "manifest invalid tag", method: "PUT", path: "/v2/repo/manifests/.bad", header: ociManifest, body: image, status: 400, code: "MANIFEST_INVALID"},
	{name: "manifest unknown tag", method: "GET", path: "/v2/repo/manifests/nope", status: 404, code: "MANIFEST_UNKNOWN"},
	{name: "manifest unknown digest", method: "GET", path: "/v2/repo/manifests/" + missing.String(), status: 404, code: "MANIFEST_UNKNOWN"},

	// referrers (end-12)
	{name: "referrer with subject", method: "PUT", path: "/v2/repo/manifests/" + referrerDig.String(), header: ociManifest, body: referrer, status: 201,
		want: map[string]string{"OCI-Subject": imageDig.String()}},
	{name: "referrers", method: "GET", path: "/v2/repo/referrers/" + imageDig.String(), status: 200, bodyHas: referrerDig.String(),
		want: map[string]string{"Content-Type": "application/vnd.oci.image.index.v1+json"}, absent: []string{"OCI-Filters-Applied"}},
	{name: "referrers filtered", method: "GET", path: "/v2/repo/referrers/" + imageDig.String() + "?artifactType=application/vnd.example.sbom", status: 200,
		bodyHas: `"artifactType":"application/vnd.example.sbom"`, want: map[string]string{"OCI-Filters-Applied": "artifactType"}},
	{name: "referrers filtered out", method: "GET", path: "/v2/repo/referrers/" + imageDig.String() + "?artifactType=other", status: 200, bodyHas: `"manifests":[]`},
	{name: "referrers of unknown subject", method: "GET", path: "/v2/nowhere/referrers/" + missing.String(), status: 200, bodyHas: `"manifests":[]`},
	{name: "referrers invalid digest", method: "GET", path: "/v2/repo/referrers/sha256:zz", status: 400, code: "DIGEST_INVALID"},

	// end-8: tags
	{name: "tags", method: "GET", path: "/v2/repo/tags/list", status: 200, bodyHas: `"tags":["a","b","v1"]`, absent: []string{"Link"}},
	{name: "tags page", method: "GET", path: "/v2/repo/tags/list?n=1", status: 200, bodyHas: `"tags":["a"]`,
		want: map[string]string{"Link": `</v2/repo/tags/list?last=a&n=1>; rel="next"`}},
	{name: "tags after last", method: "GET", path: "/v2/repo/tags/list?last=a", status: 200, bodyHas: `"tags":["b","v1"]`},
	{name: "tags n=0", method: "GET", path: "/v2/repo/tags/list?n=0", status: 200, bodyHas: `"tags":[]`, absent: []string{"Link"}},
	{name: "tags bad n", method: "GET", path: "/v2/repo/tags/list?n=-1", status: 400},
	{name: "tags unknown repository", method: "GET", path: "/v2/nowhere/tags/list", status: 404, code: "NAME_UNKNOWN"},
	{name: "catalog", method: "GET", path: "/v2/_catalog", status: 200, bodyHas: `"repositories":["anon","copy","repo"]`},
	{name: "catalog page", method: "GET", path: "/v2/_catalog?n=2", status: 200, bodyHas: `["anon","copy"]`, want: map[string]string{"Link": ""}},

	// end-9, end-10: deletes
	{name: "delete tag", method: "DELETE", path: "/v2/repo/manifests/a", status: 202},
	{name: "deleted tag is gone", method: "GET", path: "/v2/repo/manifests/a", status: 404, code: "MANIFEST_UNKNOWN"},
	{name: "delete unknown tag", method: "DELETE", path: "/v2/repo/manifests/a", status: 404, code: "MANIFEST_UNKNOWN"},
	{name: "delete referrer", method: "DELETE", path: "/v2/repo/manifests/" + referrerDig.String(), status: 202},
	{name: "referrer gone from list", method: "GET", path: "/v2/repo/referrers/" + imageDig.String(), status: 200, bodyHas: `"manifests":[]`},
	{name: "delete manifest", method: "DELETE", path: imageDigPath, status: 202},
	{name: "its tags went with it", method: "GET", path: "/v2/repo/manifests/v1", status: 404, code: "MANIFEST_UNKNOWN"},
	{name: "delete unknown manifest", method: "DELETE", path: imageDigPath, status: 404, code: "MANIFEST_UNKNOWN"},
	{name: "delete blob", method: "DELETE", path: "/v2/repo/blobs/" + layerDig.String(), status: 202},
	{name: "deleted blob is gone", method: "HEAD", path: "/v2/repo/blobs/" + layerDig.String(), status: 404},
	{name: "still mounted elsewhere", method: "HEAD", path: "/v2/copy/blobs/" + layerDig.String(), status: 200},
	{name: "delete unknown blob", method: "DELETE", path: "/v2/repo/blobs/" + layerDig.String(), status: 404, code: "BLOB_UNKNOWN"},
}

func TestAPI(t *testing.T) {
	srv := httptest.NewServer(New(Options{Store: storage.New(mem.New())}))
	defer srv.Close()
	loc, id := "", ""
	for _, s := range steps {
		path := strings.ReplaceAll(strings.ReplaceAll(s.path, "{loc}", loc), "{id}", id)
		if strings.HasPrefix(s.path, "{loc}&") {
			path = strings.Replace(path, "&", "?", 1)
		}
		req, err := http.NewRequest(s.method, srv.URL+path, bytes.NewBufferString(s.body))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for k, v := range s.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		body := new(bytes.Buffer)
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		check(t, s, resp, body.String())
		if l := resp.Header.Get("Location"); l != "" && strings.Contains(l, "/uploads/") {
			loc, id = l, resp.Header.Get("Docker-Upload-UUID")
		}
	}
}

func check(t *testing.T, s step, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != s.status {
		t.Errorf("%s: status %d, want %d; body %s", s.name, resp.StatusCode, s.status, body)
		return
	}
	if s.code != "" {
		var e struct {
			Errors []struct{ Code, Message string }
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) == 0 || e.Errors[0].Code != s.code {
			t.Errorf("%s: error body %s, want code %s", s.name, body, s.code)
		}
	}
	for k, v := range s.want {
		got, ok := resp.Header[http.CanonicalHeaderKey(k)]
		if !ok || (v != "" && !contains(got, v)) {
			t.Errorf("%s: header %s = %q, want %q", s.name, k, got, v)
		}
	}
	for _, k := range s.absent {
		if v := resp.Header.Get(k); v != "" {
			t.Errorf("%s: header %s = %q, want none", s.name, k, v)
		}
	}
	if s.bodyHas != "" && !strings.Contains(body, s.bodyHas) {
		t.Errorf("%s: body %q lacks %q", s.name, body, s.bodyHas)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
