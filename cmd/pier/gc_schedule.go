package main

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pier-registry/pier/server"
	"github.com/pier-registry/pier/storage"
)

// startGCSchedule collects garbage in s every c.Interval until ctx is done
// or stop is called; stop returns once a collection in progress stopped.
// Replicas started together drift apart by a random tenth of the interval,
// and take turns through the lease anyway.
func startGCSchedule(ctx context.Context, s *storage.Store, c storage.GCConfig, metrics *server.Metrics, log *slog.Logger) (stop func()) {
	if c.Interval <= 0 {
		return func() {}
	}
	interval := time.Duration(c.Interval)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			next := interval + time.Duration(rand.Int64N(int64(interval)/10+1))
			select {
			case <-ctx.Done():
				return
			case <-time.After(next):
			}
			scheduledGC(ctx, s, c, metrics, log)
		}
	})
	log.Info("garbage collection scheduled", "interval", c.Interval, "grace", c.Grace, "untagged", c.Untagged)
	return func() {
		cancel()
		wg.Wait()
	}
}

// scheduledGC runs one collection and logs what it did.
func scheduledGC(ctx context.Context, s *storage.Store, c storage.GCConfig, metrics *server.Metrics, log *slog.Logger) {
	rep, err := metrics.ObserveGC(s.CollectGarbage(ctx, storage.GCOptions{Untagged: c.Untagged, Grace: time.Duration(c.Grace)}))
	switch {
	case errors.Is(err, storage.ErrGCBusy):
		log.Info("garbage collection skipped: another replica is collecting", "reason", err)
	case ctx.Err() != nil:
		log.Info("garbage collection stopped by shutdown")
	case err != nil:
		log.Error("garbage collection failed", "err", err)
	default:
		log.Info("garbage collection", "duration", rep.Duration.Round(time.Millisecond),
			"expired_tags", len(rep.ExpiredTags), "manifests", rep.Manifests, "links", rep.Links,
			"blobs", rep.Blobs, "bytes", rep.BlobBytes, "uploads", rep.Uploads, "kept", rep.Kept)
		for _, w := range rep.Warnings {
			log.Warn("garbage collection", "warning", w)
		}
	}
}
