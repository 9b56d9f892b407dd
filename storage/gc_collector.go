package storage

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// gcWorkers bounds the storage requests a collector has in flight: enough
// to hide S3's latency, few enough to leave the registry its share.
const gcWorkers = 8

// collector is one garbage collection run.
type collector struct {
	s      *Store
	o      GCOptions
	report *GCReport
	lease  *lease    // nil in a dry run
	now    time.Time // the storage's clock when the run started
	cutoff time.Time // now - grace: anything fresher is kept

	mu         sync.Mutex // guards report while workers run
	progressMu sync.Mutex
}

// run scans, applies retention, marks and sweeps.
func (c *collector) run(ctx context.Context) error {
	inv, err := c.scan(ctx)
	if err != nil {
		return err
	}
	c.report.Repositories = len(inv.repos)
	if err := c.readTags(ctx, inv); err != nil {
		return err
	}
	if err := c.applyRetention(ctx, inv); err != nil {
		return err
	}
	live, err := c.mark(ctx, inv)
	if err != nil {
		return err
	}
	units := c.plan(inv, live)
	if err := c.sweep(ctx, units); err != nil {
		return err
	}
	if err := c.pruneCatalog(ctx, inv, units); err != nil {
		return err
	}
	if err := c.pruneTombstones(ctx, inv); err != nil {
		return err
	}
	return c.purgeUploads(ctx, inv)
}

// progress reports how far phase has come, when someone listens; workers
// call it too, so calls are serialised.
func (c *collector) progress(phase string, done, total int) {
	if c.o.Progress != nil {
		c.progressMu.Lock()
		defer c.progressMu.Unlock()
		c.o.Progress(GCProgress{Phase: phase, Done: done, Total: total})
	}
}

// warn records something the run left alone, and why.
func (c *collector) warn(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.report.Warnings = append(c.report.Warnings, msg)
}

// forEach calls fn for every item on up to gcWorkers goroutines and
// returns the first error; after an error no new calls start.
func forEach[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan T)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(gcWorkers, len(items)) {
		wg.Go(func() {
			for it := range work {
				if err := fn(ctx, it); err != nil {
					once.Do(func() { first = err; cancel(err) })
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

// counter counts work done by concurrent workers, for progress reports.
type counter struct{ n atomic.Int64 }

func (c *counter) add() int { return int(c.n.Add(1)) }
