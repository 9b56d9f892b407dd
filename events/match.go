package events

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// filter decides which events an endpoint gets.
type filter struct {
	types    []string // nil: every type
	patterns []string // nil: every repository
}

func newFilter(ep Endpoint) filter {
	var f filter
	for _, e := range ep.Events {
		if k, ok := kinds[e]; ok {
			f.types = append(f.types, k...)
		} else {
			f.types = append(f.types, e)
		}
	}
	f.patterns = ep.Repositories
	return f
}

func (f filter) match(ev *Event) bool {
	if f.types != nil && !slices.Contains(f.types, ev.Type) {
		return false
	}
	if f.patterns == nil {
		return true
	}
	return slices.ContainsFunc(f.patterns, func(p string) bool { return matchRepository(p, ev.Repository) })
}

// matchRepository reports whether repository name matches pattern, where
// '*' matches within one path component and a "**" component matches any
// number of components, none included.
func matchRepository(pattern, name string) bool {
	return matchParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// checkPattern says what is wrong with a repository pattern.
func checkPattern(p string) error {
	if p == "" {
		return fmt.Errorf("empty pattern")
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" {
			return fmt.Errorf("pattern %q has an empty path component", p)
		}
		if strings.Contains(part, "**") && part != "**" {
			return fmt.Errorf("pattern %q: '**' must be a whole path component", p)
		}
		if _, err := path.Match(part, ""); err != nil {
			return fmt.Errorf("pattern %q: %v", p, err)
		}
	}
	return nil
}
