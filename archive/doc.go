// Package archive moves images between a registry and files, and lists what
// a registry holds.
//
// Import reads
//
//   - a `docker save` tar in the classic layout (manifest.json, <id>/layer.tar,
//     <id>.json) or in the newer one that is also an OCI image layout
//     (index.json, blobs/<alg>/<hex>, plus manifest.json),
//   - an OCI image layout directory, and
//   - an OCI archive (a tar of an OCI image layout), multi-platform indexes
//     included,
//
// and pushes it into a Registry: every blob first (each digest verified as it
// streams), then manifests, then tags, so that nothing half-imported becomes
// visible; on failure whatever was added is taken back.
//
// Export writes one tar that is both a `docker load` archive (manifest.json)
// and an OCI image layout (oci-layout, index.json, blobs/), each blob once.
//
// A Registry is either a storage.Store (offline, straight on the storage) or
// a running registry reached over the /v2/ API (Remote).
package archive
