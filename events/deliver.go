package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// message is one encoded event waiting for one endpoint.
type message struct {
	typ, repository string
	body            []byte
}

// endpoint is one receiver with its queue.
type endpoint struct {
	cfg    Endpoint
	filter filter
	queue  chan message
	client *http.Client
	log    *slog.Logger
}

func newEndpoint(cfg Endpoint, size int, client *http.Client, log *slog.Logger) *endpoint {
	return &endpoint{
		cfg:    cfg,
		filter: newFilter(cfg),
		queue:  make(chan message, size),
		client: client,
		log:    log.With("webhook", cfg.Name),
	}
}

func (e *endpoint) enqueue(m message) {
	select {
	case e.queue <- m:
	default:
		e.log.Warn("webhooks: queue full, event dropped", "type", m.typ, "repository", m.repository, "queue", cap(e.queue))
	}
}

// run delivers queued messages in order until the queue is closed and
// empty, or ctx ends.
func (e *endpoint) run(ctx context.Context) {
	for m := range e.queue {
		if ctx.Err() != nil {
			e.log.Warn("webhooks: shutting down, event dropped", "type", m.typ, "repository", m.repository)
			continue
		}
		e.deliver(ctx, m)
	}
}

// deliver tries m up to MaxAttempts times, waiting Backoff after the first
// failure and twice as long after each next one.
func (e *endpoint) deliver(ctx context.Context, m message) {
	wait := e.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := e.post(ctx, m, attempt)
		if err == nil {
			e.log.Debug("webhooks: delivered", "type", m.typ, "repository", m.repository, "attempt", attempt)
			return
		}
		var p permanent
		if errors.As(err, &p) || attempt >= e.cfg.MaxAttempts {
			e.log.Warn("webhooks: giving up on event", "type", m.typ, "repository", m.repository, "attempts", attempt, "err", err)
			return
		}
		e.log.Info("webhooks: delivery failed, will retry", "type", m.typ, "repository", m.repository,
			"attempt", attempt, "retry_in", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			e.log.Warn("webhooks: shutting down, event dropped", "type", m.typ, "repository", m.repository)
			return
		}
		wait = min(2*wait, maxBackoff)
	}
}

// permanent marks an answer that retrying cannot change.
type permanent struct{ error }

// post makes one attempt. 2xx is success; 408, 429 and 5xx answers and
// network errors may be retried, every other answer is permanent.
func (e *endpoint) post(ctx context.Context, m message, attempt int) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.cfg.URL, bytes.NewReader(m.body))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "pier-webhooks")
	req.Header.Set(SignatureHeader, Sign(e.cfg.Secret, m.body))
	req.Header.Set("X-Pier-Attempt", strconv.Itoa(attempt))
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	// Drain a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500:
		return fmt.Errorf("receiver answered %s", resp.Status)
	default:
		return permanent{fmt.Errorf("receiver answered %s", resp.Status)}
	}
}
