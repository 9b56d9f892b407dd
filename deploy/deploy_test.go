// Package deploy holds deployment files, not Go code; this test keeps
// them consistent with pier: the configurations they carry load and
// validate, the probes hit pier's endpoints, the secrets they reference
// exist, and the shutdown grace outlasts pier's own drain timeout.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pier-registry/pier/server"
)

// fakeEnv answers every ${NAME} the deployment files use.
func fakeEnv(name string) (string, bool) {
	return "value-of-" + strings.ReplaceAll(strings.ToLower(name), "_", "-"), true
}

// loadConfig parses and validates a pier configuration file's text.
func loadConfig(t *testing.T, where string, text []byte) server.Config {
	t.Helper()
	cfg, err := server.Parse(text, fakeEnv)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("%s: invalid: %v", where, err)
	}
	return cfg
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// docs decodes every YAML document of a file.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(read(t, path)))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, doc)
	}
}

// at walks a decoded document along keys (strings) and list indexes (ints).
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not a mapping before %q", path, k)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: no item %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

func TestDockerfile(t *testing.T) {
	text := string(read(t, "Dockerfile"))
	for _, want := range []string{
		"\nFROM scratch\n",
		"\nUSER 65532:65532\n",
		`CMD ["/pier", "healthcheck"]`,
		`ENTRYPOINT ["/pier"]`,
		"COPY --chown=65532:65532 data /data",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// A syntax directive makes BuildKit pull a frontend image from a
	// registry, which an offline build cannot.
	if strings.Contains(text, "# syntax=") {
		t.Error("Dockerfile has a syntax directive")
	}
}

func TestComposeConfig(t *testing.T) {
	cfg := loadConfig(t, "pier-s3.yaml", read(t, "pier-s3.yaml"))
	if cfg.Storage.S3 == nil || cfg.Storage.S3.Endpoint != "value-of-pier-s3-endpoint" {
		t.Errorf("pier-s3.yaml does not take S3 from the environment: %+v", cfg.Storage.S3)
	}
	compose := docs(t, "compose.yaml")[0]
	pier := at(t, compose, "services", "pier")
	if vol := at(t, pier, "volumes", 0); vol != "./pier-s3.yaml:/etc/pier/config.yaml:ro" {
		t.Errorf("pier's config volume is %v", vol)
	}
	if cmd := at(t, pier, "command"); !slices.Equal(toStrings(cmd), []string{"serve", "--config", "/etc/pier/config.yaml"}) {
		t.Errorf("pier's command is %v", cmd)
	}
	env := at(t, pier, "environment").(map[string]any)
	for _, name := range []string{"PIER_ADMIN_PASSWORD", "PIER_S3_ENDPOINT", "PIER_S3_ACCESS_KEY", "PIER_S3_SECRET_KEY"} {
		if _, ok := env[name]; !ok {
			t.Errorf("compose.yaml does not set %s for pier", name)
		}
	}
	grace, err := time.ParseDuration(at(t, pier, "stop_grace_period").(string))
	if err != nil || grace <= cfg.HTTP.ShutdownTimeout {
		t.Errorf("stop_grace_period %v does not outlast http.shutdownTimeout %v", grace, cfg.HTTP.ShutdownTimeout)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func TestKubernetes(t *testing.T) {
	kust := docs(t, filepath.Join("kubernetes", "kustomization.yaml"))[0]
	objects := map[string]map[string]any{}
	for _, f := range toStrings(at(t, kust, "resources")) {
		for _, doc := range docs(t, filepath.Join("kubernetes", f)) {
			objects[doc["kind"].(string)] = doc
		}
	}
	for _, kind := range []string{"Deployment", "Service", "Secret", "ConfigMap", "PodDisruptionBudget"} {
		if objects[kind] == nil {
			t.Fatalf("no %s among the kustomization's resources", kind)
		}
	}
	cfg := loadConfig(t, "configmap.yaml", []byte(at(t, objects["ConfigMap"], "data", "config.yaml").(string)))
	if cfg.Storage.S3 == nil {
		t.Error("the Kubernetes configuration does not use S3: replicas could not share storage")
	}

	dep := objects["Deployment"]
	if n := at(t, dep, "spec", "replicas").(int); n < 2 {
		t.Errorf("%d replicas", n)
	}
	pod := at(t, dep, "spec", "template", "spec")
	grace := time.Duration(at(t, pod, "terminationGracePeriodSeconds").(int)) * time.Second
	if grace <= cfg.HTTP.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v does not outlast http.shutdownTimeout %v", grace, cfg.HTTP.ShutdownTimeout)
	}
	if at(t, pod, "securityContext", "runAsNonRoot") != true {
		t.Error("pods may run as root")
	}
	c := at(t, pod, "containers", 0)
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		if got := at(t, c, probe, "httpGet", "path"); got != path {
			t.Errorf("%s GETs %v, want %s", probe, got, path)
		}
	}
	port := at(t, c, "ports", 0, "containerPort").(int)
	if want := ":" + strconv.Itoa(port); cfg.Addr != want {
		t.Errorf("the container port %d is not where pier listens (%s)", port, cfg.Addr)
	}
	if at(t, objects["Service"], "spec", "ports", 0, "targetPort") != at(t, c, "ports", 0, "name") {
		t.Error("the Service does not target the container's port")
	}
	secret := at(t, objects["Secret"], "stringData").(map[string]any)
	for _, e := range at(t, c, "env").([]any) {
		ref := at(t, e, "valueFrom", "secretKeyRef").(map[string]any)
		if ref["name"] != at(t, objects["Secret"], "metadata", "name") || secret[ref["key"].(string)] == nil {
			t.Errorf("env %v refers to %v, which the Secret lacks", at(t, e, "name"), ref)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	set := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(read(t, filepath.Join("systemd", "pier.service"))))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			set[k] = append(set[k], v)
		}
	}
	for k, v := range map[string]string{
		"User": "pier", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "", "KillSignal": "SIGTERM",
		"RestrictNamespaces": "yes", "MemoryDenyWriteExecute": "yes", "StateDirectory": "pier",
	} {
		if !slices.Contains(set[k], v) {
			t.Errorf("pier.service: want %s=%s, have %v", k, v, set[k])
		}
	}
	stop, err := time.ParseDuration(set["TimeoutStopSec"][0])
	if err != nil || stop <= server.DefaultShutdownTimeout {
		t.Errorf("TimeoutStopSec %v does not outlast the default shutdown timeout", set["TimeoutStopSec"])
	}
	if !strings.Contains(set["ExecStart"][0], "pier serve --config /etc/pier/config.yaml") {
		t.Errorf("ExecStart %q", set["ExecStart"])
	}
}
