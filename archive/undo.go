package archive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// undoTimeout bounds how long taking back a failed import may take.
const undoTimeout = 2 * time.Minute

// undoLog remembers how to take back each change of an import. add may
// be called from several goroutines.
type undoLog struct {
	mu    sync.Mutex
	steps []undoStep
}

type undoStep struct {
	what string
	fn   func(context.Context) error
}

func (u *undoLog) add(what string, fn func(context.Context) error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.steps = append(u.steps, undoStep{what, fn})
}

// run takes back every change, last first, even when ctx was cancelled
// (an interrupted import is taken back too), and returns cause with
// whatever could not be undone.
func (u *undoLog) run(ctx context.Context, cause error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	errs := []error{cause}
	for i := len(u.steps) - 1; i >= 0; i-- {
		// Steps are recorded before their change is tried, so what is
		// not there was never done.
		if err := u.steps[i].fn(ctx); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("could not take back %s: %w", u.steps[i].what, err))
		}
	}
	u.steps = nil
	return errors.Join(errs...)
}
