package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/pier-registry/pier/storage"
)

// gcProgressEvery is how often progress is written when stderr is not a
// terminal: a log line every few seconds, and nothing for a quick run.
const gcProgressEvery = 5 * time.Second

// gcProgress shows how far a collection has come on stderr: a bar per
// phase on a terminal, a line every gcProgressEvery otherwise.
type gcProgress struct {
	w     io.Writer
	term  bool
	phase string
	bar   *progressbar.ProgressBar
	last  time.Time
}

func newGCProgress(w io.Writer) *gcProgress {
	f, ok := w.(interface{ Fd() uintptr })
	return &gcProgress{w: w, term: ok && term.IsTerminal(int(f.Fd())), last: time.Now()}
}

// report takes one storage.GCProgress; calls come one at a time.
func (p *gcProgress) report(g storage.GCProgress) {
	if g.Phase != p.phase {
		p.done()
		p.phase = g.Phase
	}
	if !p.term {
		if time.Since(p.last) >= gcProgressEvery {
			p.last = time.Now()
			fmt.Fprintf(p.w, "pier gc: %s: %s\n", g.Phase, fraction(g))
		}
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(g.Total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(g.Phase),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond))
	}
	if g.Total >= 0 {
		p.bar.ChangeMax(g.Total)
	}
	_ = p.bar.Set(g.Done)
}

// done ends the current phase's bar.
func (p *gcProgress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

func fraction(g storage.GCProgress) string {
	if g.Total < 0 {
		return fmt.Sprint(g.Done)
	}
	return fmt.Sprintf("%d/%d", g.Done, g.Total)
}
