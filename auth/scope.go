package auth

import (
	"regexp"
	"slices"
	"strings"
)

// Resource types of the Docker token scope grammar that pier knows.
const (
	TypeRepository = "repository"
	TypeRegistry   = "registry"
)

// allActions are the repository actions, in the order pier writes them.
var allActions = []string{ActionPull, ActionPush, ActionDelete}

var (
	typeRE   = regexp.MustCompile(`^([a-z0-9]+)(?:\([a-z0-9]+\))?$`)
	actionRE = regexp.MustCompile(`^(?:[a-z]+|\*)$`)
)

// Catalog is the Access that listing the catalog needs.
func Catalog() Access {
	return Access{Type: TypeRegistry, Name: "catalog", Actions: []string{"*"}}
}

// ParseScope parses one resource scope, "repository:alice/app:pull,push" or
// "registry:catalog:*". The name must be a valid repository name: extra
// colons, "..", upper case or empty components are refused. A resource
// class ("repository(plugin)") is accepted and dropped, as the spec says.
// Well-formed actions pier does not know are dropped; "*" on a repository
// means every action.
func ParseScope(s string) (Access, error) {
	typ, name, actions, err := splitScope(s)
	if err != nil {
		return Access{}, err
	}
	switch typ {
	case TypeRepository:
		if !ValidRepository(name) {
			return Access{}, invalidf("scope %q: %q is not a valid repository name", s, name)
		}
		return Access{Type: typ, Name: name, Actions: knownActions(actions)}, nil
	case TypeRegistry:
		if name != "catalog" || !slices.Equal(actions, []string{"*"}) {
			return Access{}, invalidf("scope %q: the only registry scope is registry:catalog:*", s)
		}
		return Catalog(), nil
	}
	return Access{}, invalidf("scope %q: unknown resource type %q", s, typ)
}

// ParseScopes parses scope parameters. Each may hold several scopes
// separated by spaces (the POST form, and challenges that name several).
func ParseScopes(params []string) ([]Access, error) {
	var out []Access
	for _, p := range params {
		for _, s := range strings.Fields(p) {
			a, err := ParseScope(s)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// splitScope cuts a scope at its first and last colon and checks the type
// and the actions; the name in between is checked by the caller.
func splitScope(s string) (typ, name string, actions []string, err error) {
	i, j := strings.IndexByte(s, ':'), strings.LastIndexByte(s, ':')
	if i < 0 || i == j {
		return "", "", nil, invalidf("scope %q: want type:name:actions", s)
	}
	m := typeRE.FindStringSubmatch(s[:i])
	if m == nil {
		return "", "", nil, invalidf("scope %q: malformed resource type", s)
	}
	for a := range strings.SplitSeq(s[j+1:], ",") {
		if !actionRE.MatchString(a) {
			return "", "", nil, invalidf("scope %q: malformed action %q", s, a)
		}
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	return m[1], s[i+1 : j], actions, nil
}

// knownActions keeps the repository actions pier knows, expanding "*".
func knownActions(actions []string) []string {
	if slices.Contains(actions, "*") {
		return slices.Clone(allActions)
	}
	out := []string{}
	for _, a := range allActions {
		if slices.Contains(actions, a) {
			out = append(out, a)
		}
	}
	return out
}

// intersect returns the actions of want that are also in have, in want's
// order. "*" in have grants everything.
func intersect(want, have []string) []string {
	if slices.Contains(have, "*") {
		return slices.Clone(want)
	}
	out := []string{}
	for _, a := range want {
		if slices.Contains(have, a) {
			out = append(out, a)
		}
	}
	return out
}

// covers reports whether have includes every action of want.
func covers(have, want []string) bool {
	return len(intersect(want, have)) == len(want)
}
