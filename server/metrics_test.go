package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/handlers"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// pickyAuthorizer lets everyone into every repository but "secret/...",
// and refuses any Authorization header but "Bearer good".
type pickyAuthorizer struct{ auth.AllowAll }

func (pickyAuthorizer) Authorize(r *http.Request, want []auth.Access) (auth.Subject, error) {
	if h := r.Header.Get("Authorization"); h != "" && h != "Bearer good" {
		return auth.Subject{}, &auth.Challenge{Realm: "http://x/token", Service: "pier", Err: "invalid_token"}
	}
	for _, a := range want {
		if strings.HasPrefix(a.Name, "secret/") {
			return auth.Subject{}, auth.ErrDenied
		}
	}
	return auth.Subject{}, nil
}

// metricsServer runs the real API over fs storage with metrics, on
// loopback, and returns its address.
func metricsServer(t *testing.T) string {
	t.Helper()
	driver, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	api := handlers.New(handlers.Options{
		Store:         storage.New(MeasureDriver(driver, m)),
		Auth:          pickyAuthorizer{},
		RouteObserver: RecordRoute,
	})
	log, _ := testLogger(t)
	return strings.TrimPrefix(httptestServer(t, New(Default(), api, driver, log, WithMetrics(m))), "http://")
}

func TestMetricsMoveWithAPushAndAPull(t *testing.T) {
	addr := metricsServer(t)
	before := scrape(t, addr)
	img, err := random.Image(4096, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(addr + "/team/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	layers, _ := pulled.Layers()
	var layerBytes float64
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		layerBytes += float64(n)
	}
	get(t, "http://"+addr+"/v2/secret/x/tags/list", "", http.StatusForbidden)
	get(t, "http://"+addr+"/v2/team/app/tags/list", "Bearer bad", http.StatusUnauthorized)
	get(t, "http://"+addr+"/v2/", "", http.StatusOK) // no credentials: no failure
	get(t, "http://"+addr+"/no/such/route/"+strings.Repeat("x", 10), "", http.StatusNotFound)

	manifests := "/v2/{name}/manifests/{reference}"
	blobs := "/v2/{name}/blobs/{digest}"
	// A request is counted when its handler returns, which can be a moment
	// after the client has read the last byte: poll until the pull shows.
	pulls := map[string]string{"route": blobs, "method": "GET", "code": "200"}
	after := scrape(t, addr)
	for deadline := time.Now().Add(10 * time.Second); after.value("pier_http_requests_total", pulls)-
		before.value("pier_http_requests_total", pulls) < float64(len(layers)) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		after = scrape(t, addr)
	}
	for _, c := range []struct {
		metric  string
		labels  map[string]string
		atLeast float64
	}{
		{"pier_http_requests_total", map[string]string{"route": manifests, "method": "PUT", "code": "201"}, 1},
		{"pier_http_requests_total", map[string]string{"route": manifests, "method": "GET", "code": "200"}, 1},
		{"pier_http_requests_total", map[string]string{"route": blobs, "method": "GET", "code": "200"}, float64(len(layers))},
		{"pier_http_requests_total", map[string]string{"route": "other", "method": "GET", "code": "404"}, 1},
		{"pier_http_request_duration_seconds_count", map[string]string{"route": manifests, "method": "PUT"}, 1},
		{"pier_http_received_bytes_total", map[string]string{"route": "/v2/{name}/blobs/uploads/{id}"}, 1},
		{"pier_http_sent_bytes_total", map[string]string{"route": blobs}, layerBytes},
		{"pier_auth_failures_total", map[string]string{"reason": "denied"}, 1},
		{"pier_auth_failures_total", map[string]string{"reason": "invalid_credentials"}, 1},
		{"pier_storage_operation_duration_seconds_count", map[string]string{"operation": "put"}, 1},
		{"pier_storage_operation_duration_seconds_count", map[string]string{"operation": "open"}, 1},
		{"pier_storage_operation_duration_seconds_count", map[string]string{"operation": "upload_commit"}, 1},
	} {
		got := after.value(c.metric, c.labels) - before.value(c.metric, c.labels)
		if got < c.atLeast {
			t.Errorf("%s%v moved by %v, want at least %v", c.metric, c.labels, got, c.atLeast)
		}
	}
	if n := after.value("pier_auth_failures_total", nil); n != 2 {
		t.Errorf("%v auth failures, want 2 (the anonymous challenge is none)", n)
	}
	if n := after.value("pier_uploads_in_progress", nil); n != 0 {
		t.Errorf("pier_uploads_in_progress %v after every upload finished", n)
	}
	if after.has("route", "/no/such/route/xxxxxxxxxx") {
		t.Error("a raw path became a label value")
	}
}

func get(t *testing.T, url, authorization string, want int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, want)
	}
}

// samples are the lines of one scrape.
type samples []sample

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads /metrics in the Prometheus text format.
func scrape(t *testing.T, addr string) samples {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %s, %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var out samples
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value of %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[p[1]] = p[2]
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// value sums the samples of metric whose labels include labels.
func (ss samples) value(metric string, labels map[string]string) float64 {
	var sum float64
	for _, s := range ss {
		if s.name != metric {
			continue
		}
		match := true
		for k, v := range labels {
			match = match && s.labels[k] == v
		}
		if match {
			sum += s.value
		}
	}
	return sum
}

func (ss samples) has(label, value string) bool {
	for _, s := range ss {
		if s.labels[label] == value {
			return true
		}
	}
	return false
}

func TestMeasuredDriverKeepsWhatTypeAssertionsFind(t *testing.T) {
	dir := t.TempDir()
	driver, err := fs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	d := MeasureDriver(driver, m)
	ctx := context.Background()
	if err := d.Put(ctx, "a/b", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	r, _, err := d.Open(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*os.File); !ok {
		t.Errorf("Open returned %T, not the driver's *os.File (sendfile needs it)", r)
	}
	if _, ok := d.(storage.Redirector); ok {
		t.Error("a driver that cannot redirect became a Redirector")
	}
	if u, ok := d.(interface{ Unwrap() storage.Driver }); !ok || u.Unwrap() != driver {
		t.Error("Unwrap does not return the measured driver")
	}
	if got := storage.New(d).ChunkMinLength(); got != storage.DefaultChunkMinLength {
		t.Errorf("ChunkMinLength %d through the decorator, want the default", got)
	}
	rd := MeasureDriver(redirecting{driver}, m)
	r2, ok := rd.(storage.Redirector)
	if !ok || !r2.Redirects() || !storage.New(rd).CanRedirect() {
		t.Fatal("a Redirector lost its redirects behind the decorator")
	}
	if u, err := r2.RedirectURL(ctx, "a/b", 0); err != nil || u != "https://cdn.example/a/b" {
		t.Errorf("RedirectURL = %q, %v", u, err)
	}
	if got := storage.New(rd).ChunkMinLength(); got != 5<<20 {
		t.Errorf("ChunkMinLength %d, want the driver's 5 MiB", got)
	}
	if n, err := rd.(storage.UploadPurger).PurgeUploads(ctx, time.Now()); n != 7 || err != nil {
		t.Errorf("PurgeUploads through the decorator = %d, %v; want the driver's 7", n, err)
	}
	if n, err := d.(storage.UploadPurger).PurgeUploads(ctx, time.Now()); n != 0 || err != nil {
		t.Errorf("PurgeUploads over fs = %d, %v; want nothing purged", n, err)
	}
	if MeasureDriver(driver, nil) != storage.Driver(driver) {
		t.Error("without metrics the driver should be returned as it is")
	}
}

// redirecting is a driver that is a Redirector, a ChunkSizer and an
// UploadPurger.
type redirecting struct{ storage.Driver }

func (redirecting) Redirects() bool { return true }

func (redirecting) RedirectURL(_ context.Context, key string, _ time.Duration) (string, error) {
	return "https://cdn.example/" + key, nil
}

func (redirecting) ChunkMinLength() int64 { return 5 << 20 }

func (redirecting) PurgeUploads(context.Context, time.Time) (int, error) { return 7, nil }

func TestStorageErrorsCountFailuresButNotMisses(t *testing.T) {
	driver, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	d := MeasureDriver(driver, m)
	ctx := context.Background()
	if _, err := d.Stat(ctx, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat: %v", err)
	}
	if err := d.Put(ctx, "bad//key", nil); err == nil {
		t.Fatal("Put of an invalid key succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = d.Stat(cancelled, "x")
	for _, err := range d.List(ctx, "", "") {
		if err != nil {
			t.Fatal(err)
		}
	}
	u, err := d.Upload(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, m, "pier_uploads_in_progress"); got != 1 {
		t.Errorf("uploads in progress %v while one is open", got)
	}
	if err := u.Cancel(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, m, "pier_uploads_in_progress"); got != 0 {
		t.Errorf("uploads in progress %v after cancel", got)
	}
	s := gatherText(t, m)
	if s.value("pier_storage_errors_total", map[string]string{"operation": "put"}) != 1 ||
		s.value("pier_storage_errors_total", nil) != 1 {
		t.Errorf("want exactly the failed put counted as an error, got %v put and %v in all",
			s.value("pier_storage_errors_total", map[string]string{"operation": "put"}), s.value("pier_storage_errors_total", nil))
	}
	if s.value("pier_storage_operation_duration_seconds_count", map[string]string{"operation": "list"}) != 1 {
		t.Error("the listing was not timed")
	}
}

func gauge(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	return gatherText(t, m).value(name, nil)
}

// gatherText scrapes m without a server.
func gatherText(t *testing.T, m *Metrics) samples {
	t.Helper()
	return scrape(t, serveHandler(t, m.Handler()))
}

func TestObserveGC(t *testing.T) {
	m := NewMetrics()
	ok := &storage.GCReport{Duration: 2 * time.Second, Blobs: 3, BlobBytes: 1000}
	if r, err := m.ObserveGC(ok, nil); r != ok || err != nil {
		t.Errorf("ObserveGC changed the results: %v, %v", r, err)
	}
	down := errors.New("storage down")
	if _, err := m.ObserveGC(&storage.GCReport{Duration: time.Second, Blobs: 1, BlobBytes: 10}, down); err != down {
		t.Errorf("ObserveGC changed the error: %v", err)
	}
	_, _ = m.ObserveGC(nil, fmt.Errorf("gc: %w", storage.ErrGCBusy))
	_, _ = m.ObserveGC(&storage.GCReport{DryRun: true, Duration: time.Hour, Blobs: 100, BlobBytes: 1 << 30}, nil)
	var none *Metrics
	_, _ = none.ObserveGC(ok, nil) // a nil *Metrics records nothing, and does not panic
	s := gatherText(t, m)
	for metric, want := range map[string]float64{
		"pier_gc_deleted_blobs_total":    4,
		"pier_gc_freed_bytes_total":      1010,
		"pier_gc_duration_seconds_count": 2,
		"pier_gc_duration_seconds_sum":   3,
	} {
		if got := s.value(metric, nil); got != want {
			t.Errorf("%s = %v, want %v", metric, got, want)
		}
	}
	for _, result := range []string{"ok", "error", "busy", "dry_run"} {
		if n := s.value("pier_gc_runs_total", map[string]string{"result": result}); n != 1 {
			t.Errorf("%v runs with result %s, want 1", n, result)
		}
	}
}

// serveHandler serves h on loopback and returns its address.
func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
