package storage

import "context"

// Touch exposes Store.touch to the external tests.
func Touch(ctx context.Context, s *Store, key string) error { return s.touch(ctx, key) }
