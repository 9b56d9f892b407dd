// Package events tells other systems what changed in the registry: on a
// push, a delete or a tag change it POSTs a CloudEvents JSON event, signed
// with HMAC-SHA256, to the configured webhooks, from a bounded queue in the
// background so that no request ever waits for a receiver.
package events

import "time"

// Event types, as the CloudEvents "type" attribute says them.
const (
	ManifestPushed  = "dev.pier.manifest.pushed"
	ManifestDeleted = "dev.pier.manifest.deleted"
	BlobDeleted     = "dev.pier.blob.deleted"
	TagUpdated      = "dev.pier.tag.updated"
	TagDeleted      = "dev.pier.tag.deleted"
)

// Kinds group event types for an endpoint's filter: "push", "delete" and
// "tag". A tag removed is both a delete and a tag change.
var kinds = map[string][]string{
	"push":   {ManifestPushed},
	"delete": {ManifestDeleted, BlobDeleted, TagDeleted},
	"tag":    {TagUpdated, TagDeleted},
}

// types lists every event type, for validating filters.
var types = []string{ManifestPushed, ManifestDeleted, BlobDeleted, TagUpdated, TagDeleted}

// Event is one change in the registry, as the API saw it.
type Event struct {
	// Type is one of the constants above.
	Type string
	// Repository is the repository name, such as "acme/web".
	Repository string
	// Digest is the manifest's or blob's digest; for TagDeleted it is
	// empty when not known.
	Digest string
	// MediaType and Size describe a pushed manifest.
	MediaType string
	Size      int64
	// Tag is the tag of TagUpdated and TagDeleted.
	Tag string
	// Tags are the tags that a push set.
	Tags []string
	// Actor is the user who made the change, "" when anonymous.
	Actor string
	// RequestID is the id of the request that made the change, for logs.
	RequestID string
	// Time is when the change happened; zero means now.
	Time time.Time
}

// Notifier receives events. Notify never blocks on delivery.
type Notifier interface {
	Notify(Event)
}
