package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// reloadDelay lets a burst of writes (certificate, then key) settle before
// the pair is read again.
const reloadDelay = 200 * time.Millisecond

// certReloader serves the certificate in two PEM files and reads them again
// when they change on disk, so that a renewed certificate is served without
// a restart. Until a new pair loads cleanly, the old one is kept.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	cert              atomic.Pointer[tls.Certificate]
}

// newCertReloader loads the pair once; it fails when that fails.
func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	c.cert.Store(&pair)
	return c, nil
}

// GetCertificate is the tls.Config hook.
func (c *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// reload serves the pair on disk if it loads and differs from the one
// served; unrelated files changing in the same directory change nothing.
func (c *certReloader) reload() {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		c.log.Warn("tls: certificate files do not load; still serving the previous certificate", "err", err)
		return
	}
	if cur := c.cert.Load(); bytes.Equal(cur.Certificate[0], pair.Certificate[0]) {
		return
	}
	c.cert.Store(&pair)
	c.log.Info("tls: certificate reloaded", certAttrs(pair.Leaf)...)
}

func certAttrs(leaf *x509.Certificate) []any {
	if leaf == nil {
		return nil
	}
	return []any{"subject", leaf.Subject.String(), "serial", leaf.SerialNumber.String(), "not_after", leaf.NotAfter}
}

// watch reloads the pair after changes in the directories holding the
// files, until ctx is done. Watching directories rather than files also
// catches files replaced by a rename, and Kubernetes swapping the symlink
// of a mounted Secret.
func (c *certReloader) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("tls: watching certificate files: %w", err)
	}
	for _, dir := range uniqueDirs(c.certFile, c.keyFile) {
		if err := w.Add(dir); err != nil {
			w.Close()
			return fmt.Errorf("tls: watching %s: %w", dir, err)
		}
	}
	go c.loop(ctx, w)
	return nil
}

func (c *certReloader) loop(ctx context.Context, w *fsnotify.Watcher) {
	defer w.Close()
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case _, ok := <-w.Events:
			if !ok {
				return
			}
			timer.Reset(reloadDelay)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			c.log.Warn("tls: watching certificate files", "err", err)
		case <-timer.C:
			c.reload()
		}
	}
}

func uniqueDirs(files ...string) []string {
	var dirs []string
	seen := map[string]bool{}
	for _, f := range files {
		d := filepath.Dir(f)
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	return dirs
}
