package events

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Config is the webhooks section of the server configuration
// (`webhooks:` in YAML). A zero field takes the default in its comment.
type Config struct {
	// Source is the CloudEvents "source" of every event, a URI reference
	// naming this registry, such as https://registry.example.com.
	// Default "pier".
	Source string `yaml:"source"`
	// QueueSize is how many events may wait for each endpoint; when its
	// queue is full, new events for it are dropped with a log line.
	// Default 1000.
	QueueSize int `yaml:"queueSize"`
	// Endpoints are the receivers. Default: none.
	Endpoints []Endpoint `yaml:"endpoints"`
}

// Endpoint is one webhook receiver.
type Endpoint struct {
	// Name identifies the endpoint in logs. Default: its URL's host.
	Name string `yaml:"name"`
	// URL receives the POSTs; http or https. Required.
	URL string `yaml:"url"`
	// Secret is the HMAC-SHA256 key of the signature header. Required, at
	// least 16 characters; best read from the environment with ${NAME}.
	Secret string `yaml:"secret"`
	// Events the endpoint wants: push, delete, tag, or full event types
	// such as dev.pier.manifest.pushed. Default: all.
	Events []string `yaml:"events"`
	// Repositories are the repository patterns the endpoint wants, where
	// '*' matches within one path component and '**' any number of them.
	// Default: all.
	Repositories []string `yaml:"repositories"`
	// Timeout bounds one delivery attempt. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxAttempts is how often an event is tried before it is given up.
	// Default 5.
	MaxAttempts int `yaml:"maxAttempts"`
	// Backoff is the wait after the first failed attempt; it doubles after
	// each further failure, up to maxBackoff. Default 1s.
	Backoff time.Duration `yaml:"backoff"`
}

// Defaults, as config.example.yaml documents them.
const (
	DefaultSource      = "pier"
	DefaultQueueSize   = 1000
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 5
	DefaultBackoff     = time.Second
	// maxBackoff caps the wait between two attempts.
	maxBackoff = 5 * time.Minute
	// minSecret is the shortest secret accepted.
	minSecret = 16
)

// Validate reports every problem in c, one per line, each naming the
// setting as it is spelled in the YAML file.
func (c *Config) Validate() error {
	var errs []error
	if c.Source != "" {
		if _, err := url.Parse(c.Source); err != nil {
			errs = append(errs, fmt.Errorf("webhooks.source: %q is not a URI reference", c.Source))
		}
	}
	if c.QueueSize < 0 || c.QueueSize > 1_000_000 {
		errs = append(errs, fmt.Errorf("webhooks.queueSize: must be between 1 and 1000000 (0 for the default), got %d", c.QueueSize))
	}
	for i := range c.Endpoints {
		errs = append(errs, c.Endpoints[i].validate(fmt.Sprintf("webhooks.endpoints[%d]", i))...)
	}
	return errors.Join(errs...)
}

func (e *Endpoint) validate(key string) []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", key, field, fmt.Sprintf(format, args...)))
	}
	if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("url", "%q is not an absolute http or https URL", e.URL)
	}
	if len(e.Secret) < minSecret {
		add("secret", "required, at least %d characters (a long random value, e.g. from `openssl rand -hex 32`)", minSecret)
	}
	for _, ev := range e.Events {
		if _, ok := kinds[ev]; !ok && !slices.Contains(types, ev) {
			add("events", "%q is not push, delete, tag or an event type such as %s", ev, ManifestPushed)
		}
	}
	for _, p := range e.Repositories {
		if err := checkPattern(p); err != nil {
			add("repositories", "%v", err)
		}
	}
	if e.Timeout < 0 {
		add("timeout", "must be a positive duration such as 10s, got %v", e.Timeout)
	}
	if e.MaxAttempts < 0 || e.MaxAttempts > 100 {
		add("maxAttempts", "must be between 1 and 100 (0 for the default), got %d", e.MaxAttempts)
	}
	if e.Backoff < 0 || e.Backoff > maxBackoff {
		add("backoff", "must be a duration up to %v, got %v", maxBackoff, e.Backoff)
	}
	return errs
}

// withDefaults returns e with every zero field set to its default.
func (e Endpoint) withDefaults() Endpoint {
	if e.Name == "" {
		if u, err := url.Parse(e.URL); err == nil {
			e.Name = u.Host
		}
	}
	if e.Timeout == 0 {
		e.Timeout = DefaultTimeout
	}
	if e.MaxAttempts == 0 {
		e.MaxAttempts = DefaultMaxAttempts
	}
	if e.Backoff == 0 {
		e.Backoff = DefaultBackoff
	}
	return e
}
