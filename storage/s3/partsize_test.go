package s3

import "testing"

// TestPartSizes checks the part schedule against S3's limits: parts of 5
// MiB to 5 GiB, growing so that 10,000 parts hold far more than 100 GiB,
// and that big blobs stay within a modest buffer.
func TestPartSizes(t *testing.T) {
	var total int64
	var at100GiB int
	for n := 1; n <= maxParts; n++ {
		ps := partSize(n)
		if ps < 5<<20 || ps > 5<<30 {
			t.Fatalf("part %d: %d bytes, outside S3's 5 MiB..5 GiB", n, ps)
		}
		if n > 1 && ps < partSize(n-1) {
			t.Fatalf("part %d shrinks: %d < %d", n, ps, partSize(n-1))
		}
		total += ps
		if at100GiB == 0 && total >= 100<<30 {
			at100GiB = n
		}
	}
	if total < 5<<40 {
		t.Errorf("10,000 parts hold %d bytes, less than S3's 5 TiB object limit", total)
	}
	if at100GiB == 0 || at100GiB > maxParts/2 {
		t.Errorf("100 GiB needs %d parts, want well under %d", at100GiB, maxParts)
	}
	if ps := partSize(at100GiB); ps > 64<<20 {
		t.Errorf("a 100 GiB blob buffers parts of %d bytes, want at most 64 MiB", ps)
	}
	t.Logf("100 GiB = %d parts, part size then %d MiB; 10,000 parts hold %d GiB", at100GiB, partSize(at100GiB)>>20, total>>30)
}
