package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// savedImage writes a random image of 3 layers as a docker-load tar
// named tag (go-containerregistry's writer) and returns its path and the
// image's config digest, which docker calls its ID.
func savedImage(t *testing.T, tag string) (string, string) {
	t.Helper()
	img, err := random.Image(2048, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "saved.tar")
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatal(err)
	}
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return p, id.String()
}

var importedLine = regexp.MustCompile(`^imported (\S+) \((sha256:[0-9a-f]{64})\)$`)

// TestImportExportImages runs the three commands on a data directory: a
// saved image goes in, is listed, goes out, and comes back the same.
func TestImportExportImages(t *testing.T) {
	clearEnv(t)
	data := "--data=" + t.TempDir()
	saved, _ := savedImage(t, "example.com/team/app:1")
	out, errOut, err := runWith(t, "", "import", data, saved)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	m := importedLine.FindStringSubmatch(strings.TrimSpace(out))
	if m == nil || m[1] != "team/app:1" {
		t.Fatalf("import printed %q", out)
	}
	digest := m[2]
	tarBytes, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := runWith(t, string(tarBytes), "import", data, "-", "--tag", "team/app:2", "-q"); err != nil || out != "" {
		t.Fatalf("import - -q: %v %q", err, out)
	}

	out, _, err = runWith(t, "", "images", data)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "REPOSITORY") {
		t.Fatalf("images: %v\n%s", err, out)
	}
	row := strings.Fields(lines[1])
	if row[0] != "team/app" || row[1] != "1" || !strings.HasPrefix(digest, row[2]) || !strings.HasSuffix(row[3], "kB") {
		t.Errorf("images row %q", lines[1])
	}
	out, _, _ = runWith(t, "", "images", data, "-q", "--filter", "reference=*/*:2")
	if out != "team/app:2\n" {
		t.Errorf("images -q --filter: %q", out)
	}
	out, _, _ = runWith(t, "", "images", data, "team/app", "--format", "json")
	var first struct {
		Repository, Tag, Digest string
		Size                    int64
	}
	if err := json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &first); err != nil || first.Digest != digest || first.Size < 6000 {
		t.Errorf("images --format json: %v %q", err, out)
	}

	tarPath := filepath.Join(t.TempDir(), "out.tar")
	if _, errOut, err := runWith(t, "", "export", data, "team/app:1", "team/app:2", "-o", tarPath); err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	other := "--data=" + t.TempDir()
	if _, errOut, err := runWith(t, "", "import", other, tarPath); err != nil {
		t.Fatalf("import of the export: %v\n%s", err, errOut)
	}
	out, _, _ = runWith(t, "", "images", other, "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}")
	if want := "team/app:1 " + digest + "\nteam/app:2 " + digest + "\n"; out != want {
		t.Errorf("after the round trip: %q, want %q", out, want)
	}
}

func TestArchiveCommandErrors(t *testing.T) {
	clearEnv(t)
	data := "--data=" + t.TempDir()
	saved, _ := savedImage(t, "app:1")
	junk := filepath.Join(t.TempDir(), "junk.tar")
	if err := os.WriteFile(junk, []byte("not a tar at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", data, filepath.Join(t.TempDir(), "nothere.tar")}, "no such file"},
		{[]string{"import", data, junk}, "not an image archive"},
		{[]string{"import", data, saved, "--tag", "BAD:1"}, "--tag"},
		{[]string{"import", data, saved, "--username", "alice"}, "go with --registry"},
		{[]string{"import", "-", "--registry", "http://127.0.0.1:1", "--username", "a", "--password-stdin"}, "standard input"},
		{[]string{"import", data, saved, "--registry", "http://127.0.0.1:1", "--username", "a"}, "PIER_PASSWORD"},
		{[]string{"export", data, "app:1"}, "-o FILE"},
		{[]string{"export", data, "app:1", "-o", "x.tar", "--platform", "linux"}, "--platform"},
		{[]string{"export", data, "nothere:1", "-o", filepath.Join(t.TempDir(), "x.tar")}, "not found"},
		{[]string{"images", data, "--format", "yaml"}, "--format"},
		{[]string{"images", data, "--filter", "colour=red"}, "unknown key"},
		{[]string{"images", data, "app:1"}, "not a repository name"},
	} {
		if _, _, err := runWith(t, "", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("pier %s: %v, want an error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// TestArchiveCommandsRemote runs import, images and export against a
// running pier with auth, logged in as admin.
func TestArchiveCommandsRemote(t *testing.T) {
	clearEnv(t)
	const password = "admin-password-for-tests"
	t.Setenv("PIER_ADMIN_PASSWORD", password)
	addr := startServe(t, "--data", t.TempDir())
	remote := []string{"--registry", "http://" + addr, "--username", "admin"}
	saved, _ := savedImage(t, "admin/app:1")

	out, errOut, err := runWith(t, password+"\n", append([]string{"import", saved, "--password-stdin"}, remote...)...)
	if err != nil || !importedLine.MatchString(strings.TrimSpace(out)) {
		t.Fatalf("import: %v %q\n%s", err, out, errOut)
	}
	digest := importedLine.FindStringSubmatch(strings.TrimSpace(out))[2]
	t.Setenv("PIER_PASSWORD", password)
	out, _, err = runWith(t, "", append([]string{"images", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"}, remote...)...)
	if err != nil || out != "admin/app:1 "+digest+"\n" {
		t.Errorf("images: %v %q", err, out)
	}
	tarPath := filepath.Join(t.TempDir(), "out.tar")
	if _, errOut, err := runWith(t, "", append([]string{"export", "admin/app:1", "-o", tarPath}, remote...)...); err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	t.Setenv("PIER_PASSWORD", "wrong")
	if _, _, err := runWith(t, "", append([]string{"images"}, remote...)...); err == nil || !strings.Contains(err.Error(), "logging in") {
		t.Errorf("wrong password: %v", err)
	}
}
