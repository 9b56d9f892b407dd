package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
)

// stressTime is how long the workload of a stress test runs.
const stressTime = 12 * time.Second

// Pushes, re-pushes and tag deletes on two replicas while both collect
// garbage in a loop with the shortest grace period; at the end every tag
// pulls and verifies, and nothing unreachable is left.
func TestGCStressFS(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test")
	}
	root := t.TempDir()
	var replicas []*storage.Store
	for range 2 {
		d, err := fs.New(root)
		if err != nil {
			t.Fatal(err)
		}
		replicas = append(replicas, storage.New(d))
	}
	runStress(t, replicas)
}

// stress is the shared state of one stress run.
type stress struct {
	t        *testing.T
	replicas []*storage.Store
	repos    []string
	tags     []string
	bases    [][][]byte

	mu    sync.Mutex
	pool  []pooled // layers pushed before, possibly garbage by now
	stats stressStats
}

// pooled is a layer pushed to repo at a time.
type pooled struct {
	repo  string
	layer []byte
	at    time.Time
}

type stressStats struct {
	pushes, refused, deletes, runs, busy int
	collected                            storage.GCReport
}

func runStress(t *testing.T, replicas []*storage.Store) {
	for _, s := range replicas {
		storage.SetGCTiming(s, storage.FastGCTiming)
	}
	st := &stress{t: t, replicas: replicas,
		repos: []string{"stress/a", "stress/b", "stress/c"}, tags: []string{"t0", "t1", "t2", "t3"}}
	for range 3 {
		st.bases = append(st.bases, [][]byte{randomBytes(300), randomBytes(200)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), stressTime)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	run := func(fn func(context.Context, int) error, i int) {
		wg.Go(func() {
			if err := fn(ctx, i); err != nil && ctx.Err() == nil {
				errs <- err
				cancel()
			}
		})
	}
	for i := range 6 {
		run(st.pusher, i)
	}
	run(st.deleter, 0)
	for i := range replicas {
		run(st.collector, i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st.verify()
}

// pusher pushes images whose layers share bases and reuse older layers,
// under a few tags, through replica i%2, retrying what GC refused.
func (st *stress) pusher(ctx context.Context, i int) error {
	s := st.replicas[i%len(st.replicas)]
	rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
	for n := 0; ctx.Err() == nil; n++ {
		repo, tag := st.repos[rng.IntN(len(st.repos))], st.tags[rng.IntN(len(st.tags))]
		if n%4 == 0 {
			// A tag nobody moves or deletes: whatever its image relies on
			// must survive to the end.
			tag = fmt.Sprintf("keep-%d-%d", i, n)
		}
		img := newImage(st.bases[rng.IntN(len(st.bases))], 1)
		if old := st.oldLayer(rng, repo); old != nil {
			img.layers = append(img.layers, old)
		}
		err := st.pushOnce(ctx, s, rng, repo, tag, img)
		for attempt := 0; errors.Is(err, storage.ErrManifestBlobUnknown) && attempt < 5; attempt++ {
			st.count(func(x *stressStats) { x.refused++ })
			err = st.pushOnce(ctx, s, rng, repo, tag, img)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("pusher %d: %s:%s: %w", i, repo, tag, err)
		}
		st.remember(repo, img.layers[len(img.layers)-1])
		st.count(func(x *stressStats) { x.pushes++ })
	}
	return nil
}

// pushOnce pushes img like a client: each blob is checked with HEAD and
// skipped when present, else mounted from another repository or uploaded
// (in one request or in chunks); then the manifest, sometimes by digest
// under an index.
func (st *stress) pushOnce(ctx context.Context, s *storage.Store, rng *rand.Rand, repo, tag string, img gcImage) error {
	for _, b := range append([][]byte{img.config}, img.layers...) {
		if err := st.pushBlob(ctx, s, rng, repo, b); err != nil {
			return err
		}
	}
	if rng.IntN(3) > 0 {
		_, err := putManifest(ctx, s, repo, tag, img.manifest(nil))
		return err
	}
	m := img.manifest(nil)
	if _, err := putManifest(ctx, s, repo, digest.FromBytes(m).String(), m); err != nil {
		return err
	}
	_, err := putManifest(ctx, s, repo, tag, indexOf(descriptor(v1.MediaTypeImageManifest, m)))
	return err
}

func (st *stress) pushBlob(ctx context.Context, s *storage.Store, rng *rand.Rand, repo string, data []byte) error {
	d := digest.FromBytes(data)
	_, err := s.StatBlob(ctx, repo, d)
	if err == nil || !errors.Is(err, storage.ErrBlobUnknown) {
		return err
	}
	switch rng.IntN(3) {
	case 0:
		from := st.repos[rng.IntN(len(st.repos))]
		if _, err := s.MountBlob(ctx, repo, from, d); err == nil || !errors.Is(err, storage.ErrBlobUnknown) {
			return err
		}
	case 1:
		up, err := s.StartUpload(ctx, repo, "")
		if err != nil {
			return err
		}
		half := len(data) / 2
		if _, err := s.WriteUpload(ctx, repo, up.ID, 0, bytes.NewReader(data[:half])); err != nil {
			return err
		}
		_, err = s.FinishUpload(ctx, repo, up.ID, int64(half), bytes.NewReader(data[half:]), d)
		return err
	}
	_, err = s.PutBlob(ctx, repo, bytes.NewReader(data), d)
	return err
}

// deleter deletes random tags.
func (st *stress) deleter(ctx context.Context, _ int) error {
	rng := rand.New(rand.NewPCG(99, uint64(time.Now().UnixNano())))
	s := st.replicas[0]
	for ctx.Err() == nil {
		repo, tag := st.repos[rng.IntN(len(st.repos))], st.tags[rng.IntN(len(st.tags))]
		err := s.DeleteTag(ctx, repo, tag)
		if err != nil && !errors.Is(err, storage.ErrManifestUnknown) {
			return fmt.Errorf("deleter: %w", err)
		}
		st.count(func(x *stressStats) { x.deletes++ })
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return nil
		}
	}
	return nil
}

// collector collects garbage in a loop on replica i.
func (st *stress) collector(ctx context.Context, i int) error {
	s := st.replicas[i]
	for ctx.Err() == nil {
		rep, err := s.CollectGarbage(ctx, storage.GCOptions{Untagged: true, Grace: gcGrace})
		switch {
		case errors.Is(err, storage.ErrGCBusy):
			st.count(func(x *stressStats) { x.busy++ })
			if err := sleep(ctx, 100*time.Millisecond); err != nil {
				return nil
			}
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("collector %d: %w", i, err)
		}
		st.count(func(x *stressStats) {
			x.runs++
			x.collected.Manifests += rep.Manifests
			x.collected.Links += rep.Links
			x.collected.Blobs += rep.Blobs
			x.collected.Kept += rep.Kept
		})
	}
	return nil
}

// oldLayer returns, half of the time, a layer pushed to repo longer ago
// than the grace period: once its image lost its tag, it is exactly what a
// collector sweeps while a push HEADs it and skips uploading it.
func (st *stress) oldLayer(rng *rand.Rand, repo string) []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	if rng.IntN(2) == 0 {
		return nil
	}
	var old [][]byte
	for _, p := range st.pool {
		if p.repo == repo && time.Since(p.at) > gcGrace {
			old = append(old, p.layer)
		}
	}
	if len(old) == 0 {
		return nil
	}
	return old[rng.IntN(len(old))]
}

func (st *stress) remember(repo string, layer []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pool = append(st.pool, pooled{repo, layer, time.Now()})
	if len(st.pool) > 300 {
		st.pool = st.pool[1:]
	}
}

func (st *stress) count(fn func(*stressStats)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(&st.stats)
}

// verify checks the end state: every tag pulls and verifies, on both
// replicas; and after the grace period and one more collection, the
// storage holds exactly what the tags reach.
func (st *stress) verify() {
	t, ctx := st.t, context.Background()
	x := st.stats
	t.Logf("%d pushes (%d refused and retried), %d tag deletes, %d collections (%d found the lease busy): removed %d manifests, %d links, %d blobs; %d kept by touches",
		x.pushes, x.refused, x.deletes, x.runs, x.busy, x.collected.Manifests, x.collected.Links, x.collected.Blobs, x.collected.Kept)
	if x.pushes < 20 || x.runs < 2 || x.collected.Blobs == 0 {
		t.Fatalf("the workload did too little to prove anything: %+v", x)
	}
	tagged := 0
	for _, s := range st.replicas {
		for _, repo := range st.repos {
			tags, _, err := s.Tags(ctx, repo, "", -1)
			if err != nil && !errors.Is(err, storage.ErrNameUnknown) {
				t.Fatal(err)
			}
			for _, tag := range tags {
				if err := verifyImage(ctx, s, repo, tag); err != nil {
					t.Errorf("%s:%s: %v", repo, tag, err)
				}
				tagged++
			}
		}
	}
	if tagged == 0 {
		t.Fatal("no tag left to verify")
	}
	age(t, st.replicas[0])
	collect(t, st.replicas[0], storage.GCOptions{Untagged: true})
	checkOnlyReachable(t, st.replicas[0], st.repos)
}

// checkOnlyReachable computes, independently of the collector, what the
// tags of repos reach, and fails for any link, manifest, reverse link or
// content the storage holds beyond that.
func checkOnlyReachable(t *testing.T, s *storage.Store, repos []string) {
	t.Helper()
	ctx := context.Background()
	want := map[string]bool{} // keys that must exist, and may
	content := func(d digest.Digest) string {
		return "blobs/" + string(d.Algorithm()) + "/" + d.Encoded()[:2] + "/" + d.Encoded()
	}
	var walk func(repo string, d digest.Digest)
	walk = func(repo string, d digest.Digest) {
		m, err := s.GetManifest(ctx, repo, d.String())
		if err != nil {
			t.Fatalf("%s@%s: %v", repo, d, err)
		}
		want[content(d)] = true
		want["repositories/"+repo+"/_manifests/sha256/"+d.Encoded()] = true
		want["_manifestrepos/sha256/"+d.Encoded()+"/"+repo] = true
		refs := reachedBy(t, m.Data)
		for _, b := range refs.blobs {
			want[content(b)] = true
			want["repositories/"+repo+"/_blobs/sha256/"+b.Encoded()] = true
			want["_blobrepos/sha256/"+b.Encoded()+"/"+repo] = true
		}
		for _, c := range refs.manifests {
			walk(repo, c)
		}
	}
	for _, repo := range repos {
		tags, _, err := s.Tags(ctx, repo, "", -1)
		if err != nil && !errors.Is(err, storage.ErrNameUnknown) {
			t.Fatal(err)
		}
		for _, tag := range tags {
			d, err := s.Resolve(ctx, repo, tag)
			if err != nil {
				t.Fatal(err)
			}
			walk(repo, d)
		}
	}
	for _, prefix := range []string{"blobs/", "_blobrepos/", "_manifestrepos/", "repositories/"} {
		for _, key := range keys(t, s, prefix) {
			if !want[key] && !isTagKey(key) {
				t.Errorf("unreachable and older than the grace period, yet kept: %s", key)
			}
			delete(want, key)
		}
	}
	for key := range want {
		t.Errorf("reachable but missing: %s", key)
	}
}

func isTagKey(key string) bool { return strings.Contains(key, "/_tags/") }

type reached struct{ blobs, manifests []digest.Digest }

func reachedBy(t *testing.T, data []byte) reached {
	t.Helper()
	var w struct {
		Config    *v1.Descriptor  `json:"config"`
		Layers    []v1.Descriptor `json:"layers"`
		Manifests []v1.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	var r reached
	if w.Config != nil {
		r.blobs = append(r.blobs, w.Config.Digest)
	}
	for _, l := range w.Layers {
		r.blobs = append(r.blobs, l.Digest)
	}
	for _, m := range w.Manifests {
		r.manifests = append(r.manifests, m.Digest)
	}
	return r
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
