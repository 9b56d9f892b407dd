package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// smallRows measures manifest GET by tag and blob HEAD at b.o.conns
// concurrent keep-alive connections.
func (b *bench) smallRows(ctx context.Context, sec string, ts []*target) error {
	scope := "repository:" + smallRepo + ":pull"
	get := func(s *session) *rawConn {
		return s.raw("GET", "/v2/"+smallRepo+"/manifests/latest", "Accept: "+manifestAccept.Get("Accept"))
	}
	head := func(s *session) *rawConn { return s.raw("HEAD", "/v2/"+smallRepo+"/blobs/"+b.seed.layerD.String()) }
	for _, sc := range []struct {
		label string
		op    func(*session) *rawConn
	}{{"manifest GET by tag", get}, {"blob HEAD", head}} {
		label := fmt.Sprintf("%s, c=%d", sc.label, b.o.conns)
		rate := b.res.row(sec, label, "req/s", true, cpuPerReq)
		p50 := b.res.row(sec, label+", p50", "ms", false, noCPU)
		p99 := b.res.row(sec, label+", p99", "ms", false, noCPU)
		for _, t := range ts {
			lat, perSec, cpu, err := b.latencyRun(ctx, t, scope, sc.op)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", label, t.name, err)
			}
			name := t.name
			if t == b.fs.ceiling {
				name = "Go server, in memory"
			}
			rate.add(name, sample{value: perSec, cpu: cpu})
			p50.add(name, sample{value: percentile(lat, 50)})
			p99.add(name, sample{value: percentile(lat, 99)})
		}
	}
	return nil
}

// latencyRun runs the request that op prepares on b.o.conns workers, each
// with its own token and connection (answers must be 200), for a warm-up and then the measured window. It returns the sorted latencies
// (ms) of the requests that finished in the window, their rate, and the
// server's CPU µs per request over the window.
func (b *bench) latencyRun(ctx context.Context, t *target, scope string, op func(*session) *rawConn) ([]float64, float64, float64, error) {
	warm := min(time.Second, b.o.duration/5)
	begin := time.Now()
	from, until := begin.Add(warm), begin.Add(warm+b.o.duration)
	lats := make([][]float64, b.o.conns)
	var cpu0, cpu1 float64
	var cpuErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		// The CPU clock is read at the window's edges, not around the
		// workers, so that logins and warm-up are left out.
		time.Sleep(time.Until(from))
		cpu0, cpuErr = t.cpu()
		time.Sleep(time.Until(until))
		var err error
		cpu1, err = t.cpu()
		cpuErr = errorsJoin(cpuErr, err)
	})
	err := parallel(b.o.conns, func(w int) error {
		s, err := t.login(ctx, scope)
		if err != nil {
			return err
		}
		c := op(s)
		defer c.Close()
		for {
			start := time.Now()
			if start.After(until) {
				return nil
			}
			if status, err := c.do(); err != nil {
				return err
			} else if status != 200 {
				return fmt.Errorf("%s: status %d, want 200", c.req[:bytes.IndexByte(c.req, '\r')], status)
			}
			end := time.Now()
			if !start.Before(from) && end.Before(until) {
				lats[w] = append(lats[w], float64(end.Sub(start))/float64(time.Millisecond))
			}
		}
	})
	wg.Wait()
	if err := errorsJoin(err, cpuErr); err != nil {
		return nil, 0, 0, err
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		return nil, 0, 0, fmt.Errorf("no request finished within %v", b.o.duration)
	}
	slices.Sort(all)
	n := float64(len(all))
	return all, n / b.o.duration.Seconds(), (cpu1 - cpu0) / n * 1e6, nil
}
