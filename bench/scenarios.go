package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"
)

// pushRepo holds every big blob; smallRepo is what small requests ask for.
const (
	pushRepo  = "cat/r000"
	smallRepo = "cat/r001"
)

func catalogRepo(i int) string { return fmt.Sprintf("cat/r%03d", i) }

const (
	mib = 1 << 20
	gib = 1 << 30
)

// pushPullRows pushes the round's blobs monolithic and chunked at c=1 and
// c=4 to every pusher, pulls the monolithic ones back from every puller,
// and after each set removes its blobs from the reclaimers' storage: the
// page cache then never holds more than one set per server, so that no run
// pays for the memory that earlier ones filled.
func (b *bench) pushPullRows(ctx context.Context, sec string, round int, pushers, pullers, reclaimers []*target) error {
	pushRow := func(variant string, c int) *row {
		label := fmt.Sprintf("push, %s, c=%d", variant, c)
		if variant == "chunked" {
			label = fmt.Sprintf("push, chunked (%d MiB PATCH), c=%d", b.o.chunkMiB, c)
		}
		return b.res.row(sec, label, "MiB/s", true, cpuPerGiB)
	}
	pullRow := func(c int) *row {
		return b.res.row(sec, fmt.Sprintf("pull, verified, c=%d", c), "MiB/s", true, cpuPerGiB)
	}
	// Rows in the order of the report, pushes first.
	for _, variant := range []string{"monolithic", "chunked"} {
		pushRow(variant, 1)
		pushRow(variant, 4)
	}
	pullRow(1)
	pullRow(4)
	for _, variant := range []string{"monolithic", "chunked"} {
		b.data.fill(round, variant)
		for _, c := range []int{1, 4} {
			set := b.slots(c)
			r := pushRow(variant, c)
			for _, t := range pushers {
				if err := b.pushRun(ctx, r, t, set, c, variant == "chunked"); err != nil {
					return fmt.Errorf("%s, %s: %w", r.label, t.name, err)
				}
			}
			var pushed []stored
			for _, bl := range set {
				pushed = append(pushed, stored{d: bl.d, size: int64(len(bl.data))})
			}
			if variant == "monolithic" {
				r := pullRow(c)
				for _, t := range pullers {
					if err := b.pullRun(ctx, r, t, pushed, c); err != nil {
						return fmt.Errorf("%s, %s: %w", r.label, t.name, err)
					}
				}
			}
			if err := reclaim(ctx, reclaimers, pushed); err != nil {
				return err
			}
		}
	}
	return nil
}

// reclaim removes blobs from the storage of every target in ts.
func reclaim(ctx context.Context, ts []*target, blobs []stored) error {
	ds := make([]digest.Digest, len(blobs))
	for i, bl := range blobs {
		ds[i] = bl.d
	}
	for _, t := range ts {
		if err := t.reclaim(ctx, ds); err != nil {
			return fmt.Errorf("reclaiming %s: %w", t.name, err)
		}
	}
	return nil
}

// slots are the blobs of a run at concurrency c: two in a row at c=1, one
// per worker at c=4.
func (b *bench) slots(c int) []blob {
	if c == 1 {
		return b.data.blobs[:2]
	}
	return b.data.blobs[2:6]
}

// pushRun pushes set with c workers, each fetching its own token first,
// and records the throughput and the server's CPU per GiB.
func (b *bench) pushRun(ctx context.Context, r *row, t *target, set []blob, c int, chunked bool) error {
	var total int64
	for _, bl := range set {
		total += int64(len(bl.data))
	}
	return b.measureBytes(r, t, total, func() error {
		return parallel(c, func(w int) error {
			s, err := t.login(ctx, "repository:"+pushRepo+":pull,push")
			if err != nil {
				return err
			}
			for i := w; i < len(set); i += c {
				if chunked {
					err = s.pushChunked(ctx, pushRepo, set[i].data, set[i].d, b.o.chunkMiB*mib)
				} else {
					err = s.pushMono(ctx, pushRepo, set[i].data, set[i].d)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// stored is a blob a server holds.
type stored struct {
	d    digest.Digest
	size int64
}

// pullRun pulls set with c workers, hashing every byte.
func (b *bench) pullRun(ctx context.Context, r *row, t *target, set []stored, c int) error {
	var total int64
	for _, bl := range set {
		total += bl.size
	}
	return b.measureBytes(r, t, total, func() error {
		return parallel(c, func(w int) error {
			s, err := t.login(ctx, "repository:"+pushRepo+":pull")
			if err != nil {
				return err
			}
			buf := make([]byte, 1<<20)
			for i := w; i < len(set); i += c {
				n, err := s.pull(ctx, t.blobRef(pushRepo, set[i].d), set[i].d, buf)
				if err != nil {
					return err
				}
				if n != set[i].size {
					return fmt.Errorf("pulled %d bytes of %d", n, set[i].size)
				}
			}
			return nil
		})
	})
}

// measureBytes runs fn, which moves total bytes, and records MiB/s and the
// server's CPU seconds per GiB.
func (b *bench) measureBytes(r *row, t *target, total int64, fn func() error) error {
	// What the previous server wrote and did not sync would otherwise be
	// written back during this run, and every fsync of this one would
	// wait for it too.
	syscall.Sync()
	cpu0, err := t.cpu()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := fn(); err != nil {
		return err
	}
	wall := time.Since(start)
	cpu1, err := t.cpu()
	if err != nil {
		return err
	}
	r.add(t.name, sample{value: float64(total) / mib / wall.Seconds(), cpu: (cpu1 - cpu0) / (float64(total) / gib)})
	return nil
}

// parallel runs fn(0..n-1) at once and returns the first error.
func parallel(n int, fn func(w int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { errs[w] = fn(w) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
