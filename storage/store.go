package storage

// Store is the registry on top of a Driver: blobs, uploads, manifests, tags,
// referrers and the catalog, laid out as described in paths.go.
type Store struct {
	d Driver

	policies *policySet // immutable tags and retention (policy.go); nil: none
	gcTiming *gcTiming  // nil: defaultGCTiming (gc_timing.go)

	manifests contentCache // manifest bytes by digest (contentcache.go)
}

// New returns a Store over d.
func New(d Driver) *Store { return &Store{d: d} }

// Driver returns the driver under s, for packages that keep their own
// records in the same storage (users, signing keys).
func (s *Store) Driver() Driver { return s.d }
