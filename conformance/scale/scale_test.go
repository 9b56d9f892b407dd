package scale

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// cluster is three pier processes sharing one bucket prefix, with auth on.
type cluster struct {
	bin    string
	admin  string // the admin password, PIER_ADMIN_PASSWORD of every replica
	bucket *bucket
	r      []*replica
}

// TestScaleOut runs three replicas on one bucket and proves, one subtest
// each, that they behave as one registry. The last replica redirects blob
// downloads to S3; the others stream them.
func TestScaleOut(t *testing.T) {
	s := s3FromEnv(t)
	c := &cluster{bin: pierBinary(t), admin: randomHex(12), bucket: openBucket(t, s, "scale")}
	// Started together, so that they race to create the admin user and
	// the signing key on the empty prefix, as replicas of a new
	// deployment do.
	for i := range 3 {
		c.r = append(c.r, spawnReplica(t, c.bin, fmt.Sprintf("replica%d", i+1), s,
			setup{prefix: c.bucket.pierPrefix(), adminPassword: c.admin, redirect: i == 2}))
	}
	for _, r := range c.r {
		r.await(t)
	}
	t.Run("upload across replicas", c.testUploadAcrossReplicas)
	t.Run("push and pull through different replicas", c.testPushPull)
	t.Run("tokens accepted by every replica", c.testTokens)
	t.Run("concurrent tag updates", c.testConcurrentTags)
	t.Run("user added on the bucket", c.testUserAdd)
	c.checkNothingStaged(t)
}

// checkNothingStaged fails when an upload session or staged data is left
// in the bucket: every upload the tests made was finished, by whichever
// replica, and finishing must clean up after all of them.
func (c *cluster) checkNothingStaged(t *testing.T) {
	t.Helper()
	keys := c.bucket.keys(t)
	if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "blobs/") }) {
		t.Fatalf("no blobs under %s: the bucket check looks in the wrong place (%d keys)", c.bucket.prefix, len(keys))
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "!staging/") || strings.HasPrefix(k, "_uploads/") {
			t.Errorf("left in the bucket after every upload finished: %s", k)
		}
	}
}
