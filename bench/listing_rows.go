package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// seedFS gives pier and Distribution the same b.o.repos repositories, each
// with one small image tagged latest, and the ceiling the image of
// smallRepo.
func (b *bench) seedFS(ctx context.Context) error {
	say("seeding %d repositories", b.o.repos)
	for _, t := range []*target{b.fs.pier, b.fs.dist} {
		var next atomic.Int64
		err := parallel(8, func(int) error {
			for i := int(next.Add(1)) - 1; i < b.o.repos; i = int(next.Add(1)) - 1 {
				if err := b.seedRepo(ctx, t, catalogRepo(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seeding %s: %w", t.name, err)
		}
	}
	return b.seedRepo(ctx, b.fs.ceiling, smallRepo)
}

func (b *bench) seedRepo(ctx context.Context, t *target, repo string) error {
	s, err := t.login(ctx, "repository:"+repo+":pull,push")
	if err != nil {
		return err
	}
	if _, err := s.pushSmall(ctx, repo, b.seed.config); err != nil {
		return err
	}
	if _, err := s.pushSmall(ctx, repo, b.seed.layer); err != nil {
		return err
	}
	return s.putManifest(ctx, repo, "latest", b.seed.manifest)
}

// listRows tags b.o.tags tags in a fresh repository, then lists them, and
// lists the catalog, whole and in pages.
func (b *bench) listRows(ctx context.Context, sec string, round int, ts []*target) error {
	repo := catalogRepo(2 + round)
	tagLabel := fmt.Sprintf("tagging %d tags, c=%d", b.o.tags, b.o.tagConns)
	pages := fmt.Sprintf("/v2/%s/tags/list?n=%d", repo, b.o.page)
	coldLabel := fmt.Sprintf("list %d tags, pages of %d, at once after tagging", b.o.tags, b.o.page)
	for _, t := range ts {
		if err := b.tagRun(ctx, b.res.row(sec, tagLabel, "tags/s", true, cpuPerReq), t, repo); err != nil {
			return fmt.Errorf("%s, %s: %w", tagLabel, t.name, err)
		}
		cold := b.res.row(sec, coldLabel, "ms", false, noCPU)
		if err := b.walkRun(ctx, cold, t, pages, "tags", "repository:"+repo+":pull", b.o.tags+1, 1); err != nil {
			return fmt.Errorf("%s, %s: %w", coldLabel, t.name, err)
		}
	}
	// The other walks come later, as they would in use: pier lists a
	// directory from memory once it has not changed for a second.
	time.Sleep(walkPause)
	walks := []struct {
		label, path, field, scope string
		want                      int
	}{
		{fmt.Sprintf("list %d tags, whole", b.o.tags), "/v2/" + repo + "/tags/list", "tags", "repository:" + repo + ":pull", b.o.tags + 1},
		{fmt.Sprintf("list %d tags, pages of %d", b.o.tags, b.o.page), pages, "tags", "repository:" + repo + ":pull", b.o.tags + 1},
		{fmt.Sprintf("catalog of %d, whole", b.o.repos), "/v2/_catalog", "repositories", "registry:catalog:*", b.o.repos},
		{fmt.Sprintf("catalog of %d, pages of %d", b.o.repos, b.o.page), fmt.Sprintf("/v2/_catalog?n=%d", b.o.page), "repositories", "registry:catalog:*", b.o.repos},
	}
	for _, w := range walks {
		r := b.res.row(sec, w.label, "ms", false, noCPU)
		for _, t := range ts {
			if err := b.walkRun(ctx, r, t, w.path, w.field, w.scope, w.want, walkRepeats); err != nil {
				return fmt.Errorf("%s, %s: %w", w.label, t.name, err)
			}
		}
	}
	return nil
}

// tagRun pushes the seed manifest under b.o.tags new tags.
func (b *bench) tagRun(ctx context.Context, r *row, t *target, repo string) error {
	var next atomic.Int64
	cpu0, err := t.cpu()
	if err != nil {
		return err
	}
	start := time.Now()
	err = parallel(b.o.tagConns, func(int) error {
		s, err := t.login(ctx, "repository:"+repo+":pull,push")
		if err != nil {
			return err
		}
		for i := int(next.Add(1)) - 1; i < b.o.tags; i = int(next.Add(1)) - 1 {
			if err := s.putManifest(ctx, repo, fmt.Sprintf("t%05d", i), b.seed.manifest); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wall := time.Since(start)
	cpu1, err := t.cpu()
	if err != nil {
		return err
	}
	r.add(t.name, sample{value: float64(b.o.tags) / wall.Seconds(), cpu: (cpu1 - cpu0) / float64(b.o.tags) * 1e6})
	return nil
}

// walkRepeats is how often each walk is timed per round; the round keeps
// the median. walkPause separates tagging from those walks.
const (
	walkRepeats = 5
	walkPause   = 2 * time.Second
)

// walkRun times walking path (every page) repeats times, and checks the
// names counted.
func (b *bench) walkRun(ctx context.Context, r *row, t *target, path, field, scope string, want, repeats int) error {
	s, err := t.login(ctx, scope)
	if err != nil {
		return err
	}
	times := make([]float64, repeats)
	for i := range times {
		start := time.Now()
		n, err := s.list(ctx, path, field)
		if err != nil {
			return err
		}
		times[i] = float64(time.Since(start)) / float64(time.Millisecond)
		if n != want {
			return fmt.Errorf("GET %s: %d names, want %d", path, n, want)
		}
	}
	r.add(t.name, sample{value: median(times)})
	return nil
}

func errorsJoin(errs ...error) error { return errors.Join(errs...) }
