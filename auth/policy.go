package auth

import (
	"slices"
)

// AdminUser is the user that may do everything.
const AdminUser = "admin"

// policy decides what a local user (or the anonymous caller) may do, Docker
// Hub style: every user owns "<user>/…", organisations own "<org>/…" and
// share it through owners and teams, admin may do everything, and some
// patterns may be pulled by anyone.
type policy struct {
	anonymous []*pattern
	orgs      map[string]*orgPolicy
}

type orgPolicy struct {
	owners []string
	teams  []teamPolicy
}

type teamPolicy struct {
	members []string
	grants  []grant
}

// newPolicy compiles the policy part of a validated configuration.
func newPolicy(c Config) (*policy, error) {
	p := &policy{orgs: map[string]*orgPolicy{}}
	for _, s := range c.AnonymousPull {
		pat, err := parsePattern(s)
		if err != nil {
			return nil, err
		}
		p.anonymous = append(p.anonymous, pat)
	}
	for _, o := range c.Organisations {
		op := &orgPolicy{owners: o.Owners}
		for _, t := range o.Teams {
			tp := teamPolicy{members: t.Members}
			for _, perm := range t.Permissions {
				pat, err := parsePattern(perm.Repositories)
				if err != nil {
					return nil, err
				}
				tp.grants = append(tp.grants, grant{typ: TypeRepository, name: pat, actions: knownActions(perm.Actions)})
			}
			op.teams = append(op.teams, tp)
		}
		p.orgs[o.Name] = op
	}
	return p, nil
}

// anonymousEnabled reports whether anything at all is open to anonymous callers.
func (p *policy) anonymousEnabled() bool { return len(p.anonymous) > 0 }

// allowed returns the actions of a that user ("" for anonymous) may do.
func (p *policy) allowed(user string, a Access) []string {
	switch a.Type {
	case TypeRegistry:
		// Any logged-in caller may list the catalog: the listing is filtered
		// to what it may pull. Anonymous callers only when something is open.
		if a.Name == "catalog" && (user != "" || p.anonymousEnabled()) {
			return intersect(a.Actions, []string{"*"})
		}
		return []string{}
	case TypeRepository:
		return intersect(a.Actions, p.repositoryActions(user, a.Name))
	}
	return []string{}
}

// repositoryActions lists what user may do on the repository name.
func (p *policy) repositoryActions(user, name string) []string {
	if user == AdminUser {
		return allActions
	}
	var have []string
	if slices.ContainsFunc(p.anonymous, func(pat *pattern) bool { return pat.match(name) }) {
		have = append(have, ActionPull)
	}
	if user == "" {
		return have
	}
	ns := namespace(name)
	org, isOrg := p.orgs[ns]
	if !isOrg {
		// A user owns the namespace of its name, unless an organisation
		// of the same name claims it.
		if ns == user {
			return allActions
		}
		return have
	}
	if slices.Contains(org.owners, user) {
		return allActions
	}
	a := Access{Type: TypeRepository, Name: name, Actions: allActions}
	for _, t := range org.teams {
		if slices.Contains(t.members, user) {
			have = append(have, allowedBy(t.grants, a)...)
		}
	}
	return have
}
