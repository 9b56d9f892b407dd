package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
)

// bench is one run: the servers it started and what they measured.
type bench struct {
	o       *options
	started time.Time
	client  *http.Client
	procs   []*target // every server started, in order
	res     results
	fs      *fsTargets
	s3      *s3Targets
	data    *blobSet
	seed    *seedContent
}

// fsTargets are the servers of the filesystem section.
type fsTargets struct {
	pier, dist, ceiling, durable, nginx, nginxCopy *target
}

func (b *bench) run(ctx context.Context) error {
	if err := os.MkdirAll(b.o.work, 0o700); err != nil {
		return err
	}
	b.client = newHTTPClient(2 * b.o.conns)
	b.data = newBlobSet(6, b.o.blobMiB<<20)
	var err error
	if b.seed, err = newSeedContent(); err != nil {
		return err
	}
	if err := b.startFS(ctx); err != nil {
		return err
	}
	if b.o.runs("small") || b.o.runs("list") {
		if err := b.seedFS(ctx); err != nil {
			return err
		}
	}
	for round := range b.o.rounds {
		say("round %d of %d: filesystem", round+1, b.o.rounds)
		if err := b.fsRound(ctx, round); err != nil {
			return err
		}
	}
	if !b.o.s3 || !b.o.runs("transfer") {
		return nil
	}
	if err := b.startS3(ctx); err != nil {
		return err
	}
	for round := range b.o.rounds {
		say("round %d of %d: S3", round+1, b.o.rounds)
		if err := b.s3Round(ctx, round); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) startFS(ctx context.Context) error {
	pierRoot := filepath.Join(b.o.work, "pier-fs", "data")
	t := &fsTargets{}
	var err error
	if t.pier, err = b.startPier(ctx, "pier-fs", "  fs:\n    root: "+pierRoot+"\n", rand.Text()); err != nil {
		return err
	}
	distRoot := filepath.Join(b.o.work, "dist-fs", "data")
	if t.dist, err = b.startDistribution(ctx, "dist-fs", "  filesystem:\n    rootdirectory: "+distRoot+"\n"); err != nil {
		return err
	}
	if t.ceiling, err = b.startCeiling(ctx, "ceiling", false); err != nil {
		return err
	}
	if t.durable, err = b.startCeiling(ctx, "ceiling-durable", true); err != nil {
		return err
	}
	if t.nginx, err = b.startNginx(ctx, "nginx", pierRoot, true); err != nil {
		return err
	}
	if t.nginxCopy, err = b.startNginx(ctx, "nginx-copy", pierRoot, false); err != nil {
		return err
	}
	t.pier.name, t.dist.name = "pier", "Distribution"
	t.ceiling.name, t.durable.name, t.nginx.name = "hash+write", "hash+write+fsync", "nginx"
	t.nginxCopy.name = "nginx, sendfile off"
	t.pier.reclaim = removeFiles(func(d digest.Digest) string { return pierBlobFile(pierRoot, d) })
	t.dist.reclaim = removeFiles(func(d digest.Digest) string { return filepath.Join(distRoot, filepath.FromSlash(distBlobKey(d))) })
	b.fs = t
	return nil
}

// fsRound runs every filesystem scenario once.
func (b *bench) fsRound(ctx context.Context, round int) error {
	t := b.fs
	const sec = "Filesystem"
	if b.o.runs("transfer") {
		pushers := rotate(round, t.pier, t.dist, t.ceiling, t.durable)
		pullers := rotate(round, t.pier, t.dist, t.nginx, t.nginxCopy)
		if err := b.pushPullRows(ctx, sec, round, pushers, pullers, pushers); err != nil {
			return err
		}
	}
	if b.o.runs("small") {
		if err := b.smallRows(ctx, sec, rotate(round, t.pier, t.dist, t.ceiling)); err != nil {
			return err
		}
	}
	if b.o.runs("list") {
		return b.listRows(ctx, sec, round, rotate(round, t.pier, t.dist))
	}
	return nil
}

// rotate returns ts starting at index round, so that no server always
// goes first.
func rotate(round int, ts ...*target) []*target {
	k := round % len(ts)
	return append(append([]*target{}, ts[k:]...), ts[:k]...)
}

// stopAll stops every server, last started first.
func (b *bench) stopAll() {
	for i := len(b.procs) - 1; i >= 0; i-- {
		b.procs[i].proc.stop()
	}
	b.procs = nil
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
