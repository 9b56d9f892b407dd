// Package scale proves that several pier processes can share one S3 bucket:
// uploads that move between replicas, push through one and pull through
// another, tokens and users that every replica accepts, concurrent tag
// updates, and the behaviour of a replica while S3 is away.
//
// Its tests start real pier processes against a real S3 server named by
// the PIER_TEST_S3_* variables (conformance/minio.sh exports them). Without
// them the tests are skipped, unless PIER_REQUIRE_S3=1 makes that a
// failure. The package holds no code of its own; everything is in tests.
package scale
