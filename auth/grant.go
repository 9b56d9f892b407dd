package auth

import (
	"fmt"
	"strings"
)

// grant is one permission: a resource type, a repository name pattern and
// the actions allowed on the names it matches. Access tokens carry grants
// ("repository:alice/*:pull") that narrow what their user may do.
type grant struct {
	typ     string
	name    *pattern
	actions []string
}

// ParseGrant checks a grant string such as "repository:ci/**:pull,push" or
// "registry:catalog:*": a scope whose name may use the wildcards '*' and '**'.
func ParseGrant(s string) error {
	_, err := parseGrant(s)
	return err
}

func parseGrant(s string) (grant, error) {
	typ, name, actions, err := splitScope(s)
	if err != nil {
		return grant{}, err
	}
	switch typ {
	case TypeRepository:
		p, err := parsePattern(name)
		if err != nil {
			return grant{}, fmt.Errorf("scope %q: %w", s, err)
		}
		acts := knownActions(actions)
		if len(acts) == 0 {
			return grant{}, invalidf("scope %q: want actions from pull, push, delete or *", s)
		}
		return grant{typ: typ, name: p, actions: acts}, nil
	case TypeRegistry:
		if _, err := ParseScope(s); err != nil {
			return grant{}, err
		}
		p, _ := parsePattern("catalog")
		return grant{typ: typ, name: p, actions: []string{"*"}}, nil
	}
	return grant{}, invalidf("scope %q: unknown resource type %q", s, typ)
}

func (g grant) String() string {
	return g.typ + ":" + g.name.src + ":" + strings.Join(g.actions, ",")
}

// parseGrants parses every string of ss, stopping at the first bad one.
func parseGrants(ss []string) ([]grant, error) {
	out := make([]grant, 0, len(ss))
	for _, s := range ss {
		g, err := parseGrant(s)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// allowedBy returns the actions of a that some grant of gs allows.
func allowedBy(gs []grant, a Access) []string {
	var have []string
	for _, g := range gs {
		if g.typ == a.Type && g.name.match(a.Name) {
			have = append(have, g.actions...)
		}
	}
	return intersect(a.Actions, have)
}

// limit narrows what a Subject may do beyond the policy: the grants of the
// access token it used, or the access claim of an external issuer's token.
type limit struct {
	grants []grant
	// external subjects are not local users: the policy says nothing about
	// them and only the grants count.
	external bool
}
