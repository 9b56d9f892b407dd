package storage

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// PolicyRule is one entry of the policies: section: what applies to the
// repositories it names. The first rule whose repositories match a
// repository is the one that applies to it.
type PolicyRule struct {
	// Repositories are name patterns: '*' matches within one path
	// component, '**' across any number of them ("prod/**").
	Repositories []string `yaml:"repositories"`
	// ImmutableTags are tag patterns ('*', '?', '[a-z]' as in shell
	// globs): once such a tag exists, it can be neither moved to another
	// manifest nor deleted.
	ImmutableTags []string `yaml:"immutableTags"`
	// Retention says which tags garbage collection removes; nil: none.
	Retention *Retention `yaml:"retention"`
}

// Retention is a rule for removing old tags, applied by garbage
// collection. Tags matching Keep and immutable tags are never removed and
// not counted; of the others the KeepLast most recently pushed stay, and
// the rest go once they are older than OlderThan. At least one of KeepLast
// and OlderThan must be set.
type Retention struct {
	KeepLast  int      `yaml:"keepLast"`
	OlderThan Duration `yaml:"olderThan"`
	Keep      []string `yaml:"keep"`
}

// policySet is the policies, checked and compiled.
type policySet struct {
	rules []compiledRule
}

type compiledRule struct {
	index     int // position in the configuration, for messages
	repos     []*regexp.Regexp
	repoSrc   []string
	immutable []string
	retention *Retention
}

// SetPolicies makes rules apply to s: immutable tags on every write, and
// retention in garbage collection. Call it before s is used.
func (s *Store) SetPolicies(rules []PolicyRule) error {
	set, err := compilePolicies(rules)
	if err != nil {
		return err
	}
	s.policies = set
	return nil
}

// ValidatePolicies reports every problem in rules, naming each setting as
// it is spelled in the configuration file (policies[i].field).
func ValidatePolicies(rules []PolicyRule) error {
	_, err := compilePolicies(rules)
	return err
}

func compilePolicies(rules []PolicyRule) (*policySet, error) {
	set := &policySet{}
	var errs []error
	for i, r := range rules {
		c, err := compileRule(i, r)
		errs = append(errs, err)
		set.rules = append(set.rules, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

func compileRule(i int, r PolicyRule) (compiledRule, error) {
	key := fmt.Sprintf("policies[%d]", i)
	c := compiledRule{index: i, repoSrc: r.Repositories, immutable: r.ImmutableTags, retention: r.Retention}
	var errs []error
	if len(r.Repositories) == 0 {
		errs = append(errs, fmt.Errorf("%s.repositories: name at least one repository pattern, such as prod/**", key))
	}
	for j, p := range r.Repositories {
		re, err := repoPattern(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.repositories[%d]: %w", key, j, err))
		}
		c.repos = append(c.repos, re)
	}
	errs = append(errs, checkTagPatterns(key+".immutableTags", r.ImmutableTags))
	if rt := r.Retention; rt != nil {
		errs = append(errs, checkTagPatterns(key+".retention.keep", rt.Keep))
		if rt.KeepLast < 0 {
			errs = append(errs, fmt.Errorf("%s.retention.keepLast: must not be negative, got %d", key, rt.KeepLast))
		}
		if rt.OlderThan < 0 {
			errs = append(errs, fmt.Errorf("%s.retention.olderThan: must not be negative, got %v", key, rt.OlderThan))
		}
		if rt.KeepLast == 0 && rt.OlderThan == 0 {
			errs = append(errs, fmt.Errorf("%s.retention: set keepLast, olderThan or both; otherwise remove it", key))
		}
	}
	return c, errors.Join(errs...)
}

// repoPattern compiles a repository pattern: '*' within one component,
// '**' across components. Replacing the wildcards by a letter must leave a
// valid repository name.
func repoPattern(p string) (*regexp.Regexp, error) {
	probe := strings.ReplaceAll(strings.ReplaceAll(p, "**", "x"), "*", "x")
	if ValidName(probe) != nil {
		return nil, fmt.Errorf("%q is not a repository name with '*' (one component) or '**' (any depth)", p)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case p[i] == '*':
			b.WriteString("[^/]*")
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func checkTagPatterns(key string, patterns []string) error {
	var errs []error
	for j, p := range patterns {
		if _, err := path.Match(p, ""); err != nil || p == "" || strings.Contains(p, "/") {
			errs = append(errs, fmt.Errorf("%s[%d]: %q is not a tag pattern (letters, digits, '.', '_', '-' with '*', '?', [...])", key, j, p))
		}
	}
	return errors.Join(errs...)
}

// ruleFor returns the rule that applies to repository name, or nil.
func (p *policySet) ruleFor(name string) *compiledRule {
	if p == nil {
		return nil
	}
	for i := range p.rules {
		for _, re := range p.rules[i].repos {
			if re.MatchString(name) {
				return &p.rules[i]
			}
		}
	}
	return nil
}

// matchTag reports whether tag matches one of patterns (validated already).
func matchTag(patterns []string, tag string) (string, bool) {
	for _, p := range patterns {
		if ok, _ := path.Match(p, tag); ok {
			return p, true
		}
	}
	return "", false
}
