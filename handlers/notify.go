package handlers

import (
	"net/http"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/storage"
)

// notify tells the Events notifier about ev, adding who made the change
// and the request's id. Called only after the store call succeeded.
func (a *api) notify(w http.ResponseWriter, who auth.Subject, ev events.Event) {
	if a.events == nil {
		return
	}
	ev.Actor = who.Name
	ev.RequestID = requestID(w)
	a.events.Notify(ev)
}

// notifyPush reports a manifest stored by putManifest, then each tag that
// now points at it.
func (a *api) notifyPush(w http.ResponseWriter, who auth.Subject, name, mediaType string, size int, res *storage.PutResult) {
	d := res.Digest.String()
	a.notify(w, who, events.Event{Type: events.ManifestPushed, Repository: name, Digest: d,
		MediaType: mediaType, Size: int64(size), Tags: res.Tags})
	for _, tag := range res.Tags {
		a.notify(w, who, events.Event{Type: events.TagUpdated, Repository: name, Digest: d, Tag: tag})
	}
}

// notifyDelete reports what deleteManifest removed: a tag, or a manifest
// by digest (whose tags go with it, without an event each).
func (a *api) notifyDelete(w http.ResponseWriter, who auth.Subject, name, ref string) {
	if storage.IsDigest(ref) {
		a.notify(w, who, events.Event{Type: events.ManifestDeleted, Repository: name, Digest: ref})
		return
	}
	a.notify(w, who, events.Event{Type: events.TagDeleted, Repository: name, Tag: ref})
}
