package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/events"
)

// redirectExpiry is how long a presigned blob URL stays valid.
const redirectExpiry = 20 * time.Minute

// getBlob serves GET and HEAD /v2/<name>/blobs/<digest> (end-2). A HEAD is
// answered from the stored size alone: never redirected, never re-hashed.
func (a *api) getBlob(w http.ResponseWriter, r *http.Request) error {
	name, _, d, err := a.repoDigest(r, auth.ActionPull)
	if err != nil {
		return err
	}
	if r.Method == http.MethodHead {
		info, err := a.store.StatBlob(r.Context(), name, d)
		if err != nil {
			return err
		}
		blobHeaders(w, d)
		w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if done, err := a.redirectBlob(w, r, name, d); done || err != nil {
		return err
	}
	f, info, err := a.store.OpenBlob(r.Context(), name, d)
	if err != nil {
		return err
	}
	defer f.Close()
	blobHeaders(w, d)
	// ServeContent handles Range (206, 416), If-None-Match against the ETag,
	// and uses sendfile when f is a file.
	http.ServeContent(w, r, "", info.ModTime, f)
	return nil
}

// redirectBlob answers 307 to a presigned URL when the driver offers one.
func (a *api) redirectBlob(w http.ResponseWriter, r *http.Request, name string, d digest.Digest) (bool, error) {
	if !a.store.CanRedirect() {
		return false, nil
	}
	if _, err := a.store.StatBlob(r.Context(), name, d); err != nil {
		return true, err
	}
	url, ok, err := a.store.BlobURL(r.Context(), d, redirectExpiry)
	if err != nil || !ok {
		return err != nil, err
	}
	w.Header().Set("Docker-Content-Digest", d.String())
	http.Redirect(w, r, url, http.StatusTemporaryRedirect)
	return true, nil
}

func blobHeaders(w http.ResponseWriter, d digest.Digest) {
	h := w.Header()
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"`+d.String()+`"`)
	// Content addressed by digest never changes.
	h.Set("Cache-Control", "max-age=31536000, immutable")
}

// deleteBlob serves DELETE /v2/<name>/blobs/<digest> (end-10): the blob
// leaves the repository; garbage collection reclaims the bytes.
func (a *api) deleteBlob(w http.ResponseWriter, r *http.Request) error {
	name, who, d, err := a.repoDigest(r, auth.ActionDelete)
	if err != nil {
		return err
	}
	if err := a.store.DeleteBlob(r.Context(), name, d); err != nil {
		return err
	}
	a.notify(w, who, events.Event{Type: events.BlobDeleted, Repository: name, Digest: d.String()})
	noContent(w, http.StatusAccepted)
	return nil
}
