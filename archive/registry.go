package archive

import (
	"context"
	"io"
	"time"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Manifest is a manifest as a registry holds it.
type Manifest struct {
	Digest    digest.Digest
	MediaType string
	Data      []byte
	// Pushed is when the tag it was fetched by was last set; zero when it
	// was fetched by digest or the registry does not say.
	Pushed time.Time
}

// Registry is where images are imported into, exported from and listed:
// a storage.Store (NewStoreRegistry) or a registry's /v2/ API (Remote).
// Errors wrap ErrNotFound for what is not there.
type Registry interface {
	// Repositories lists every repository, in byte order.
	Repositories(ctx context.Context) ([]string, error)
	// Tags lists the tags of repo, in byte order.
	Tags(ctx context.Context, repo string) ([]string, error)
	// Manifest fetches the manifest ref (a tag or a digest) of repo.
	Manifest(ctx context.Context, repo, ref string) (*Manifest, error)
	// HasManifest reports whether repo holds the manifest d.
	HasManifest(ctx context.Context, repo string, d digest.Digest) (bool, error)
	// PutManifest stores data as the manifest ref (a tag or its digest).
	PutManifest(ctx context.Context, repo, ref, mediaType string, data []byte) error
	// DeleteManifest removes the manifest d and the tags on it.
	DeleteManifest(ctx context.Context, repo string, d digest.Digest) error
	// DeleteTag removes a tag; the manifest stays.
	DeleteTag(ctx context.Context, repo, tag string) error

	// OpenBlob reads blob d of repo and says its size.
	OpenBlob(ctx context.Context, repo string, d digest.Digest) (io.ReadCloser, int64, error)
	// HasBlob reports whether repo holds blob d.
	HasBlob(ctx context.Context, repo string, d digest.Digest) (bool, error)
	// MountBlob makes blob d visible in repo without sending it, from the
	// repository from ("" lets the registry look for one itself, when it
	// can). It reports false when it could not.
	MountBlob(ctx context.Context, repo, from string, d digest.Digest) (bool, error)
	// PutBlob stores what r yields as blob desc of repo, refusing it (and
	// keeping nothing) unless it matches desc's digest; a mismatch wraps
	// ErrCorrupt.
	PutBlob(ctx context.Context, repo string, desc v1.Descriptor, r io.Reader) error
	// DeleteBlob makes blob d invisible in repo.
	DeleteBlob(ctx context.Context, repo string, d digest.Digest) error
}

// Progress is told how many bytes of work were done; *progressbar.ProgressBar
// is one. A nil Progress is fine everywhere.
type Progress interface {
	Add64(n int64) error
}

// progressReader counts what is read from r into p.
type progressReader struct {
	r io.Reader
	p Progress
}

func (pr progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	if n > 0 {
		_ = pr.p.Add64(int64(n)) // a progress display never fails a copy
	}
	return n, err
}

// withProgress returns r counted into p, or r itself when p is nil.
func withProgress(r io.Reader, p Progress) io.Reader {
	if p == nil {
		return r
	}
	return progressReader{r, p}
}

func addProgress(p Progress, n int64) {
	if p != nil {
		_ = p.Add64(n)
	}
}
