package storage

import (
	"strings"

	"github.com/opencontainers/go-digest"
)

// The key tree. One key per fact; pointers (tags) are written last and
// removed first, so a reader never follows a pointer to nothing.
//
//	blobs/<alg>/<hh>/<hex>                                       content, shared by every repository
//	repositories/<name>/_blobs/<alg>/<hex>                       link: the blob is visible in <name>
//	repositories/<name>/_manifests/<alg>/<hex>                   manifest record (JSON: mediaType, size, ...)
//	repositories/<name>/_tags/<tag>                              "<alg>:<hex>"
//	repositories/<name>/_referrers/<alg>/<subject-hex>/<alg>-<hex>  referrer descriptor (JSON)
//	_catalog/<name>                                              the repository exists
//	_blobrepos/<alg>/<hex>/<name>                                reverse link: <name> holds the blob
//	_uploads/<id>                                                upload session (JSON: repo, size, hash state)
//	_quarantine/<id>                                             upload awaiting a second-algorithm check
//	_manifestrepos/<alg>/<hex>/<name>, _gc/...                   garbage collection (gc_paths.go)
//
// Repository name components start with [a-z0-9], so "_blobs" and friends
// can never collide with a nested repository.
const (
	blobsPrefix      = "blobs/"
	reposPrefix      = "repositories/"
	catalogPrefix    = "_catalog/"
	blobReposPrefix  = "_blobrepos/"
	uploadsPrefix    = "_uploads/"
	quarantinePrefix = "_quarantine/"
)

func blobKey(d digest.Digest) string {
	hex := d.Encoded()
	return blobsPrefix + string(d.Algorithm()) + "/" + hex[:2] + "/" + hex
}

func repoKey(name string) string { return reposPrefix + name + "/" }

func blobLinkKey(name string, d digest.Digest) string {
	return repoKey(name) + "_blobs/" + string(d.Algorithm()) + "/" + d.Encoded()
}

func manifestKey(name string, d digest.Digest) string {
	return repoKey(name) + "_manifests/" + string(d.Algorithm()) + "/" + d.Encoded()
}

func manifestsPrefix(name string) string { return repoKey(name) + "_manifests/" }

func tagsPrefix(name string) string { return repoKey(name) + "_tags/" }

func tagKey(name, tag string) string { return tagsPrefix(name) + tag }

func referrersPrefix(name string, subject digest.Digest) string {
	return repoKey(name) + "_referrers/" + string(subject.Algorithm()) + "/" + subject.Encoded() + "/"
}

func referrerKey(name string, subject, d digest.Digest) string {
	return referrersPrefix(name, subject) + string(d.Algorithm()) + "-" + d.Encoded()
}

func catalogKey(name string) string { return catalogPrefix + name }

func blobReposPrefixFor(d digest.Digest) string {
	return blobReposPrefix + string(d.Algorithm()) + "/" + d.Encoded() + "/"
}

func blobRepoKey(d digest.Digest, name string) string { return blobReposPrefixFor(d) + name }

func uploadKey(id string) string { return uploadsPrefix + id }

func quarantineKey(id string) string { return quarantinePrefix + id }

// after returns the key after which a listing of prefix resumes past last:
// "" (from the start) when last is empty.
func after(prefix, last string) string {
	if last == "" {
		return ""
	}
	return prefix + last
}

// trimmed returns key without prefix.
func trimmed(key, prefix string) string { return strings.TrimPrefix(key, prefix) }
