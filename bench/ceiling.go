package main

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
)

// ceiling is the physical reference for pushes and small requests: the
// least a registry can do. A blob upload hashes the body while writing it
// to a file, checks the digest and renames the file into place; with
// durable set it also fsyncs the file and the directory before answering,
// the least a server that promises durability must add. Manifests and blob
// sizes live in memory, so a GET or HEAD costs only HTTP.
type ceiling struct {
	dir     string
	durable bool

	mu        sync.Mutex
	uploads   map[string]*ceilingUpload
	blobs     map[digest.Digest]int64
	manifests map[string]ceilingManifest
}

type ceilingManifest struct {
	data []byte
	d    digest.Digest
}

type ceilingUpload struct {
	f    *os.File
	h    hash.Hash
	size int64
}

func newCeiling(dir string, durable bool) *ceiling {
	return &ceiling{dir: dir, durable: durable, uploads: map[string]*ceilingUpload{},
		blobs: map[digest.Digest]int64{}, manifests: map[string]ceilingManifest{}}
}

// ServeHTTP routes by the last path elements only: the names are trusted.
func (c *ceiling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	var err error
	switch {
	case p == "/v2/":
		w.WriteHeader(http.StatusOK)
	case strings.HasSuffix(p, "/blobs/uploads/") && r.Method == http.MethodPost:
		err = c.start(w, p)
	case strings.Contains(p, "/blobs/uploads/"):
		err = c.upload(w, r)
	case strings.Contains(p, "/blobs/") && r.Method == http.MethodHead:
		c.head(w, p[strings.LastIndex(p, "/")+1:])
	case strings.Contains(p, "/manifests/"):
		c.manifest(w, r)
	default:
		http.NotFound(w, r)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

func (c *ceiling) start(w http.ResponseWriter, p string) error {
	id := rand.Text()
	f, err := os.Create(filepath.Join(c.dir, "upload-"+id))
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.uploads[id] = &ceilingUpload{f: f, h: sha256.New()}
	c.mu.Unlock()
	w.Header().Set("Location", p+id)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// upload appends a PATCH or PUT body, and on PUT publishes the blob.
func (c *ceiling) upload(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	c.mu.Lock()
	u := c.uploads[id]
	c.mu.Unlock()
	if u == nil {
		return errors.New("unknown upload")
	}
	buf := make([]byte, 1<<20)
	n, err := io.CopyBuffer(io.MultiWriter(u.f, u.h), r.Body, buf)
	u.size += n
	if err != nil {
		return err
	}
	if r.Method == http.MethodPatch {
		w.Header().Set("Location", r.URL.Path)
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	want := digest.Digest(r.URL.Query().Get("digest"))
	if got := digest.NewDigest(digest.SHA256, u.h); got != want {
		return fmt.Errorf("content is %s, not %s", got, want)
	}
	if err := c.publish(u, want); err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.uploads, id)
	c.blobs[want] = u.size
	c.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (c *ceiling) publish(u *ceilingUpload, d digest.Digest) error {
	if c.durable {
		if err := u.f.Sync(); err != nil {
			return err
		}
	}
	if err := u.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(u.f.Name(), filepath.Join(c.dir, d.Encoded())); err != nil {
		return err
	}
	if !c.durable {
		return nil
	}
	dir, err := os.Open(c.dir)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

func (c *ceiling) head(w http.ResponseWriter, ref string) {
	c.mu.Lock()
	size, ok := c.blobs[digest.Digest(ref)]
	c.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Docker-Content-Digest", ref)
	w.WriteHeader(http.StatusOK)
}

func (c *ceiling) manifest(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if r.Method == http.MethodPut {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.manifests[key] = ceilingManifest{data: data, d: digest.FromBytes(data)}
		c.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		return
	}
	c.mu.Lock()
	m, ok := c.manifests[key]
	c.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", ociManifest)
	w.Header().Set("Docker-Content-Digest", m.d.String())
	_, _ = w.Write(m.data)
}

// runCeiling is the `bench ceiling` subcommand: it serves until killed.
func runCeiling(args []string) error {
	if len(args) < 2 || len(args) > 3 || (len(args) == 3 && args[2] != "-durable") {
		return errors.New("usage: bench ceiling ADDR DIR [-durable]")
	}
	if err := os.MkdirAll(args[1], 0o700); err != nil {
		return err
	}
	srv := &http.Server{Addr: args[0], Handler: newCeiling(args[1], len(args) == 3)}
	return srv.ListenAndServe()
}
