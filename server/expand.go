package server

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandNode replaces ${NAME} references in every scalar value of n (keys
// are left alone). Expanding the parsed tree rather than the raw text means
// a value can never inject YAML structure, and lines stay those of the file.
func expandNode(n *yaml.Node, lookup LookupFunc) error {
	var errs []error
	walkValues(n, func(v *yaml.Node) {
		if !strings.Contains(v.Value, "$") {
			return
		}
		out, err := expand(v.Value, lookup)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", v.Line, err))
			return
		}
		v.Value = out
		if v.Style&(yaml.TaggedStyle|yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			v.Tag = "" // resolve again: "${PORT}" was a string, "5000" is an int
		}
	})
	return errors.Join(errs...)
}

// walkValues calls f on every scalar in n that is not a mapping key.
func walkValues(n *yaml.Node, f func(*yaml.Node)) {
	switch n.Kind {
	case yaml.ScalarNode:
		f(n)
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			walkValues(n.Content[i], f)
		}
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walkValues(c, f)
		}
	}
}

// expand replaces ${NAME} and ${NAME:-fallback} in s; $${ stands for a
// literal ${. A lone $ is kept as it is.
func expand(s string, lookup LookupFunc) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i]) // "$${" -> "${": drop one $
			b.WriteString("{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", s[i:])
		}
		val, err := reference(s[i+2:i+end], lookup)
		if err != nil {
			return "", err
		}
		b.WriteString(val)
		s = s[i+end+1:]
	}
}

// reference resolves the inside of one ${...}.
func reference(ref string, lookup LookupFunc) (string, error) {
	name, fallback, hasFallback := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", fmt.Errorf("${%s}: %q is not a valid environment variable name", ref, name)
	}
	val, ok := lookup(name)
	if hasFallback && val == "" {
		return fallback, nil
	}
	if !ok {
		return "", fmt.Errorf("${%s}: environment variable %s is not set", name, name)
	}
	return val, nil
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
