package server

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const examplePath = "../config.example.yaml"

// TestExampleConfig keeps config.example.yaml loadable and its values the
// real defaults.
func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, env(nil))
	if err != nil {
		t.Fatalf("%s: %v", examplePath, err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("%s is not valid: %v", examplePath, err)
	}
	def := Default()
	// "[]" in the example decodes to an empty list, the default is nil.
	cfg.TLS.ACME.Hosts = nilIfEmpty(cfg.TLS.ACME.Hosts)
	if len(cfg.Webhooks.Endpoints) == 0 {
		cfg.Webhooks.Endpoints = nil
	}
	for _, part := range []struct {
		name      string
		got, want any
	}{
		{"addr", cfg.Addr, def.Addr},
		{"storage", cfg.Storage, def.Storage},
		{"log", cfg.Log, def.Log},
		{"http", cfg.HTTP, def.HTTP},
		{"tls", cfg.TLS, def.TLS},
		{"metrics", cfg.Metrics, def.Metrics},
		{"webhooks.endpoints", cfg.Webhooks.Endpoints, def.Webhooks.Endpoints},
	} {
		if !reflect.DeepEqual(part.got, part.want) {
			t.Errorf("%s: the example says %+v, the default is %+v", part.name, part.got, part.want)
		}
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestExampleDocumentsEverySetting fails when a setting is added to Config
// without being described in config.example.yaml.
func TestExampleDocumentsEverySetting(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		re := regexp.MustCompile(`(?m)^[ \t]*#?[ \t]*(- )?` + regexp.QuoteMeta(key) + `:`)
		if !re.Match(data) {
			t.Errorf("%s does not document %q", examplePath, key)
		}
	}
}

// yamlKeys lists the YAML keys of the struct type t and of the structs
// under it.
func yamlKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys = append(keys, name)
		keys = append(keys, yamlKeys(f.Type)...)
	}
	return keys
}
