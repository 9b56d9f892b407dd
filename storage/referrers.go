package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Referrers lists the manifests of repository name whose subject is
// subject, optionally only those of artifactType. An unknown subject or
// repository has no referrers: an empty list, never an error.
func (s *Store) Referrers(ctx context.Context, name string, subject digest.Digest, artifactType string) ([]v1.Descriptor, error) {
	out := []v1.Descriptor{}
	for info, err := range s.d.List(ctx, referrersPrefix(name, subject), "") {
		if err != nil {
			return nil, err
		}
		data, err := s.get(ctx, info.Key)
		if isNotFound(err) {
			continue // deleted while we listed
		}
		if err != nil {
			return nil, err
		}
		var d v1.Descriptor
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("referrer record %s: %w", info.Key, err)
		}
		if artifactType == "" || d.ArtifactType == artifactType {
			out = append(out, d)
		}
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
