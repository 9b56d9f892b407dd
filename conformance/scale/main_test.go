package scale

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is pier as compiled once for the whole test run.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// pierBinary returns $PIER_BIN when set, else pier built from this module
// the first time it is asked for, so that skipped tests build nothing.
func pierBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("PIER_BIN"); bin != "" {
		return bin
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "pier-scale-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "pier")
		cmd := exec.Command("go", "build", "-o", built.bin, "github.com/pier-registry/pier/cmd/pier")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build ./cmd/pier: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}
