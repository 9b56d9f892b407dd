package archive

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Remote is a registry reached over the distribution API (/v2/), logged
// in with the Docker token flow (or basic auth, or anonymously).
type Remote struct {
	base   url.URL // scheme and host
	client *http.Client
}

// Login describes who talks to a Remote; an empty Username is anonymous.
type Login struct {
	Username string
	Password string
}

// Scopes of the token a Remote asks for (Docker token spec).
func PullScope(repo string) string { return "repository:" + repo + ":pull" }

// PushScope also asks for delete, to take back a failed import; a
// registry that grants less still lets the import itself run.
func PushScope(repo string) string { return "repository:" + repo + ":pull,push,delete" }

// CatalogScope is the scope listing the repositories needs.
const CatalogScope = "registry:catalog:*"

// DialRemote connects to the registry at rawURL ("https://host",
// "http://127.0.0.1:5000", or a bare host:port, plain HTTP only on
// loopback and private addresses) and logs in for scopes. Requests that
// need more are granted it on the fly when they carry no body.
func DialRemote(ctx context.Context, rawURL string, login Login, scopes []string, rt http.RoundTripper) (*Remote, error) {
	base, reg, err := parseRegistryURL(rawURL)
	if err != nil {
		return nil, err
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	auth := authn.Anonymous
	if login.Username != "" {
		auth = authn.FromConfig(authn.AuthConfig{Username: login.Username, Password: login.Password})
	}
	t, err := transport.NewWithContext(ctx, reg, auth, rt, scopes)
	if err != nil {
		return nil, fmt.Errorf("logging in to %s: %w", base.Host, err)
	}
	return &Remote{base: base, client: &http.Client{Transport: t}}, nil
}

func parseRegistryURL(rawURL string) (url.URL, name.Registry, error) {
	if !strings.Contains(rawURL, "://") {
		reg, err := name.NewRegistry(rawURL)
		if err != nil {
			return url.URL{}, name.Registry{}, fmt.Errorf("registry %q: %w", rawURL, err)
		}
		return url.URL{Scheme: reg.Scheme(), Host: reg.RegistryStr()}, reg, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return url.URL{}, name.Registry{}, fmt.Errorf("registry %q: %w", rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return url.URL{}, name.Registry{}, fmt.Errorf("registry %q: want http(s)://host[:port], no path", rawURL)
	}
	var opts []name.Option
	if u.Scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(u.Host, opts...)
	if err != nil {
		return url.URL{}, name.Registry{}, fmt.Errorf("registry %q: %w", rawURL, err)
	}
	return url.URL{Scheme: u.Scheme, Host: u.Host}, reg, nil
}

// remoteErr marks the registry's "unknown" answers as ErrNotFound and a
// digest mismatch as ErrCorrupt.
func remoteErr(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	if te.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	for _, d := range te.Errors {
		if d.Code == transport.DigestInvalidErrorCode {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return err
}
