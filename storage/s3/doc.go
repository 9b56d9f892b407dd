// Package s3 is the storage.Driver for Amazon S3 and S3-compatible servers
// (MinIO, Ceph, ...), built on minio-go. Several pier processes may share
// one bucket: every fact, including upload progress, lives in the bucket.
//
// Layout inside the bucket, under the optional Config.Prefix:
//
//	<key>!                             the value of every driver key (see mark)
//	!staging/<id>/record               an open upload: S3 upload id, parts with ETags
//	!staging/<id>/data                 the multipart upload's object (complete only while committing)
//	!staging/<id>/leftover-<n>         bytes written after the last full part, saved on Close
//	!staging/<id>/lock                 the session holding the upload (see hold), renewed while open
//
// Keys may not contain control characters, spaces or '!', so no key can
// reach the staging area, and listings come back in key order.
//
// Uploads map onto S3 multipart uploads. Bytes are buffered in memory up to
// one part; full parts go to S3 as they fill. The part size grows with the
// part number (see partSize) so that blobs of several TiB fit under S3's
// 10,000-part limit. Commit completes the multipart upload on the staging
// object and copies it server-side to its key; uploads smaller than one part
// are published with a single PUT.
//
// One session at a time holds an upload: it creates the lock object with a
// conditional write (If-None-Match: *), renews it while open and removes it
// on Close, Commit or Cancel. A lock left by a crashed process is stale
// after two minutes and may then be taken over.
package s3
