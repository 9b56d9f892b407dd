package storage

// DefaultChunkMinLength is the chunk size asked of clients when the driver
// states no preference: fewer, larger chunks mean fewer upload records
// written.
const DefaultChunkMinLength = 1 << 20

// ChunkSizer is implemented by drivers that work best when upload chunks
// are at least some size, such as S3, where a chunk of one whole multipart
// part leaves no leftover to save and load again. It is found by type
// assertion.
type ChunkSizer interface {
	// ChunkMinLength is the smallest chunk, in bytes, that clients should
	// send; the spec's OCI-Chunk-Min-Length.
	ChunkMinLength() int64
}

// ChunkMinLength is the smallest chunk clients should send in a chunked
// upload: the driver's preference when it has one (ChunkSizer), else
// DefaultChunkMinLength.
func (s *Store) ChunkMinLength() int64 {
	if c, ok := s.d.(ChunkSizer); ok {
		if n := c.ChunkMinLength(); n > 0 {
			return n
		}
	}
	return DefaultChunkMinLength
}
