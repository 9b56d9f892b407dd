package storage_test

import (
	"testing"

	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
	"github.com/pier-registry/pier/storage/s3"
)

// The S3 driver states its chunk size; this fails to compile if it stops.
var _ storage.ChunkSizer = (*s3.Driver)(nil)

// sizedDriver is a mem driver that prefers chunks of n bytes.
type sizedDriver struct {
	*mem.Driver
	n int64
}

func (d sizedDriver) ChunkMinLength() int64 { return d.n }

func TestChunkMinLength(t *testing.T) {
	tests := []struct {
		name string
		d    storage.Driver
		want int64
	}{
		{"driver without a preference", mem.New(), storage.DefaultChunkMinLength},
		{"driver with a preference", sizedDriver{mem.New(), 8 << 20}, 8 << 20},
		{"driver answering zero", sizedDriver{mem.New(), 0}, storage.DefaultChunkMinLength},
		{"driver answering less than zero", sizedDriver{mem.New(), -1}, storage.DefaultChunkMinLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := storage.New(tt.d).ChunkMinLength(); got != tt.want {
				t.Errorf("ChunkMinLength() = %d, want %d", got, tt.want)
			}
		})
	}
}
