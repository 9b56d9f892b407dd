package events

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Webhooks delivers events to the configured endpoints. Each endpoint has
// its own bounded queue and one goroutine that delivers in order, so a slow
// or failing receiver delays only itself.
type Webhooks struct {
	source    string
	log       *slog.Logger
	endpoints []*endpoint
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu     sync.RWMutex // guards closed against Notify racing Close
	closed bool
}

// New starts delivering to the endpoints of cfg, which must be valid. With
// no endpoints it returns nil, on which Notify and Close do nothing.
func New(cfg Config, log *slog.Logger) *Webhooks {
	if len(cfg.Endpoints) == 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	w := &Webhooks{source: cfg.Source, log: log}
	if w.source == "" {
		w.source = DefaultSource
	}
	size := cfg.QueueSize
	if size == 0 {
		size = DefaultQueueSize
	}
	// The workers' context is theirs alone: it ends with Close, not with
	// any request, since events outlive the requests that caused them.
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	client := &http.Client{
		// A redirect is a misconfigured URL; following it would resend
		// the event as a GET.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, ep := range cfg.Endpoints {
		e := newEndpoint(ep.withDefaults(), size, client, log)
		w.endpoints = append(w.endpoints, e)
		w.wg.Go(func() { e.run(ctx) })
	}
	return w
}

// Notify queues ev for every endpoint whose filter it passes. It never
// blocks: when an endpoint's queue is full, the event is dropped for that
// endpoint and a warning logged.
func (w *Webhooks) Notify(ev Event) {
	if w == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.log.Warn("webhooks: event after shutdown dropped", "type", ev.Type, "repository", ev.Repository)
		return
	}
	var body []byte
	for _, e := range w.endpoints {
		if !e.filter.match(&ev) {
			continue
		}
		if body == nil {
			var err error
			if body, err = encode(&ev, w.source); err != nil {
				w.log.Error("webhooks: cannot encode event", "type", ev.Type, "err", err)
				return
			}
		}
		e.enqueue(message{typ: ev.Type, repository: ev.Repository, body: body})
	}
}

// Close stops taking events and delivers those queued until ctx is done;
// then it abandons what is left (with a log line) and returns ctx's error.
func (w *Webhooks) Close(ctx context.Context) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		for _, e := range w.endpoints {
			close(e.queue)
		}
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		w.cancel()
		return nil
	case <-ctx.Done():
		w.cancel() // ends retries and attempts in flight
		<-done
		return ctx.Err()
	}
}
