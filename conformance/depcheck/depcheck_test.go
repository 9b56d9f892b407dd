// Package depcheck keeps the architecture's rule that dependencies only
// point down: client → server → handlers → auth/storage → drivers. It reads
// each package's direct imports with `go list` and fails on a forbidden one.
package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/pier-registry/pier/"

// rules: a package (or a prefix ending in "/...") must not import these
// (a prefix ending in "/..." covers a module and its packages).
var rules = []struct {
	pkg       string
	forbidden []string
}{
	// storage is registry semantics only: no HTTP, no knowledge of drivers.
	{"storage", []string{"net/http", module + "storage/fs", module + "storage/s3", module + "storage/mem", module + "handlers", module + "auth", module + "server"}},
	{"storage/fs", []string{"net/http", module + "handlers", module + "auth", module + "server"}},
	{"storage/mem", []string{"net/http", module + "handlers", module + "auth", module + "server"}},
	{"storage/s3", []string{module + "handlers", module + "auth", module + "server"}},
	// handlers turn requests into one store call: no driver, no JWT.
	{"handlers", []string{"github.com/minio/minio-go/...", "github.com/golang-jwt/jwt/...", module + "storage/fs", module + "storage/s3", module + "server", module + "cmd/..."}},
	// auth decides who asks; it knows storage.Driver, not the API or server.
	{"auth", []string{"github.com/minio/minio-go/...", module + "handlers", module + "server", module + "storage/fs", module + "storage/s3"}},
	{"events", []string{module + "handlers", module + "server", module + "storage/..."}},
	{"server", []string{module + "cmd/..."}},
}

func TestDependenciesPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	for _, r := range rules {
		list, ok := imports[r.pkg]
		if !ok {
			t.Errorf("package %s not found; update the rules", r.pkg)
			continue
		}
		for _, imp := range list {
			for _, bad := range r.forbidden {
				if matches(imp, bad) {
					t.Errorf("%s imports %s, which it must not", r.pkg, imp)
				}
			}
		}
	}
}

func matches(imp, pattern string) bool {
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return imp == p || strings.HasPrefix(imp, p+"/")
	}
	return imp == pattern
}
