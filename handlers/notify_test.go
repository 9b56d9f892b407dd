package handlers

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// recordedEvents is a Notifier that keeps what it hears.
type recordedEvents struct {
	mu  sync.Mutex
	got []events.Event
}

func (n *recordedEvents) Notify(ev events.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, ev)
}

// do serves one request and fails the test unless it gets status.
func do(t *testing.T, h http.Handler, method, path, body string, header map[string]string, status int) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Request-Id", "req-"+method) // as the server's middleware does
	h.ServeHTTP(rec, req)
	if rec.Code != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, status, rec.Body)
	}
}

func TestChangesAreNotifiedAfterTheyHappen(t *testing.T) {
	n := &recordedEvents{}
	h := New(Options{Store: storage.New(mem.New()), Events: n})
	do(t, h, "POST", "/v2/repo/blobs/uploads/?digest="+layerDig.String(), layer, octetStream, 201)
	do(t, h, "POST", "/v2/repo/blobs/uploads/?digest="+configDig.String(), config, octetStream, 201)
	do(t, h, "PUT", "/v2/repo/manifests/v1", noConfig, ociManifest, 400) // fails: no event
	do(t, h, "PUT", "/v2/repo/manifests/v1", image, ociManifest, 201)
	do(t, h, "PUT", "/v2/repo/manifests/"+imageDig.String()+"?tag=a&tag=b", image, ociManifest, 201)
	do(t, h, "DELETE", "/v2/repo/manifests/v1", "", nil, 202)
	do(t, h, "DELETE", "/v2/repo/manifests/v1", "", nil, 404) // fails: no event
	do(t, h, "DELETE", "/v2/repo/manifests/"+imageDig.String(), "", nil, 202)
	do(t, h, "DELETE", "/v2/repo/blobs/"+layerDig.String(), "", nil, 202)

	d, mt, size := imageDig.String(), ociManifest["Content-Type"], int64(len(image))
	want := []events.Event{
		{Type: events.ManifestPushed, Repository: "repo", Digest: d, MediaType: mt, Size: size, Tags: []string{"v1"}, RequestID: "req-PUT"},
		{Type: events.TagUpdated, Repository: "repo", Digest: d, Tag: "v1", RequestID: "req-PUT"},
		{Type: events.ManifestPushed, Repository: "repo", Digest: d, MediaType: mt, Size: size, Tags: []string{"a", "b"}, RequestID: "req-PUT"},
		{Type: events.TagUpdated, Repository: "repo", Digest: d, Tag: "a", RequestID: "req-PUT"},
		{Type: events.TagUpdated, Repository: "repo", Digest: d, Tag: "b", RequestID: "req-PUT"},
		{Type: events.TagDeleted, Repository: "repo", Tag: "v1", RequestID: "req-DELETE"},
		{Type: events.ManifestDeleted, Repository: "repo", Digest: d, RequestID: "req-DELETE"},
		{Type: events.BlobDeleted, Repository: "repo", Digest: layerDig.String(), RequestID: "req-DELETE"},
	}
	if len(n.got) != len(want) {
		t.Fatalf("got %d events, want %d:\n%+v", len(n.got), len(want), n.got)
	}
	for i := range want {
		if !equalEvents(n.got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, n.got[i], want[i])
		}
	}
}

func equalEvents(a, b events.Event) bool {
	tags := slices.Equal(a.Tags, b.Tags)
	a.Tags, b.Tags = nil, nil
	return tags && a.Type == b.Type && a.Repository == b.Repository && a.Digest == b.Digest &&
		a.MediaType == b.MediaType && a.Size == b.Size && a.Tag == b.Tag && a.Actor == b.Actor && a.RequestID == b.RequestID
}

func TestRouteObserverGetsTemplates(t *testing.T) {
	var got []string
	h := New(Options{Store: storage.New(mem.New()), RouteObserver: func(r *http.Request, route string) {
		got = append(got, r.Method+" "+route)
	}})
	do(t, h, "GET", "/v2/", "", nil, 200)
	do(t, h, "HEAD", "/v2/a/b/c/blobs/"+layerDig.String(), "", nil, 404)
	do(t, h, "PATCH", "/v2/x/blobs/uploads/nope", "", nil, 404)
	do(t, h, "GET", "/v2/x/manifests/latest", "", nil, 404)
	do(t, h, "GET", "/v2/x/nothing", "", nil, 404)    // no route
	do(t, h, "POST", "/v2/x/tags/list", "", nil, 405) // no route for POST
	want := []string{
		"GET /v2/",
		"HEAD /v2/{name}/blobs/{digest}",
		"PATCH /v2/{name}/blobs/uploads/{id}",
		"GET /v2/{name}/manifests/{reference}",
	}
	if !slices.Equal(got, want) {
		t.Errorf("routes\n%q\nwant\n%q", got, want)
	}
}
