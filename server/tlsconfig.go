package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// TLSConfig turns HTTPS on, with certificates from files or from an ACME
// certificate authority such as Let's Encrypt. With neither, pier serves
// plain HTTP (put a TLS-terminating proxy in front).
type TLSConfig struct {
	// CertFile and KeyFile are PEM files: the certificate chain and its
	// private key. pier reloads them when they change on disk.
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
	// ACME gets certificates automatically for public host names.
	ACME ACMEConfig `yaml:"acme"`
}

// ACMEConfig gets certificates from an ACME CA (RFC 8555) through
// golang.org/x/crypto/acme/autocert. The CA must reach pier on port 443
// (TLS-ALPN-01) or, with HTTPAddr, on port 80 (HTTP-01). Using it means
// accepting the CA's terms of service.
type ACMEConfig struct {
	// Hosts are the public DNS names pier answers for. Setting them turns
	// ACME on; a TLS handshake for any other name is refused.
	Hosts []string `yaml:"hosts"`
	// Email is the CA's contact for expiry and account notices. Optional.
	Email string `yaml:"email"`
	// DirectoryURL is the CA's ACME directory. Default: Let's Encrypt's
	// production directory.
	DirectoryURL string `yaml:"directoryURL"`
	// HTTPAddr, when set (usually ":80"), serves HTTP-01 challenges there and
	// redirects every other request to HTTPS. Default: "" (TLS-ALPN-01 only).
	HTTPAddr string `yaml:"httpAddr"`
}

// Enabled reports whether pier serves HTTPS.
func (c *TLSConfig) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" || c.ACME.enabled() }

func (c *ACMEConfig) enabled() bool { return len(c.Hosts) > 0 }

// validate reports every problem, naming the settings as in YAML. It
// loads the certificate files, so that `pier config check` finds a
// missing file or a key that does not match its certificate.
func (c *TLSConfig) validate() []error {
	var errs []error
	switch {
	case (c.CertFile == "") != (c.KeyFile == ""):
		errs = append(errs, errors.New("tls: set both certFile and keyFile, or neither"))
	case c.CertFile != "" && c.ACME.enabled():
		errs = append(errs, errors.New("tls: set either certFile and keyFile or acme.hosts, not both"))
	case c.CertFile != "":
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("tls.certFile, tls.keyFile: %w", err))
		}
	}
	return append(errs, c.ACME.validate()...)
}

func (c *ACMEConfig) validate() []error {
	var errs []error
	for _, h := range c.Hosts {
		if err := checkHostName(h); err != nil {
			errs = append(errs, fmt.Errorf("tls.acme.hosts: %q: %v", h, err))
		}
	}
	if !c.enabled() {
		if c.Email != "" || c.DirectoryURL != "" || c.HTTPAddr != "" {
			errs = append(errs, errors.New("tls.acme: hosts is required for the other acme settings to apply"))
		}
		return errs
	}
	if c.DirectoryURL != "" {
		if u, err := url.Parse(c.DirectoryURL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("tls.acme.directoryURL: %q is not an https URL", c.DirectoryURL))
		}
	}
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		errs = append(errs, fmt.Errorf("tls.acme.email: %q is not an email address", c.Email))
	}
	if c.HTTPAddr != "" {
		if err := checkAddr(c.HTTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("tls.acme.httpAddr: %v", err))
		}
	}
	return errs
}

// checkHostName accepts a DNS name such as registry.example.com.
func checkHostName(h string) error {
	switch {
	case h == "":
		return errors.New("empty")
	case net.ParseIP(h) != nil:
		return errors.New("an IP address; ACME certificates here are for DNS names")
	case strings.ContainsAny(h, ":/ *"):
		return errors.New("want a bare DNS name, without scheme, port, path or wildcard")
	case len(h) > 253 || !strings.Contains(h, "."):
		return errors.New("not a fully qualified DNS name")
	}
	return nil
}
