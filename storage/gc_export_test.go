package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// GCTiming are the collection protocol's durations, for tests that cannot
// wait for the production ones.
type GCTiming struct {
	LeaseTTL, LeaseSettle, SweepDeadline, PendingLife, TombstoneLife, StaleUpload time.Duration
}

// SetGCTiming replaces the protocol's durations of s.
func SetGCTiming(s *Store, t GCTiming) {
	s.gcTiming = &gcTiming{leaseTTL: t.LeaseTTL, leaseSettle: t.LeaseSettle, sweepDeadline: t.SweepDeadline,
		pendingLife: t.PendingLife, tombstoneLife: t.TombstoneLife, staleUpload: t.StaleUpload}
}

// FastGCTiming is short enough for tests and keeps the protocol's order:
// sweepDeadline < pendingLife < tombstoneLife.
var FastGCTiming = GCTiming{LeaseTTL: 3 * time.Second, LeaseSettle: 200 * time.Millisecond,
	SweepDeadline: 5 * time.Second, PendingLife: 10 * time.Second, TombstoneLife: time.Hour, StaleUpload: time.Hour}

// SeedBlobs writes, straight through the driver, a store of blobs blobs
// spread over repos repositories: nine in ten belong to tagged images of
// ten blobs (a config and nine layers), the rest are links nothing
// references. It returns the number of unreferenced blobs. progress hears
// how many blobs are written.
func SeedBlobs(ctx context.Context, d Driver, repos, blobs int, progress func(int)) (int, error) {
	images := blobs * 9 / 10 / 10
	s := New(d)
	var done counter
	err := seedEach(ctx, images, func(ctx context.Context, i int) error {
		name := fmt.Sprintf("bench/r%03d", i%repos)
		var layers []digest.Digest
		for j := range 10 {
			d, err := s.seedBlob(ctx, name, fmt.Sprintf("image %d blob %d", i, j))
			if err != nil {
				return err
			}
			layers = append(layers, d)
		}
		if err := s.seedManifest(ctx, name, fmt.Sprintf("t%d", i), layers); err != nil {
			return err
		}
		if n := done.add(); n%100 == 0 && progress != nil {
			progress(n * 10)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	garbage := blobs - images*10
	return garbage, seedEach(ctx, garbage, func(ctx context.Context, i int) error {
		_, err := s.seedBlob(ctx, fmt.Sprintf("bench/r%03d", i%repos), fmt.Sprintf("garbage %d", i))
		return err
	})
}

// seedEach calls fn for 0 to n-1 on 32 goroutines: writes to S3 wait on
// the server's disk, so more of them in flight seed faster.
func seedEach(ctx context.Context, n int, fn func(context.Context, int) error) error {
	work := make(chan int)
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range work {
				if err := fn(ctx, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := range n {
		select {
		case work <- i:
		case err = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	return err
}

// seedBlob stores content and links it into name, as an upload would.
func (s *Store) seedBlob(ctx context.Context, name, content string) (digest.Digest, error) {
	d := digest.FromString(content)
	for key, data := range map[string][]byte{blobKey(d): []byte(content), blobRepoKey(d, name): nil, blobLinkKey(name, d): nil} {
		if err := s.d.Put(ctx, key, data); err != nil {
			return "", err
		}
	}
	return d, nil
}

// seedManifest pushes an image manifest of layers (the first one its
// config) under tag.
func (s *Store) seedManifest(ctx context.Context, name, tag string, layers []digest.Digest) error {
	m := v1.Manifest{MediaType: v1.MediaTypeImageManifest,
		Config: v1.Descriptor{MediaType: v1.MediaTypeImageConfig, Digest: layers[0], Size: 1}}
	m.SchemaVersion = 2
	for _, l := range layers[1:] {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: v1.MediaTypeImageLayer, Digest: l, Size: 1})
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = s.PutManifest(ctx, name, tag, v1.MediaTypeImageManifest, data, nil)
	return err
}
