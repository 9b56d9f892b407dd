package storage

import (
	"errors"
	"testing"
)

// FuzzParseManifest: whatever a client sends, parsing answers with a
// manifest or an ErrManifestInvalid, and never panics.
func FuzzParseManifest(f *testing.F) {
	for _, seed := range []string{
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`,
		`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`,
		`{"schemaVersion":1}`, `{`, `null`, `[]`, `{"schemaVersion":2,"subject":{}}`,
	} {
		f.Add("", []byte(seed))
	}
	f.Fuzz(func(t *testing.T, contentType string, data []byte) {
		p, err := parseManifest(contentType, data)
		if err != nil && !errors.Is(err, ErrManifestInvalid) {
			t.Fatalf("error %v is not ErrManifestInvalid", err)
		}
		if err == nil && p.MediaType == "" {
			t.Fatal("accepted a manifest without a media type")
		}
	})
}
