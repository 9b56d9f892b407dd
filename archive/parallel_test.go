package archive

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestParallel(t *testing.T) {
	items := make([]int, 50)
	for i := range items {
		items[i] = i
	}
	var running, most, done atomic.Int32
	err := parallel(context.Background(), 3, items, func(ctx context.Context, i int) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		done.Add(1)
		return nil
	})
	if err != nil || done.Load() != 50 || most.Load() > 3 {
		t.Errorf("err %v, %d done, %d at once", err, done.Load(), most.Load())
	}

	// After a failure no more items start; those running finish.
	boom := errors.New("boom")
	var started atomic.Int32
	err = parallel(context.Background(), 2, items, func(ctx context.Context, i int) error {
		started.Add(1)
		if i == 5 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || started.Load() > 8 {
		t.Errorf("first error: %v, %d started", err, started.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := parallel(ctx, 2, items, func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
}
