package archive

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar is a progress bar of bytes (count, rate, time left) on a terminal.
// A nil *Bar shows nothing, so callers need not check.
type Bar struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// NewBar returns a bar on w for total bytes, or nil when w is not a
// terminal: logs and pipes get no progress.
func NewBar(w io.Writer, total int64, desc string) *Bar {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionUseIECUnits(true),
	)
	return &Bar{bar: bar, w: w}
}

// Add64 counts n more bytes done.
func (b *Bar) Add64(n int64) error {
	if b == nil {
		return nil
	}
	return b.bar.Add64(n)
}

// Done ends the bar: full when ok, left where it stopped otherwise.
func (b *Bar) Done(ok bool) {
	if b == nil {
		return
	}
	if ok {
		_ = b.bar.Finish()
	} else {
		_ = b.bar.Exit()
	}
	fmt.Fprintln(b.w)
}
