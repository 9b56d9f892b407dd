package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"
)

// disabledOptions reads the configuration the suite reports in results.yaml
// and lists every apis.* and data.* option that is not true. Reading what
// the suite used, rather than what we meant to set, catches a variable the
// suite did not take.
func disabledOptions(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "results.yaml"))
	if err != nil {
		return nil, fmt.Errorf("no results.yaml, so the suite did not run (did its configuration load?): %w", err)
	}
	var results struct {
		Config struct {
			APIs map[string]any `yaml:"apis"`
			Data map[string]any `yaml:"data"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &results); err != nil {
		return nil, fmt.Errorf("results.yaml: %w", err)
	}
	if len(results.Config.APIs) == 0 || len(results.Config.Data) == 0 {
		return nil, fmt.Errorf("results.yaml has no config.apis or config.data")
	}
	var off []string
	collectOff("apis", results.Config.APIs, &off)
	collectOff("data", results.Config.Data, &off)
	slices.Sort(off)
	return off, nil
}

func collectOff(prefix string, m map[string]any, off *[]string) {
	for k, v := range m {
		switch v := v.(type) {
		case bool:
			if !v {
				*off = append(*off, prefix+"."+k)
			}
		case map[string]any:
			collectOff(prefix+"."+k, v, off)
		}
	}
}
