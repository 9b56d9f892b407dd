package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// ContentType is how a webhook body is sent: a CloudEvents 1.0 event in
// structured JSON mode.
const ContentType = "application/cloudevents+json; charset=utf-8"

// cloudEvent is the CloudEvents 1.0 JSON envelope.
type cloudEvent struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject,omitempty"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	Data            eventData `json:"data"`
}

// eventData is the payload; its fields are the Event's.
type eventData struct {
	Repository string   `json:"repository"`
	Digest     string   `json:"digest,omitempty"`
	MediaType  string   `json:"mediaType,omitempty"`
	Size       int64    `json:"size,omitempty"`
	Tag        string   `json:"tag,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Actor      string   `json:"actor,omitempty"`
	RequestID  string   `json:"requestId,omitempty"`
}

// encode renders ev as a CloudEvent from source, with a fresh id.
func encode(ev *Event, source string) ([]byte, error) {
	return json.Marshal(cloudEvent{
		SpecVersion:     "1.0",
		ID:              newID(),
		Source:          source,
		Type:            ev.Type,
		Subject:         subject(ev),
		Time:            ev.Time.UTC(),
		DataContentType: "application/json",
		Data: eventData{
			Repository: ev.Repository,
			Digest:     ev.Digest,
			MediaType:  ev.MediaType,
			Size:       ev.Size,
			Tag:        ev.Tag,
			Tags:       ev.Tags,
			Actor:      ev.Actor,
			RequestID:  ev.RequestID,
		},
	})
}

// subject names what changed the way docker would: repo:tag or
// repo@digest.
func subject(ev *Event) string {
	switch {
	case ev.Tag != "":
		return ev.Repository + ":" + ev.Tag
	case ev.Digest != "":
		return ev.Repository + "@" + ev.Digest
	}
	return ev.Repository
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
