package server

import "fmt"

// Environment variables that override the configuration file. They are the
// settings people most often change per deployment; everything else can
// still come from the environment through ${NAME} in the file.
const (
	EnvAddr      = "PIER_ADDR"
	EnvData      = "PIER_DATA"
	EnvLogLevel  = "PIER_LOG_LEVEL"
	EnvLogFormat = "PIER_LOG_FORMAT"
	// EnvAdminPassword is the password of the admin user that pier creates
	// when the storage has no users yet. It is never read from the file.
	EnvAdminPassword = "PIER_ADMIN_PASSWORD"
)

func (c *Config) applyEnv(lookup LookupFunc) error {
	if v, ok := lookup(EnvAddr); ok && v != "" {
		c.Addr = v
	}
	if v, ok := lookup(EnvData); ok && v != "" {
		if err := c.SetDataDir(v); err != nil {
			return fmt.Errorf("%s: %w", EnvData, err)
		}
	}
	if v, ok := lookup(EnvLogLevel); ok && v != "" {
		c.Log.Level = v
	}
	if v, ok := lookup(EnvLogFormat); ok && v != "" {
		c.Log.Format = v
	}
	if v, ok := lookup(EnvAdminPassword); ok && v != "" {
		c.Auth.AdminPassword = v
	}
	return nil
}

// SetDataDir points the filesystem driver at dir. It is an error when the
// configuration selects another driver, since a stray --data or PIER_DATA
// would otherwise quietly send writes to a local directory.
func (c *Config) SetDataDir(dir string) error {
	if c.Storage.other() {
		return fmt.Errorf("the data directory %q applies to filesystem storage, but the configuration selects %s", dir, c.Storage.Kind())
	}
	c.Storage.FS = &FSConfig{Root: dir}
	return nil
}

// Kind names the configured storage driver: "fs" or "s3".
func (s *StorageConfig) Kind() string {
	if s.other() {
		return "s3"
	}
	return "fs"
}
