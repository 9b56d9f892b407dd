package storage

import (
	"errors"
	"fmt"
	"time"
)

// GCConfig is the gc: section of the configuration: garbage collection on
// a schedule inside pier serve.
type GCConfig struct {
	// Interval is the time between scheduled collections; 0 turns them
	// off. Replicas sharing the storage take turns through the lease.
	Interval Duration `yaml:"interval"`
	// Grace protects content modified or relied on more recently; it must
	// exceed the longest push.
	Grace Duration `yaml:"grace"`
	// Untagged collects manifests no tag reaches (docker image prune -a).
	Untagged bool `yaml:"untagged"`
}

// Defaults of the gc: section.
const (
	DefaultGCInterval = 24 * time.Hour
	DefaultGCGrace    = time.Hour
)

// DefaultGCConfig is the gc: section when the file says nothing.
func DefaultGCConfig() GCConfig {
	return GCConfig{Interval: Duration(DefaultGCInterval), Grace: Duration(DefaultGCGrace)}
}

// Validate reports every problem, naming settings as the file spells them.
func (c GCConfig) Validate() error {
	var errs []error
	if c.Interval < 0 || (c.Interval > 0 && time.Duration(c.Interval) < time.Minute) {
		errs = append(errs, fmt.Errorf("gc.interval: want 0 (off) or at least 1m, got %v", c.Interval))
	}
	if time.Duration(c.Grace) < MinGrace {
		errs = append(errs, fmt.Errorf("gc.grace: want at least %v (and longer than any push), got %v", MinGrace, c.Grace))
	}
	return errors.Join(errs...)
}
