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

func TestValidateStorage(t *testing.T) {
	both, err := Parse([]byte("storage:\n  fs:\n    root: /a\n  s3:\n    endpoint: 127.0.0.1:9000\n    bucket: pier\n    accessKey: k\n    secretKey: s\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := both.Validate(); err == nil || !strings.Contains(err.Error(), "set only one of fs and s3") {
		t.Errorf("fs and s3 together: %v", err)
	}

	incomplete, err := Parse([]byte("storage:\n  s3:\n    endpoint: http://minio:9000\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = incomplete.Validate()
	for _, want := range []string{"storage.s3.endpoint", "storage.s3.bucket", "storage.s3.accessKey", "storage.s3.secretKey"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("incomplete s3: error %v does not mention %s", err, want)
		}
	}
}

func TestS3Config(t *testing.T) {
	vars := map[string]string{"S3_SECRET": "very secret"}
	cfg, err := Parse([]byte("storage:\n  s3:\n    endpoint: 127.0.0.1:9000\n    bucket: registry\n"+
		"    accessKey: pier\n    secretKey: ${S3_SECRET}\n    prefix: team/a\n    redirect: true\n"), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Kind() != "s3" || cfg.Storage.FS != nil || cfg.Storage.S3.SecretKey != "very secret" ||
		!cfg.Storage.S3.Redirect || cfg.Storage.S3.Prefix != "team/a" {
		t.Errorf("got %+v / %+v", cfg.Storage, cfg.Storage.S3)
	}
	if err := cfg.SetDataDir("/srv"); err == nil || !strings.Contains(err.Error(), "selects s3") {
		t.Errorf("SetDataDir with s3 configured: %v", err)
	}
	if _, err := Parse([]byte("storage:\n  s3:\n    bucket: x\n    sekretKey: y\n"), env(nil)); err == nil ||
		!strings.Contains(err.Error(), `line 4: unknown key "sekretKey" (at storage.s3.sekretKey)`) {
		t.Errorf("unknown s3 key: %v", err)
	}
}

func TestAuthSection(t *testing.T) {
	cfg, err := Parse([]byte("auth:\n  tokenLifetime: 10s\n  anonymousPull: [\"public/*\"]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "auth.tokenLifetime") {
		t.Errorf("a bad auth setting: %v", err)
	}
	if _, err := Parse([]byte("auth:\n  adminPassword: secret\n"), env(nil)); err == nil ||
		!strings.Contains(err.Error(), `line 2: unknown key "adminPassword"`) {
		t.Errorf("the admin password must not be accepted from the file: %v", err)
	}
	cfg, err = Load("", env(map[string]string{EnvAdminPassword: "from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth.AdminPassword != "from-env" {
		t.Errorf("%s not applied: %q", EnvAdminPassword, cfg.Auth.AdminPassword)
	}
}
