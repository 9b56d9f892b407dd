package s3

import (
	"context"
	"time"
)

// cleanupTimeout bounds the requests that undo half-done work.
const cleanupTimeout = 30 * time.Second

// cleanupContext is for undoing half-done work (aborting a multipart
// upload) after ctx may have been cancelled: it keeps ctx's values but not
// its cancellation, and has its own deadline.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}
