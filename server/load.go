package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// LookupFunc finds an environment variable, like os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// Load reads the YAML file at path over the defaults, expanding ${NAME}
// references with lookup, then applies the PIER_* environment overrides.
// An empty path means no file: defaults and environment only. The result
// is not validated; call Validate once flags are applied too.
func Load(path string, lookup LookupFunc) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		if cfg, err = Parse(data, lookup); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := cfg.applyEnv(lookup); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Parse decodes a YAML configuration over the defaults. Unknown keys are
// errors naming the key and its line; ${NAME} in a value is replaced by the
// variable's value (an unset variable is an error), ${NAME:-fallback} by
// fallback when NAME is unset or empty, and $${ by a literal ${.
func Parse(data []byte, lookup LookupFunc) (Config, error) {
	doc, err := parseDocument(data)
	if err != nil || doc == nil {
		return Default(), err
	}
	if err := checkKnownKeys(data, doc); err != nil {
		return Config{}, err
	}
	if err := expandNode(doc, lookup); err != nil {
		return Config{}, err
	}
	cfg := Default()
	cfg.Storage = StorageConfig{} // the file picks its own driver
	if err := doc.Decode(&cfg); err != nil {
		return Config{}, yamlError(err)
	}
	cfg.Storage.fillDefaults()
	return cfg, nil
}

// parseDocument returns the single YAML document in data, or nil if data
// holds none.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(err)
	}
	if err := dec.Decode(&yaml.Node{}); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document; keep the configuration in one")
	}
	return &doc, nil
}

var unknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type \S+$`)

// checkKnownKeys decodes the raw text strictly to find keys that no field
// takes. It runs before ${NAME} expansion so that lines match the file;
// errors about values are left to the decode of the expanded document.
func checkKnownKeys(data []byte, doc *yaml.Node) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var te *yaml.TypeError
	if err := dec.Decode(&Config{}); !errors.As(err, &te) {
		return nil // syntax errors were reported by parseDocument
	}
	var errs []error
	for _, msg := range te.Errors {
		m := unknownField.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		errs = append(errs, fmt.Errorf("line %d: unknown key %q%s", line, m[2], keyPath(doc, line, m[2])))
	}
	return errors.Join(errs...)
}

// yamlError turns the yaml package's error into one line per problem.
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	errs := make([]error, len(te.Errors))
	for i, msg := range te.Errors {
		errs[i] = errors.New(msg)
	}
	return errors.Join(errs...)
}

func (s *StorageConfig) fillDefaults() {
	if s.FS == nil && !s.other() {
		s.FS = &FSConfig{}
	}
	if s.FS != nil && s.FS.Root == "" {
		s.FS.Root = DefaultDataDir
	}
}

// other reports whether a driver other than fs is configured.
func (s *StorageConfig) other() bool { return s.S3 != nil }
