package auth

import (
	"regexp"
	"strings"
)

// The OCI distribution-spec name grammar: lower-case path components
// joined by '/', each made of [a-z0-9] runs joined by '.', '_', '__' or '-'.
// It rules out upper case, "..", ':' and empty components.
var (
	componentRE  = `[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*`
	repositoryRE = regexp.MustCompile(`^` + componentRE + `(?:/` + componentRE + `)*$`)
	userRE       = regexp.MustCompile(`^` + componentRE + `$`)
)

// Limits on names, so that every name fits in a storage key and a header.
const (
	maxRepositoryName = 255
	maxUserName       = 64
)

// ValidRepository reports whether name is a well-formed repository name.
func ValidRepository(name string) bool {
	return len(name) <= maxRepositoryName && repositoryRE.MatchString(name)
}

// ValidUserName checks that name can be a user: one lower-case name
// component (it is also the user's namespace), at most 64 characters.
func ValidUserName(name string) error {
	if len(name) > maxUserName || !userRE.MatchString(name) {
		return invalidf("user name %q: use at most %d lower-case letters and digits, "+
			"joined by single '.', '_' or '-'", name, maxUserName)
	}
	return nil
}

// pattern matches repository names. '*' matches within one path component,
// '**' matches across components: "public/*" matches "public/app" but not
// "public/a/b"; "public/**" matches both.
type pattern struct {
	src string
	re  *regexp.Regexp
}

// parsePattern checks that s is a repository name in which some characters
// were replaced by '*' or '**', and compiles it.
func parsePattern(s string) (*pattern, error) {
	// Replacing each wildcard by a letter must leave a valid name, so a
	// pattern can never match a name the grammar forbids.
	probe := strings.ReplaceAll(strings.ReplaceAll(s, "**", "x"), "*", "x")
	if !ValidRepository(probe) {
		return nil, invalidf("repository pattern %q: want a repository name, "+
			"optionally with '*' (one path component) or '**' (any depth)", s)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "**"):
			b.WriteString(".*")
			i++
		case s[i] == '*':
			b.WriteString("[^/]*")
		default:
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
		}
	}
	b.WriteString("$")
	return &pattern{src: s, re: regexp.MustCompile(b.String())}, nil
}

// match reports whether the repository name matches p.
func (p *pattern) match(name string) bool { return p.re.MatchString(name) }

// namespace returns the first path component of a repository name.
func namespace(name string) string {
	ns, _, _ := strings.Cut(name, "/")
	return ns
}
