// Package auth decides who is asking and what they may do: users, the
// token server, access policy.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Actions on a repository, as in the Docker token spec's scope grammar.
const (
	ActionPull   = "pull"
	ActionPush   = "push"
	ActionDelete = "delete"
)

// Access is one resource and the actions wanted on it, as in a token scope
// "repository:alice/app:pull,push".
type Access struct {
	Type    string // "repository" or "registry"
	Name    string // repository name, or "catalog"
	Actions []string
}

// Scope renders a as a scope string for a challenge.
func (a Access) Scope() string {
	return fmt.Sprintf("%s:%s:%s", a.Type, a.Name, strings.Join(a.Actions, ","))
}

// Repository returns the Access for actions on one repository.
func Repository(name string, actions ...string) Access {
	return Access{Type: "repository", Name: name, Actions: actions}
}

// Subject is who made a request. The zero value is the anonymous caller.
type Subject struct {
	Name string
	// limit, when set, narrows what Name may do: the caller used an access
	// token with scopes, or is known only through an external issuer.
	limit *limit
}

// Anonymous reports whether s is not logged in.
func (s Subject) Anonymous() bool { return s.Name == "" }

// Authorizer checks requests. Handlers call it before touching storage.
type Authorizer interface {
	// Authorize returns who made r when every Access in want is granted.
	// Otherwise it returns a *Challenge (401: log in, or a token without
	// the scope), ErrDenied (403: known, but not allowed) or ErrTooMany.
	Authorize(r *http.Request, want []Access) (Subject, error)
	// Allowed reports which of a.Actions s may perform on a's resource.
	// Handlers use it to filter listings (catalog) without failing them.
	Allowed(ctx context.Context, s Subject, a Access) []string
}

// ErrDenied means the caller is known but may not do what it asked.
var ErrDenied = errors.New("requested access to the resource is denied")

// ErrTooMany means the caller failed to log in too often and must wait.
var ErrTooMany = errors.New("too many failed login attempts")

// Challenge is a 401 that knows how to write its own WWW-Authenticate.
type Challenge struct {
	Realm   string // token endpoint URL; "" for a Basic challenge
	Service string
	Scopes  []string
	Err     string // "" or "insufficient_scope", "invalid_token"
}

func (c *Challenge) Error() string {
	if c.Err != "" {
		return "authentication required: " + c.Err
	}
	return "authentication required"
}

// Header returns the WWW-Authenticate value.
func (c *Challenge) Header() string {
	if c.Realm == "" {
		return fmt.Sprintf("Basic realm=%q", c.Service)
	}
	v := fmt.Sprintf("Bearer realm=%q,service=%q", c.Realm, c.Service)
	if len(c.Scopes) > 0 {
		v += fmt.Sprintf(",scope=%q", strings.Join(c.Scopes, " "))
	}
	if c.Err != "" {
		v += fmt.Sprintf(",error=%q", c.Err)
	}
	return v
}

// AllowAll grants everything to everyone. For tests and for a registry
// explicitly configured without auth.
type AllowAll struct{}

func (AllowAll) Authorize(*http.Request, []Access) (Subject, error) { return Subject{}, nil }

func (AllowAll) Allowed(_ context.Context, _ Subject, a Access) []string { return a.Actions }
