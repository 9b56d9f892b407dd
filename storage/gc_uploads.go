package storage

import (
	"context"
	"fmt"
	"time"
)

// UploadPurger is implemented by drivers that stage uploads where List does
// not see them (storage/s3, storage/fs): PurgeUploads cancels the staged uploads that
// have not made progress since before, records or not, and returns how
// many it removed. Garbage collection calls it.
type UploadPurger interface {
	PurgeUploads(ctx context.Context, before time.Time) (int, error)
}

// purgeUploads cancels upload sessions idle for longer than staleUpload,
// removes leftover quarantine copies, and lets the driver purge its own
// staging. The record of a session is rewritten at every chunk, so its
// modification time is the session's last activity.
func (c *collector) purgeUploads(ctx context.Context, inv *inventory) error {
	before := c.now.Add(-c.s.timing().staleUpload)
	for _, info := range inv.uploads {
		if !info.ModTime.Before(before) {
			continue
		}
		if !c.o.DryRun {
			id := trimmed(info.Key, uploadsPrefix)
			if err := cancelUpload(ctx, c.s.d, id); err != nil {
				return fmt.Errorf("garbage collection: cancelling upload %s: %w", id, err)
			}
			if err := c.s.d.Delete(ctx, info.Key); err != nil {
				return fmt.Errorf("garbage collection: %w", err)
			}
		}
		c.report.Uploads++
	}
	for _, info := range inv.quarantine {
		if !info.ModTime.Before(before) || c.o.DryRun {
			continue
		}
		if err := c.s.d.Delete(ctx, info.Key); err != nil {
			return fmt.Errorf("garbage collection: %w", err)
		}
	}
	p, ok := c.s.d.(UploadPurger)
	if !ok || c.o.DryRun {
		return nil
	}
	n, err := p.PurgeUploads(ctx, before)
	c.report.Uploads += n
	if err != nil {
		return fmt.Errorf("garbage collection: purging staged uploads: %w", err)
	}
	return nil
}
