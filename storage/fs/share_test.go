package fs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/pier-registry/pier/storage/fs"
)

// helperEnv, when set, makes the test binary a second pier-like process
// that churns the root named by the variable (see TestMain).
const helperEnv = "PIER_FS_TEST_CHURN_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(helperEnv); root != "" {
		if err := churn(context.Background(), root, "child"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// churn puts, reads, commits and deletes keys beside those of other
// churners in the same deep directory, so that each one's Delete prunes
// directories the others are about to write into.
func churn(ctx context.Context, root, name string) error {
	d, err := fs.New(root)
	if err != nil {
		return err
	}
	for i := range 200 {
		key := fmt.Sprintf("shared/deep/dir/%s-%d", name, i%3)
		want := []byte(fmt.Sprintf("%s %d", name, i))
		if i%4 == 0 {
			err = commitValue(ctx, d, key, want)
		} else {
			err = d.Put(ctx, key, want)
		}
		if err != nil {
			return fmt.Errorf("%s: write %d: %w", name, i, err)
		}
		r, _, err := d.Open(ctx, key)
		if err != nil {
			return fmt.Errorf("%s: open %d: %w", name, i, err)
		}
		got := new(bytes.Buffer)
		_, err = got.ReadFrom(r)
		r.Close()
		if err != nil || !bytes.Equal(got.Bytes(), want) {
			return fmt.Errorf("%s: read %d: %q, %v; want %q", name, i, got, err, want)
		}
		if err := d.Delete(ctx, key); err != nil {
			return fmt.Errorf("%s: delete %d: %w", name, i, err)
		}
	}
	return nil
}

func commitValue(ctx context.Context, d *fs.Driver, key string, data []byte) error {
	u, err := d.Upload(ctx, "")
	if err != nil {
		return err
	}
	if _, err := u.Write(data); err != nil {
		return err
	}
	return u.Commit(ctx, key)
}

// TestConcurrentPrune races Put, Commit and Delete of neighbouring keys in
// one process: pruning must never make a write fail.
func TestConcurrentPrune(t *testing.T) {
	_, root := newDriver(t)
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		wg.Go(func() {
			if err := churn(t.Context(), root, name); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	checkBare(t, root)
}

// TestProcessesShareRoot runs a second process on the same root, as pier
// serve and pier gc would.
func TestProcessesShareRoot(t *testing.T) {
	_, root := newDriver(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the second process: %v", err)
	}
	if err := churn(t.Context(), root, "parent"); err != nil {
		t.Error(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("second process: %v\n%s", err, stderr.Bytes())
	}
	checkBare(t, root)
}

// TestResumeInAnotherDriver resumes an upload through a second Driver on
// the same root, as another process would.
func TestResumeInAnotherDriver(t *testing.T) {
	d1, root := newDriver(t)
	d2, err := fs.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	u, err := d1.Upload(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write([]byte("first half, ")); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	u2, err := d2.Upload(ctx, u.ID())
	if err != nil {
		t.Fatalf("resuming in the second driver: %v", err)
	}
	if _, err := u2.Write([]byte("second half")); err != nil {
		t.Fatal(err)
	}
	if err := u2.Commit(ctx, "x/blob"); err != nil {
		t.Fatal(err)
	}
	r, _, err := d1.Open(ctx, "x/blob")
	if err != nil {
		t.Fatal(err)
	}
	got := new(bytes.Buffer)
	_, err = got.ReadFrom(r)
	r.Close()
	if err != nil || got.String() != "first half, second half" {
		t.Errorf("read %q, %v", got, err)
	}
	if err := d1.Delete(ctx, "x/blob"); err != nil {
		t.Fatal(err)
	}
	checkBare(t, root)
}
