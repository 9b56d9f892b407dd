package server

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// keyPath finds the mapping key named key on line in the document and
// returns " (at a.b.key)", or "" when it is at the top level or not found.
func keyPath(doc *yaml.Node, line int, key string) string {
	path, ok := findKey(doc, line, key, nil)
	if !ok || len(path) < 2 {
		return ""
	}
	return fmt.Sprintf(" (at %s)", strings.Join(path, "."))
}

func findKey(n *yaml.Node, line int, key string, path []string) ([]string, bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := findKey(c, line, key, path); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			here := append(path[:len(path):len(path)], k.Value)
			if k.Line == line && k.Value == key {
				return here, true
			}
			if p, ok := findKey(v, line, key, here); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			here := indexed(path, i)
			if p, ok := findKey(c, line, key, here); ok {
				return p, true
			}
		}
	}
	return nil, false
}

// indexed returns path with its last element suffixed by [i].
func indexed(path []string, i int) []string {
	here := append([]string(nil), path...)
	if len(here) == 0 {
		return []string{fmt.Sprintf("[%d]", i)}
	}
	here[len(here)-1] += fmt.Sprintf("[%d]", i)
	return here
}
