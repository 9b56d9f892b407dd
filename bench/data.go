package main

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sync"

	"github.com/opencontainers/go-digest"
)

// blob is content to push, with its digest.
type blob struct {
	data []byte
	d    digest.Digest
}

// blobSet holds the big blobs of one round in memory, so that the client
// reads nothing from disk while it measures. The buffers are reused: fill
// gives them new content, different for every (round, variant), so that no
// push ever finds its blob already stored.
type blobSet struct {
	blobs []blob
	nonce uint64
}

func newBlobSet(n, size int) *blobSet {
	s := &blobSet{blobs: make([]blob, n), nonce: rand.Uint64()}
	for i := range s.blobs {
		s.blobs[i].data = make([]byte, size)
	}
	return s
}

// fill gives every blob fresh random content and computes its digest, in
// parallel: this happens before any timing starts.
func (s *blobSet) fill(round int, variant string) {
	var wg sync.WaitGroup
	for i := range s.blobs {
		wg.Go(func() {
			var seed [32]byte
			h := sha256.Sum256([]byte(variant))
			copy(seed[:], h[:])
			binary.LittleEndian.PutUint64(seed[0:], s.nonce)
			binary.LittleEndian.PutUint64(seed[8:], uint64(round))
			binary.LittleEndian.PutUint64(seed[16:], uint64(i))
			b := &s.blobs[i]
			rand.NewChaCha8(seed).Read(b.data)
			b.d = digest.FromBytes(b.data)
		})
	}
	wg.Wait()
}

// seedContent is the small image every catalog repository holds: one
// config, one layer and a manifest pointing at both.
type seedContent struct {
	config, layer, manifest []byte
	configD, layerD         digest.Digest
}

func newSeedContent() (*seedContent, error) {
	layer := make([]byte, 4096)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(layer)
	s := &seedContent{layer: layer, layerD: digest.FromBytes(layer)}
	s.config = []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + s.layerD.String() + `"]}}`)
	s.configD = digest.FromBytes(s.config)
	s.manifest = []byte(`{"schemaVersion":2,"mediaType":"` + ociManifest + `",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + s.configD.String() + `","size":` + itoa(len(s.config)) + `},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + s.layerD.String() + `","size":` + itoa(len(layer)) + `}]}`)
	return s, nil
}
