package s3

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Config is the S3 driver's configuration, the storage.s3 section of the
// server's YAML file.
type Config struct {
	// Endpoint is host:port of the S3 API, without a scheme.
	Endpoint string `yaml:"endpoint"`
	// Bucket must exist; the driver does not create it.
	Bucket string `yaml:"bucket"`
	// Region signs requests; "" means us-east-1.
	Region string `yaml:"region"`
	// AccessKey and SecretKey are the static credentials.
	AccessKey string `yaml:"accessKey"`
	SecretKey string `yaml:"secretKey"`
	// Secure talks HTTPS to Endpoint.
	Secure bool `yaml:"secure"`
	// Prefix puts every key under this folder of the bucket, so that
	// several registries (or other data) can share it.
	Prefix string `yaml:"prefix"`
	// Redirect makes blob GETs answer with a redirect to a presigned URL
	// instead of streaming the bytes through pier.
	Redirect bool `yaml:"redirect"`
}

// DefaultRegion is used when Config.Region is empty.
const DefaultRegion = "us-east-1"

// Validate reports every problem with c at once, each naming its field.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch {
	case c.Endpoint == "":
		bad("storage.s3.endpoint is required (host:port, e.g. 127.0.0.1:9000)")
	case strings.Contains(c.Endpoint, "://"):
		bad("storage.s3.endpoint %q must be host[:port] without a scheme; set storage.s3.secure for https", c.Endpoint)
	case strings.ContainsAny(c.Endpoint, "/?# "):
		bad("storage.s3.endpoint %q must be host[:port] without a path", c.Endpoint)
	default:
		if strings.Contains(c.Endpoint, ":") {
			if _, _, err := net.SplitHostPort(c.Endpoint); err != nil {
				bad("storage.s3.endpoint %q: %v", c.Endpoint, err)
			}
		}
	}
	if err := validateBucket(c.Bucket); err != nil {
		bad("storage.s3.bucket: %v", err)
	}
	if c.AccessKey == "" {
		bad("storage.s3.accessKey is required")
	}
	if c.SecretKey == "" {
		bad("storage.s3.secretKey is required")
	}
	if strings.ContainsAny(c.Region, " /") {
		bad("storage.s3.region %q is not a region name", c.Region)
	}
	if err := validatePrefix(c.Prefix); err != nil {
		bad("storage.s3.prefix: %v", err)
	}
	return errors.Join(errs...)
}

// validateBucket applies the S3 bucket naming rules that matter for
// path-style requests.
func validateBucket(b string) error {
	if b == "" {
		return errors.New("required")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("%q must be 3 to 63 characters long", b)
	}
	for _, r := range b {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("%q may hold only lowercase letters, digits, '-' and '.'", b)
		}
	}
	if !isAlnum(b[0]) || !isAlnum(b[len(b)-1]) {
		return fmt.Errorf("%q must start and end with a letter or digit", b)
	}
	if strings.Contains(b, "..") {
		return fmt.Errorf("%q must not contain \"..\"", b)
	}
	return nil
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// validatePrefix accepts "" or a key-like path; surrounding slashes are
// tolerated and trimmed by normalPrefix.
func validatePrefix(p string) error {
	t := strings.Trim(p, "/")
	if t == "" {
		return nil
	}
	if err := checkKey(t); err != nil {
		return fmt.Errorf("%q: %v", p, err)
	}
	return nil
}

// normalPrefix turns Config.Prefix into what object names start with: ""
// or "some/path/".
func normalPrefix(p string) string {
	t := strings.Trim(p, "/")
	if t == "" {
		return ""
	}
	return t + "/"
}
