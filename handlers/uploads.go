package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
)

// startUpload serves POST /v2/<name>/blobs/uploads/: a cross-repository
// mount (end-11), a whole blob in one request (end-4b), or a new session
// (end-4a, end-4c with digest-algorithm).
func (a *api) startUpload(w http.ResponseWriter, r *http.Request) error {
	name, who, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if m := q.Get("mount"); m != "" {
		d, err := storage.ParseDigest(m)
		if err != nil {
			return err
		}
		if done, err := a.mount(w, r, name, q.Get("from"), d, who); done || err != nil {
			return err
		}
	} else if dg := q.Get("digest"); dg != "" {
		return a.putBlob(w, r, name, dg)
	}
	var alg digest.Algorithm
	if s := q.Get("digest-algorithm"); s != "" {
		if alg, err = storage.ParseAlgorithm(s); err != nil {
			return err
		}
	}
	st, err := a.store.StartUpload(r.Context(), name, alg)
	if err != nil {
		return err
	}
	a.uploadHeaders(w, name, st)
	noContent(w, http.StatusAccepted)
	return nil
}

// putBlob stores the request body as blob dg in one request (end-4b).
func (a *api) putBlob(w http.ResponseWriter, r *http.Request, name, dg string) error {
	d, err := storage.ParseDigest(dg)
	if err != nil {
		return err
	}
	body, err := exactBody(r)
	if err != nil {
		return err
	}
	info, err := a.store.PutBlob(r.Context(), name, body, d)
	if err != nil {
		return err
	}
	return created(w, name, info.Digest)
}

// mount links blob d into name from another repository. Without from, any
// repository holding d that the caller may pull from will do (the spec lets
// from be optional). done is false when nothing could be mounted and a
// normal upload session should start instead (202, as the spec asks).
func (a *api) mount(w http.ResponseWriter, r *http.Request, name, from string, d digest.Digest, who auth.Subject) (bool, error) {
	if from != "" {
		if err := storage.ValidName(from); err != nil {
			return false, err
		}
		// A caller the policy does not let read from gets an ordinary upload
		// session: the spec's answer when a mount cannot be done. A token
		// that merely lacks the scope gets the challenge, so the client can
		// fetch one that has it.
		_, err := a.auth.Authorize(r, []auth.Access{auth.Repository(name, auth.ActionPull, auth.ActionPush), auth.Repository(from, auth.ActionPull)})
		if errors.Is(err, auth.ErrDenied) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return a.mountFrom(w, r, name, from, d)
	}
	for repo, err := range a.store.BlobRepositories(r.Context(), d) {
		if err != nil {
			return false, err
		}
		if repo == name || !mayPull(a.auth.Allowed(r.Context(), who, auth.Repository(repo, auth.ActionPull))) {
			continue
		}
		return a.mountFrom(w, r, name, repo, d)
	}
	return false, nil
}

func (a *api) mountFrom(w http.ResponseWriter, r *http.Request, name, from string, d digest.Digest) (bool, error) {
	info, err := a.store.MountBlob(r.Context(), name, from, d)
	if errors.Is(err, storage.ErrBlobUnknown) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, created(w, name, info.Digest)
}

func mayPull(actions []string) bool {
	for _, a := range actions {
		if a == auth.ActionPull {
			return true
		}
	}
	return false
}

// uploadStatus serves GET on an upload session (end-13).
func (a *api) uploadStatus(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	st, err := a.store.GetUpload(r.Context(), name, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	a.uploadHeaders(w, name, st)
	noContent(w, http.StatusNoContent)
	return nil
}

// patchUpload serves PATCH, a chunk with Content-Range or a stream without
// it (end-5).
func (a *api) patchUpload(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	offset, body, err := chunk(r)
	if err != nil {
		return err
	}
	st, err := a.store.WriteUpload(r.Context(), name, id, offset, body)
	if err != nil {
		return a.uploadError(w, r, name, id, err)
	}
	a.uploadHeaders(w, name, st)
	noContent(w, http.StatusAccepted)
	return nil
}

// finishUpload serves PUT ?digest=, with or without a last chunk (end-6).
func (a *api) finishUpload(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	d, err := storage.ParseDigest(r.URL.Query().Get("digest"))
	if err != nil {
		return err
	}
	offset, body, err := chunk(r)
	if err != nil {
		return err
	}
	if r.ContentLength == 0 {
		body = nil
	}
	info, err := a.store.FinishUpload(r.Context(), name, id, offset, body, d)
	if err != nil {
		return a.uploadError(w, r, name, id, err)
	}
	return created(w, name, info.Digest)
}

// cancelUpload serves DELETE on an upload session (end-14).
func (a *api) cancelUpload(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	if err := a.store.CancelUpload(r.Context(), name, mux.Vars(r)["id"]); err != nil {
		return err
	}
	noContent(w, http.StatusNoContent)
	return nil
}

// uploadError adds where the session stands to a 416, so the client can
// resume without another request.
func (a *api) uploadError(w http.ResponseWriter, r *http.Request, name, id string, err error) error {
	if errors.Is(err, storage.ErrRangeInvalid) {
		if st, serr := a.store.GetUpload(r.Context(), name, id); serr == nil {
			a.uploadHeaders(w, name, st)
		}
	}
	return err
}

var contentRangeRE = regexp.MustCompile(`^(?:bytes[ =])?([0-9]+)-([0-9]+)$`)

// chunk reads Content-Range ("start-end", inclusive) when present and
// returns where the chunk starts (-1 for a stream) and a body that must
// deliver exactly the range's length.
func chunk(r *http.Request) (int64, io.Reader, error) {
	cr := r.Header.Get("Content-Range")
	if cr == "" {
		return -1, r.Body, nil
	}
	m := contentRangeRE.FindStringSubmatch(cr)
	if m == nil {
		return 0, nil, fmt.Errorf("%w: Content-Range %q is not start-end", storage.ErrRangeInvalid, cr)
	}
	start, err1 := strconv.ParseInt(m[1], 10, 64)
	end, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return 0, nil, fmt.Errorf("%w: Content-Range %q", storage.ErrRangeInvalid, cr)
	}
	n := end - start + 1
	if r.ContentLength >= 0 && r.ContentLength != n {
		return 0, nil, fmt.Errorf("%w: Content-Range %q is %d bytes, Content-Length %d", storage.ErrSizeInvalid, cr, n, r.ContentLength)
	}
	return start, &exactReader{r: r.Body, left: n}, nil
}

// exactBody returns the request body, checked against Content-Length.
func exactBody(r *http.Request) (io.Reader, error) {
	if r.ContentLength < 0 {
		return r.Body, nil
	}
	return &exactReader{r: r.Body, left: r.ContentLength}, nil
}

// exactReader fails with ErrSizeInvalid when r ends before left bytes.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("%w: body ended %d bytes short", storage.ErrSizeInvalid, e.left)
	}
	if e.left == 0 && err == nil {
		err = io.EOF
	}
	return n, err
}

// uploadHeaders describes an upload session: where it lives, what it holds
// and the chunk size the storage prefers.
func (a *api) uploadHeaders(w http.ResponseWriter, name string, st storage.UploadStatus) {
	h := w.Header()
	h.Set("Location", "/v2/"+name+"/blobs/uploads/"+st.ID)
	h.Set("Docker-Upload-UUID", st.ID)
	// Range is inclusive; with nothing received, "0-0" is what clients expect.
	end := st.Size - 1
	if end < 0 {
		end = 0
	}
	h.Set("Range", "0-"+strconv.FormatInt(end, 10))
	h.Set("OCI-Chunk-Min-Length", strconv.FormatInt(a.store.ChunkMinLength(), 10))
}

// created answers 201 for a blob now in repository name.
func created(w http.ResponseWriter, name string, d digest.Digest) error {
	w.Header().Set("Location", blobLocation(name, d))
	w.Header().Set("Docker-Content-Digest", d.String())
	noContent(w, http.StatusCreated)
	return nil
}
