// Package server runs pier: its configuration, the HTTP server with its
// timeouts and middleware, health endpoints and graceful shutdown.
package server

import (
	"time"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/s3"
)

// Config is everything pier serve reads from its YAML file. Every field has
// a default (see Default and config.example.yaml at the repository root).
type Config struct {
	// Addr is the TCP address to listen on, host:port.
	Addr    string        `yaml:"addr"`
	Storage StorageConfig `yaml:"storage"`
	Auth    auth.Config   `yaml:"auth"`
	Log     LogConfig     `yaml:"log"`
	HTTP    HTTPConfig    `yaml:"http"`
	// TLS, metrics and webhooks are described in tlsconfig.go, metrics.go
	// and the events package.
	TLS      TLSConfig     `yaml:"tls"`
	Metrics  MetricsConfig `yaml:"metrics"`
	Webhooks events.Config `yaml:"webhooks"`
	// GC schedules garbage collection; Policies are the immutable tags and
	// retention rules per repository pattern (storage package).
	GC       storage.GCConfig     `yaml:"gc"`
	Policies []storage.PolicyRule `yaml:"policies"`
}

// StorageConfig selects one storage driver. With neither set, pier stores
// into the filesystem under DefaultDataDir.
type StorageConfig struct {
	FS *FSConfig  `yaml:"fs"`
	S3 *s3.Config `yaml:"s3"`
}

// FSConfig is the filesystem driver's configuration.
type FSConfig struct {
	// Root is the directory that holds everything pier stores.
	Root string `yaml:"root"`
}

// LogConfig says how much pier logs, and in which format.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// HTTPConfig holds the limits that protect the server from slow or hostile
// clients. There is deliberately no overall read or write timeout: pushing or
// pulling a big blob may legitimately take an hour.
type HTTPConfig struct {
	// ReadHeaderTimeout bounds how long a client may take to send headers.
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout"`
	// IdleTimeout closes keep-alive connections idle for this long.
	IdleTimeout time.Duration `yaml:"idleTimeout"`
	// MaxHeaderBytes caps the size of request headers.
	MaxHeaderBytes int `yaml:"maxHeaderBytes"`
	// ShutdownTimeout is how long requests in flight may take to finish
	// after SIGINT or SIGTERM before their connections are closed.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"`
}

// Defaults, as documented in config.example.yaml.
const (
	DefaultAddr              = ":5000"
	DefaultDataDir           = "./data"
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "text"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultShutdownTimeout   = 30 * time.Second
)

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Addr:    DefaultAddr,
		Storage: StorageConfig{FS: &FSConfig{Root: DefaultDataDir}},
		Log:     LogConfig{Level: DefaultLogLevel, Format: DefaultLogFormat},
		HTTP: HTTPConfig{
			ReadHeaderTimeout: DefaultReadHeaderTimeout,
			IdleTimeout:       DefaultIdleTimeout,
			MaxHeaderBytes:    DefaultMaxHeaderBytes,
			ShutdownTimeout:   DefaultShutdownTimeout,
		},
		Metrics: MetricsConfig{Enabled: true},
		GC:      storage.DefaultGCConfig(),
	}
}
