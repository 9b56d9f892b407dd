package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pier-registry/pier/storage"
)

// Validate reports every problem in c, one per line, each naming the
// setting as it is spelled in the YAML file.
func (c *Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if err := checkAddr(c.Addr); err != nil {
		add("addr", "%v", err)
	}
	errs = append(errs, c.Storage.validate()...)
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err) // its messages name auth.* already
	}
	// Their messages name gc.* and policies[i].* already.
	errs = append(errs, c.GC.Validate(), storage.ValidatePolicies(c.Policies))
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format", "%q is not one of text, json", c.Log.Format)
	}
	for _, d := range []struct {
		key string
		val time.Duration
	}{
		{"http.readHeaderTimeout", c.HTTP.ReadHeaderTimeout},
		{"http.idleTimeout", c.HTTP.IdleTimeout},
		{"http.shutdownTimeout", c.HTTP.ShutdownTimeout},
	} {
		if d.val <= 0 {
			add(d.key, "must be a positive duration such as 30s, got %v", d.val)
		}
	}
	errs = append(errs, c.TLS.validate()...)
	if err := c.Webhooks.Validate(); err != nil {
		errs = append(errs, err) // its messages name webhooks.* already
	}
	if c.HTTP.MaxHeaderBytes < 4<<10 || c.HTTP.MaxHeaderBytes > 16<<20 {
		add("http.maxHeaderBytes", "must be between 4096 and 16777216, got %d", c.HTTP.MaxHeaderBytes)
	}
	return errors.Join(errs...)
}

// checkAddr accepts host:port with an empty, named or numeric host.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (for example :5000 or 127.0.0.1:5000)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port must be a number from 0 to 65535", addr)
	}
	return nil
}

func (s *StorageConfig) validate() []error {
	if s.FS != nil && s.other() {
		return []error{fmt.Errorf("storage: set only one of fs and %s", s.Kind())}
	}
	if s.FS != nil && s.FS.Root == "" {
		return []error{errors.New("storage.fs.root: must not be empty")}
	}
	if s.S3 != nil {
		if err := s.S3.Validate(); err != nil {
			return []error{err} // its messages name storage.s3.* already
		}
	}
	return nil
}
