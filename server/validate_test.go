package server

import (
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	cfg := Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, `addr: "localhost" is not host:port`},
		{"addr with bad port", func(c *Config) { c.Addr = ":http5" }, "port must be a number"},
		{"port out of range", func(c *Config) { c.Addr = ":70000" }, "port must be a number"},
		{"empty fs root", func(c *Config) { c.Storage.FS.Root = "" }, "storage.fs.root: must not be empty"},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, `log.level: "verbose" is not one of`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, `log.format: "xml" is not one of text, json`},
		{"zero header timeout", func(c *Config) { c.HTTP.ReadHeaderTimeout = 0 }, "http.readHeaderTimeout: must be a positive duration"},
		{"negative idle timeout", func(c *Config) { c.HTTP.IdleTimeout = -1 }, "http.idleTimeout: must be a positive duration"},
		{"zero shutdown timeout", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, "http.shutdownTimeout: must be a positive duration"},
		{"tiny header limit", func(c *Config) { c.HTTP.MaxHeaderBytes = 10 }, "http.maxHeaderBytes: must be between"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			tc.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.Addr = "nope"
	cfg.Log.Level = "loud"
	cfg.HTTP.IdleTimeout = 0
	err := cfg.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"addr:", "log.level:", "http.idleTimeout:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not mention %s", err, key)
		}
	}
}

func TestSetDataDir(t *testing.T) {
	cfg := Default()
	if err := cfg.SetDataDir("/srv/registry"); err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.FS.Root != "/srv/registry" || cfg.Storage.Kind() != "fs" {
		t.Errorf("got %+v", cfg.Storage)
	}
}
