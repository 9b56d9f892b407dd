package scale

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// s3Server is the S3 server the tests run against.
type s3Server struct {
	endpoint, bucket, accessKey, secretKey string
}

// s3FromEnv reads the PIER_TEST_S3_* variables. Without them the test is
// skipped, or fails when PIER_REQUIRE_S3=1 says S3 must be there.
func s3FromEnv(t *testing.T) s3Server {
	t.Helper()
	s := s3Server{
		endpoint:  os.Getenv("PIER_TEST_S3_ENDPOINT"),
		bucket:    os.Getenv("PIER_TEST_S3_BUCKET"),
		accessKey: os.Getenv("PIER_TEST_S3_ACCESS_KEY"),
		secretKey: os.Getenv("PIER_TEST_S3_SECRET_KEY"),
	}
	if s.endpoint == "" || s.bucket == "" || s.accessKey == "" || s.secretKey == "" {
		msg := "PIER_TEST_S3_ENDPOINT, PIER_TEST_S3_BUCKET, PIER_TEST_S3_ACCESS_KEY and " +
			"PIER_TEST_S3_SECRET_KEY must all be set: run `source conformance/minio.sh && minio_start` first"
		if os.Getenv("PIER_REQUIRE_S3") == "1" {
			t.Fatal("PIER_REQUIRE_S3=1 but " + msg)
		}
		t.Skip(msg)
	}
	return s
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
