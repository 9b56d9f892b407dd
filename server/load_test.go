package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env returns a LookupFunc over vars only, so tests never see the real
// environment.
func env(vars map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "---\n"} {
		cfg, err := Parse([]byte(in), env(nil))
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("defaults from %q invalid: %v", in, err)
		}
		if cfg.Addr != DefaultAddr || cfg.Storage.FS == nil || cfg.Storage.FS.Root != DefaultDataDir {
			t.Errorf("Parse(%q) = %+v, want the defaults", in, cfg)
		}
	}
}

func TestParseOverridesOnlyWhatIsSet(t *testing.T) {
	cfg, err := Parse([]byte("addr: 127.0.0.1:6000\nhttp:\n  idleTimeout: 5m\nlog:\n  format: json\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:6000" || cfg.HTTP.IdleTimeout != 5*time.Minute || cfg.Log.Format != "json" {
		t.Errorf("settings not applied: %+v", cfg)
	}
	if cfg.HTTP.ReadHeaderTimeout != DefaultReadHeaderTimeout || cfg.Log.Level != DefaultLogLevel ||
		cfg.HTTP.MaxHeaderBytes != DefaultMaxHeaderBytes || cfg.Storage.FS.Root != DefaultDataDir {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		vars     map[string]string
		want     []string // substrings of the error
	}{
		{"unknown top-level key", "addr: :5000\nadress: :6000\n", nil,
			[]string{`line 2: unknown key "adress"`}},
		{"unknown nested key", "log:\n  level: info\n  colour: true\n", nil,
			[]string{`line 3: unknown key "colour" (at log.colour)`}},
		{"two unknown keys", "http:\n  readTimeout: 1s\nstorage:\n  fs:\n    path: /x\n", nil,
			[]string{`line 2: unknown key "readTimeout" (at http.readTimeout)`, `line 5: unknown key "path" (at storage.fs.path)`}},
		{"bad duration", "http:\n  idleTimeout: soon\n", nil,
			[]string{"line 2", "soon", "time.Duration"}},
		{"bad number", "http:\n  maxHeaderBytes: lots\n", nil,
			[]string{"line 2", "lots"}},
		{"missing variable", "addr: :5000\nlog:\n  level: ${PIER_TEST_LEVEL}\n", nil,
			[]string{"line 3", "PIER_TEST_LEVEL is not set"}},
		{"bad variable name", "addr: ${1X}\n", nil,
			[]string{"line 1", `"1X" is not a valid environment variable name`}},
		{"unclosed reference", "addr: ${PORT\n", map[string]string{"PORT": "1"},
			[]string{"line 1", "unclosed ${"}},
		{"syntax error", "addr: [\n", nil, []string{"line"}},
		{"two documents", "addr: :1\n---\naddr: :2\n", nil, []string{"more than one YAML document"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in), env(tc.vars))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseExpandsEnvironment(t *testing.T) {
	vars := map[string]string{"HOST": "127.0.0.1", "PORT": "7000", "IDLE": "90s", "HEADER": "8192",
		"ROOT": "/srv/pier: with # yaml: chars\n- and a line"}
	in := "addr: ${HOST}:${PORT}\n" +
		"http:\n  idleTimeout: ${IDLE}\n  maxHeaderBytes: ${HEADER}\n" +
		"storage:\n  fs:\n    root: \"${ROOT}\"\n" +
		"log:\n  level: ${UNSET_LEVEL:-debug}\n  format: '$${literal}'\n"
	cfg, err := Parse([]byte(in), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" || cfg.HTTP.IdleTimeout != 90*time.Second || cfg.HTTP.MaxHeaderBytes != 8192 {
		t.Errorf("typed values not expanded: %+v", cfg)
	}
	if cfg.Storage.FS.Root != vars["ROOT"] {
		t.Errorf("root = %q: a value must never be parsed as YAML", cfg.Storage.FS.Root)
	}
	if cfg.Log.Level != "debug" || cfg.Log.Format != "${literal}" {
		t.Errorf("fallback or escape wrong: %+v", cfg.Log)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pier.yaml")
	if err := os.WriteFile(path, []byte("addr: :6000\nlog:\n  level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(map[string]string{EnvLogLevel: "debug", EnvData: "/var/lib/pier"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":6000" || cfg.Log.Level != "debug" || cfg.Storage.FS.Root != "/var/lib/pier" {
		t.Errorf("file then environment not applied: %+v", cfg)
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: error %v does not name it", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("nope: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad, env(nil))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), `line 1: unknown key "nope"`) {
		t.Errorf("bad file: error %v does not name the file, line and key", err)
	}
}

func TestLoadWithoutFile(t *testing.T) {
	cfg, err := Load("", env(map[string]string{EnvAddr: "127.0.0.1:0", EnvLogFormat: "json"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:0" || cfg.Log.Format != "json" || cfg.Storage.FS.Root != DefaultDataDir {
		t.Errorf("got %+v", cfg)
	}
}
