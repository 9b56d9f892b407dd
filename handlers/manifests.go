package handlers

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
)

// getManifest serves GET and HEAD /v2/<name>/manifests/<reference> (end-3).
// A HEAD reads only the manifest's record, not its bytes.
func (a *api) getManifest(w http.ResponseWriter, r *http.Request) error {
	name, _, err := a.repo(r, auth.ActionPull)
	if err != nil {
		return err
	}
	ref := mux.Vars(r)["reference"]
	if r.Method == http.MethodHead {
		m, size, err := a.store.StatManifest(r.Context(), name, ref)
		if err != nil {
			return err
		}
		manifestHeaders(w, m, size)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	m, err := a.store.GetManifest(r.Context(), name, ref)
	if err != nil {
		return err
	}
	manifestHeaders(w, m, int64(len(m.Data)))
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, m.Digest.String()) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(m.Data)
	return nil
}

func manifestHeaders(w http.ResponseWriter, m *storage.Manifest, size int64) {
	h := w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Docker-Content-Digest", m.Digest.String())
	h.Set("ETag", `"`+m.Digest.String()+`"`)
}

// putManifest serves PUT /v2/<name>/manifests/<reference>, with extra
// ?tag= parameters when the reference is a digest (end-7a, end-7b).
func (a *api) putManifest(w http.ResponseWriter, r *http.Request) error {
	name, who, err := a.repo(r, auth.ActionPull, auth.ActionPush)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, storage.MaxManifestSize))
	if err != nil {
		return err
	}
	ref := mux.Vars(r)["reference"]
	tags := r.URL.Query()["tag"]
	if len(tags) > 0 && !storage.IsDigest(ref) {
		return fmt.Errorf("%w: tag parameters go with a push by digest", storage.ErrTagInvalid)
	}
	res, err := a.store.PutManifest(r.Context(), name, ref, r.Header.Get("Content-Type"), data, tags)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Location", "/v2/"+name+"/manifests/"+res.Digest.String())
	h.Set("Docker-Content-Digest", res.Digest.String())
	if res.Subject != "" {
		h.Set("OCI-Subject", res.Subject.String()) // spec "Pushing Manifests with Subject"
	}
	if len(tags) > 0 {
		h.Set("OCI-Tag", strings.Join(res.Tags, ", "))
	}
	setWarnings(h, res.Warnings)
	a.notifyPush(w, who, name, r.Header.Get("Content-Type"), len(data), res)
	noContent(w, http.StatusCreated)
	return nil
}

// setWarnings adds Warning headers as the spec's "Warnings" section allows:
// code 299, agent "-", 4096 bytes in all at most.
func setWarnings(h http.Header, warnings []string) {
	total := 0
	for _, msg := range warnings {
		v := "299 - " + strconv.Quote(msg)
		if total += len(v); total > 4096 {
			return
		}
		h.Add("Warning", v)
	}
}

// deleteManifest serves DELETE /v2/<name>/manifests/<reference> (end-9): by
// tag it removes the tag; by digest, the manifest and every tag on it.
func (a *api) deleteManifest(w http.ResponseWriter, r *http.Request) error {
	name, who, err := a.repo(r, auth.ActionDelete)
	if err != nil {
		return err
	}
	ref := mux.Vars(r)["reference"]
	if err := a.deleteRef(r, name, ref); err != nil {
		return err
	}
	a.notifyDelete(w, who, name, ref)
	noContent(w, http.StatusAccepted)
	return nil
}

func (a *api) deleteRef(r *http.Request, name, ref string) error {
	if !storage.IsDigest(ref) {
		return a.store.DeleteTag(r.Context(), name, ref)
	}
	d, err := storage.ParseDigest(ref)
	if err != nil {
		return err
	}
	return a.store.DeleteManifest(r.Context(), name, d)
}
