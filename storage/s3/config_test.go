package s3

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Endpoint: "127.0.0.1:9000", Bucket: "pier", AccessKey: "a", SecretKey: "s"}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" for valid; else a part of the message
	}{
		{"valid", func(*Config) {}, ""},
		{"host without port", func(c *Config) { c.Endpoint = "s3.amazonaws.com" }, ""},
		{"prefix with slashes", func(c *Config) { c.Prefix = "/reg/one/" }, ""},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, "storage.s3.endpoint is required"},
		{"scheme", func(c *Config) { c.Endpoint = "http://127.0.0.1:9000" }, "without a scheme"},
		{"path", func(c *Config) { c.Endpoint = "127.0.0.1:9000/pier" }, "without a path"},
		{"bad port", func(c *Config) { c.Endpoint = "a:b:c" }, "storage.s3.endpoint"},
		{"no bucket", func(c *Config) { c.Bucket = "" }, "storage.s3.bucket: required"},
		{"short bucket", func(c *Config) { c.Bucket = "ab" }, "3 to 63"},
		{"upper bucket", func(c *Config) { c.Bucket = "Pier" }, "lowercase"},
		{"bucket edge", func(c *Config) { c.Bucket = "-pier" }, "start and end"},
		{"bucket dots", func(c *Config) { c.Bucket = "a..b" }, `".."`},
		{"no access key", func(c *Config) { c.AccessKey = "" }, "accessKey is required"},
		{"no secret key", func(c *Config) { c.SecretKey = "" }, "secretKey is required"},
		{"region", func(c *Config) { c.Region = "us east" }, "not a region"},
		{"prefix dots", func(c *Config) { c.Prefix = "a/../b" }, "storage.s3.prefix"},
		{"prefix bang", func(c *Config) { c.Prefix = "a!" }, "storage.s3.prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && err == nil:
				t.Errorf("Validate accepted %+v", c)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("Validate: %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	err := Config{}.Validate()
	if err == nil {
		t.Fatal("an empty config is valid")
	}
	for _, field := range []string{"endpoint", "bucket", "accessKey", "secretKey"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not mention %s", err, field)
		}
	}
}

func TestNormalPrefix(t *testing.T) {
	for in, want := range map[string]string{"": "", "/": "", "a": "a/", "/a/b/": "a/b/"} {
		if got := normalPrefix(in); got != want {
			t.Errorf("normalPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}
