package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const secret = "0123456789abcdef-test-secret"

// delivery is one POST a receiver got.
type delivery struct {
	header http.Header
	body   []byte
	event  cloudEvent
}

// receiver is a webhook endpoint on loopback that answers with status(d)
// and hands every delivery to the test.
func receiver(t *testing.T, status func(d delivery) int) (string, <-chan delivery) {
	t.Helper()
	got := make(chan delivery, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("receiver: %v", err)
			return
		}
		d := delivery{header: r.Header.Clone(), body: body}
		if err := json.Unmarshal(body, &d.event); err != nil {
			t.Errorf("receiver: body is not a CloudEvent: %v\n%s", err, body)
		}
		got <- d
		w.WriteHeader(status(d))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

func ok(delivery) int { return http.StatusNoContent }

// next waits for the next delivery.
func next(t *testing.T, got <-chan delivery) delivery {
	t.Helper()
	select {
	case d := <-got:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a delivery")
		return delivery{}
	}
}

func start(t *testing.T, cfg Config, log *slog.Logger) *Webhooks {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w := New(cfg, log)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return w
}

func TestPushIsDeliveredAsSignedCloudEvent(t *testing.T) {
	url, got := receiver(t, ok)
	w := start(t, Config{Source: "https://registry.example", Endpoints: []Endpoint{{URL: url, Secret: secret}}}, nil)
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	w.Notify(Event{Type: ManifestPushed, Repository: "acme/web", Digest: "sha256:abc",
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 512, Tags: []string{"v1"},
		Actor: "alice", RequestID: "req-1", Time: when})

	d := next(t, got)
	if !Verify(secret, d.body, d.header.Get(SignatureHeader)) {
		t.Fatalf("signature %q does not verify", d.header.Get(SignatureHeader))
	}
	if Verify("another secret of 16+", d.body, d.header.Get(SignatureHeader)) {
		t.Fatal("signature verifies under the wrong secret")
	}
	if ct := d.header.Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type %q, want %q", ct, ContentType)
	}
	ev := d.event
	want := cloudEvent{SpecVersion: "1.0", ID: ev.ID, Source: "https://registry.example", Type: ManifestPushed,
		Subject: "acme/web@sha256:abc", Time: when, DataContentType: "application/json",
		Data: eventData{Repository: "acme/web", Digest: "sha256:abc", MediaType: "application/vnd.oci.image.manifest.v1+json",
			Size: 512, Tags: []string{"v1"}, Actor: "alice", RequestID: "req-1"}}
	if ev.ID == "" {
		t.Error("event has no id")
	}
	if a, b := mustJSON(t, ev), mustJSON(t, want); a != b {
		t.Errorf("event\n%s\nwant\n%s", a, b)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFailingReceiverIsRetriedWithTheSameEvent(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	url, got := receiver(t, func(delivery) int {
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls < 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	w := start(t, Config{Endpoints: []Endpoint{{URL: url, Secret: secret, Backoff: time.Millisecond}}}, nil)
	w.Notify(Event{Type: TagUpdated, Repository: "r", Tag: "latest", Digest: "sha256:abc"})

	first := next(t, got)
	for attempt := 2; attempt <= 3; attempt++ {
		d := next(t, got)
		if d.event.ID != first.event.ID || !bytes.Equal(d.body, first.body) {
			t.Fatalf("attempt %d sent another event:\n%s\nthan\n%s", attempt, d.body, first.body)
		}
		if a := d.header.Get("X-Pier-Attempt"); a != strconv.Itoa(attempt) {
			t.Errorf("attempt %d: X-Pier-Attempt %q", attempt, a)
		}
		if !Verify(secret, d.body, d.header.Get(SignatureHeader)) {
			t.Errorf("attempt %d: bad signature", attempt)
		}
	}
	if first.event.Subject != "r:latest" {
		t.Errorf("subject %q, want r:latest", first.event.Subject)
	}
}

// TestRetriesStopAtTheLimitOrAPermanentAnswer relies on in-order delivery:
// when the "good" event arrives, the endpoint is done with the bad one.
func TestRetriesStopAtTheLimitOrAPermanentAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		want   int // attempts on the bad event
	}{
		{"server error until the limit", http.StatusInternalServerError, 3},
		{"too many requests until the limit", http.StatusTooManyRequests, 3},
		{"client error once", http.StatusBadRequest, 1},
		{"redirect once", http.StatusFound, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, got := receiver(t, func(d delivery) int {
				if d.event.Data.Repository == "bad" {
					return tc.status
				}
				return http.StatusOK
			})
			w := start(t, Config{Endpoints: []Endpoint{{URL: url, Secret: secret, Backoff: time.Millisecond, MaxAttempts: 3}}}, nil)
			w.Notify(Event{Type: ManifestDeleted, Repository: "bad", Digest: "sha256:1"})
			w.Notify(Event{Type: ManifestDeleted, Repository: "good", Digest: "sha256:2"})
			bad := 0
			for d := next(t, got); d.event.Data.Repository == "bad"; d = next(t, got) {
				bad++
			}
			if bad != tc.want {
				t.Errorf("%d attempts on the failing event, want %d", bad, tc.want)
			}
		})
	}
}

func TestFullQueueDropsWithALogLine(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	url, got := receiver(t, func(delivery) int {
		entered <- struct{}{}
		<-release
		return http.StatusOK
	})
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	w := start(t, Config{QueueSize: 1, Endpoints: []Endpoint{{Name: "ci", URL: url, Secret: secret}}}, log)

	w.Notify(Event{Type: ManifestPushed, Repository: "one"})
	<-entered                                                  // "one" is in flight, the queue is empty
	w.Notify(Event{Type: ManifestPushed, Repository: "two"})   // fills the queue
	w.Notify(Event{Type: ManifestPushed, Repository: "three"}) // dropped
	close(release)
	for _, want := range []string{"one", "two"} {
		if d := next(t, got); d.event.Data.Repository != want {
			t.Fatalf("delivered %q, want %q", d.event.Data.Repository, want)
		}
	}
	if !strings.Contains(logs.String(), "queue full") || !strings.Contains(logs.String(), "repository=three") {
		t.Errorf("no log line about dropping the event:\n%s", logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-got:
		t.Errorf("the dropped event was delivered: %s", d.body)
	default:
	}
}

func TestFiltersPickEventsAndRepositories(t *testing.T) {
	url, got := receiver(t, ok)
	w := start(t, Config{Endpoints: []Endpoint{{URL: url, Secret: secret,
		Events: []string{"tag"}, Repositories: []string{"acme/**", "public/*"}}}}, nil)
	w.Notify(Event{Type: ManifestPushed, Repository: "acme/web"})         // not a tag event
	w.Notify(Event{Type: TagUpdated, Repository: "other/web", Tag: "v1"}) // other repository
	w.Notify(Event{Type: TagUpdated, Repository: "public/a/b", Tag: "v1"})
	w.Notify(Event{Type: TagDeleted, Repository: "acme/web/api", Tag: "old"})
	w.Notify(Event{Type: TagUpdated, Repository: "public/a", Tag: "v2"})
	for _, want := range []string{"acme/web/api:old", "public/a:v2"} {
		if d := next(t, got); d.event.Subject != want {
			t.Fatalf("delivered %q, want %q", d.event.Subject, want)
		}
	}
}

func TestCloseAbandonsRetriesAtItsDeadline(t *testing.T) {
	url, got := receiver(t, func(delivery) int { return http.StatusServiceUnavailable })
	var logs syncBuffer
	w := New(Config{Endpoints: []Endpoint{{URL: url, Secret: secret, Backoff: time.Hour}}}, slog.New(slog.NewTextHandler(&logs, nil)))
	w.Notify(Event{Type: BlobDeleted, Repository: "r", Digest: "sha256:1"})
	next(t, got) // the first attempt failed; the next is an hour away
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: %v, want the deadline", err)
	}
	w.Notify(Event{Type: BlobDeleted, Repository: "late"}) // must not panic
	if !strings.Contains(logs.String(), "repository=late") {
		t.Errorf("the event after Close was not logged:\n%s", logs.String())
	}
}

func TestNoEndpointsIsANilNotifierThatDoesNothing(t *testing.T) {
	w := New(Config{}, nil)
	if w != nil {
		t.Fatal("New without endpoints is not nil")
	}
	w.Notify(Event{Type: ManifestPushed})
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer that the workers and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
