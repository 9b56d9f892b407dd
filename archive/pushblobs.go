package archive

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/opencontainers/go-digest"
)

// parallelBlobs is how many blobs an import sends at once: hashing one
// while another is written keeps two cores busy, and over the network it
// hides the round trips.
const parallelBlobs = 3

// blobJob is one blob to make visible in one repository.
type blobJob struct {
	repo string
	d    digest.Digest
	from string // the repository it went to first; "" for the first
}

// pushBlobs makes every blob visible in every repository that needs it:
// each blob once, in the first such repository (several at a time), then
// linked into the others.
func (a *Archive) pushBlobs(ctx context.Context, reg Registry, repos []string, undo *undoLog, progress Progress) error {
	var first, rest []blobJob
	home := map[digest.Digest]string{}
	for _, repo := range repos {
		for _, d := range a.blobsIn(repo) {
			if from, ok := home[d]; ok {
				rest = append(rest, blobJob{repo, d, from})
			} else {
				home[d] = repo
				first = append(first, blobJob{repo: repo, d: d})
			}
		}
	}
	err := parallel(ctx, parallelBlobs, first, func(ctx context.Context, j blobJob) error {
		return a.pushBlob(ctx, reg, j, undo, progress)
	})
	if err != nil {
		return err
	}
	for _, j := range rest {
		if err := a.pushBlob(ctx, reg, j, undo, nil); err != nil {
			return err
		}
	}
	return nil
}

// pushBlob makes blob j.d visible in j.repo: nothing to send when it is
// there, a mount when the registry holds it elsewhere, else an upload.
// The archive's copy is verified in every case, the first time.
func (a *Archive) pushBlob(ctx context.Context, reg Registry, j blobJob, undo *undoLog, progress Progress) error {
	b := a.blobs[j.d]
	has, err := reg.HasBlob(ctx, j.repo, j.d)
	if err != nil {
		return fmt.Errorf("%s: %w", j.repo, err)
	}
	if has {
		return a.verifyFirst(b, j, progress)
	}
	// Taken back even if the call below fails: a request cut short by a
	// cancellation may still have been carried out.
	repo, d := j.repo, j.d
	undo.add("blob "+d.String()+" of "+repo, func(ctx context.Context) error { return reg.DeleteBlob(ctx, repo, d) })
	mounted, err := reg.MountBlob(ctx, j.repo, j.from, j.d)
	if err != nil {
		return fmt.Errorf("%s: linking %s: %w", j.repo, j.d, err)
	}
	if mounted {
		return a.verifyFirst(b, j, progress)
	}
	return a.upload(ctx, reg, j.repo, b, progress)
}

// verifyFirst checks the archive's copy of a blob the registry already
// holds, when j is the blob's first repository: a damaged archive is
// refused even when nothing of it would be sent.
func (a *Archive) verifyFirst(b *blobItem, j blobJob, progress Progress) error {
	if j.from != "" {
		return nil
	}
	r, closeEntry, err := a.openChecked(b)
	if err != nil {
		return err
	}
	defer closeEntry()
	v := b.desc.Digest.Verifier()
	n, err := io.CopyBuffer(v, withProgress(r, progress), make([]byte, copyBuffer))
	if err != nil {
		return fmt.Errorf("%s: %w", b.entry, err)
	}
	if n != b.desc.Size || !v.Verified() {
		return fmt.Errorf("%s: %w: content does not match %s", b.entry, ErrCorrupt, b.desc.Digest)
	}
	return nil
}

// openChecked opens b's entry behind the diff ID check its layer needs, if
// any; call the returned func when done.
func (a *Archive) openChecked(b *blobItem) (io.Reader, func(), error) {
	rc, _, err := a.src.open(b.entry)
	if err != nil {
		return nil, nil, err
	}
	if b.diffID == "" {
		return rc, func() { rc.Close() }, nil
	}
	check := checkDiffID(rc, b.desc.MediaType, b.diffID, b.entry)
	return check, func() { check.Close(); rc.Close() }, nil
}

// upload streams the blob's entry into repo.
func (a *Archive) upload(ctx context.Context, reg Registry, repo string, b *blobItem, progress Progress) error {
	r, closeEntry, err := a.openChecked(b)
	if err != nil {
		return err
	}
	defer closeEntry()
	if err := reg.PutBlob(ctx, repo, b.desc, withProgress(r, progress)); err != nil {
		return fmt.Errorf("%s (%s) into %s: %w", b.entry, b.desc.Digest, repo, err)
	}
	return nil
}

// parallel runs fn on every item, at most n at once. After the first
// error no more start, and it is returned once those running are done.
// Those are not cancelled: a request cut short could still be carried out
// by a registry after the import has taken back what it knew of.
func parallel[T any](ctx context.Context, n int, items []T, fn func(context.Context, T) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
	sem := make(chan struct{}, n)
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || failed() {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err() // the caller's context ended
	}
	return first
}
