package scale

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"
)

// s3ChunkMin is the S3 driver's part size, which pier should advertise as
// OCI-Chunk-Min-Length.
const s3ChunkMin = 8 << 20

// testUploadAcrossReplicas starts a chunked upload on the first replica,
// sends a chunk of one part and a bit through the second, and finishes
// with a chunk across the next part boundary on the third.
func (c *cluster) testUploadAcrossReplicas(t *testing.T) {
	const repo = "scale/chunked"
	authz := c.r[0].token(t, "admin", c.admin, "repository:"+repo+":pull,push")
	blob := randomBytes(2*s3ChunkMin + 12345)
	cut := s3ChunkMin + 1<<20
	d := digest.FromBytes(blob)

	rep := call(t, "POST", c.r[0].url+"/v2/"+repo+"/blobs/uploads/", authz, nil, nil).expect(t, http.StatusAccepted)
	if got := rep.Header.Get("OCI-Chunk-Min-Length"); got != strconv.Itoa(s3ChunkMin) {
		t.Errorf("OCI-Chunk-Min-Length = %q, want the S3 part size %d", got, s3ChunkMin)
	}
	loc := rep.Header.Get("Location")

	rep = call(t, "PATCH", c.r[1].url+loc, authz, chunkHeader(0, cut), blob[:cut]).expect(t, http.StatusAccepted)
	wantRange(t, rep, cut)
	loc = rep.Header.Get("Location")
	wantRange(t, call(t, "GET", c.r[2].url+loc, authz, nil, nil).expect(t, http.StatusNoContent), cut)

	rep = call(t, "PUT", c.r[2].url+loc+"?digest="+d.String(), authz, chunkHeader(cut, len(blob)), blob[cut:]).
		expect(t, http.StatusCreated)
	if got := rep.Header.Get("Docker-Content-Digest"); got != d.String() {
		t.Errorf("finished upload: Docker-Content-Digest %q, want %s", got, d)
	}

	got := call(t, "GET", c.r[0].url+"/v2/"+repo+"/blobs/"+d.String(), authz, nil, nil).expect(t, http.StatusOK)
	if !bytes.Equal(got.body, blob) {
		t.Errorf("blob read back through %s: %d bytes, digest %s; want %d bytes, %s",
			c.r[0].name, len(got.body), digest.FromBytes(got.body), len(blob), d)
	}
	head := call(t, "HEAD", c.r[1].url+"/v2/"+repo+"/blobs/"+d.String(), authz, nil, nil).expect(t, http.StatusOK)
	if head.ContentLength != int64(len(blob)) {
		t.Errorf("HEAD through %s: Content-Length %d, want %d", c.r[1].name, head.ContentLength, len(blob))
	}
}

// chunkHeader is the Content-Range of bytes [from, to) of a blob.
func chunkHeader(from, to int) map[string]string {
	return map[string]string{
		"Content-Type":  "application/octet-stream",
		"Content-Range": fmt.Sprintf("%d-%d", from, to-1),
	}
}

// wantRange checks that an upload session reports size bytes received.
func wantRange(t *testing.T, rep reply, size int) {
	t.Helper()
	if got, want := rep.Header.Get("Range"), fmt.Sprintf("0-%d", size-1); got != want {
		t.Errorf("%s %s: Range %q, want %q", rep.Request.Method, rep.Request.URL, got, want)
	}
}
