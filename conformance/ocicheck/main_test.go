package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const allOn = `config:
  registry: 127.0.0.1:5000
  apis:
    ping: true
    pull: true
    blobs:
      atomic: true
      uploadCancel: true
    referrer: true
  data:
    image: true
    sparse: true
`

const junitPass = `<testsuites time="1.0" tests="3">
  <testsuite name="OCI Conformance Test" tests="3" failures="0" errors="0" time="1.0">
    <testcase name="OCI Conformance Test/ping" classname="" time="0.1" status="passed"><system-err>GET /v2/</system-err></testcase>
    <testcase name="OCI Conformance Test/sha256 blobs/get-missing" classname="" time="0.1" status="passed"></testcase>
  </testsuite>
</testsuites>`

const junitFail = `<testsuites time="1.0" tests="4" failures="1" skipped="1">
  <testsuite name="OCI Conformance Test" tests="4" failures="1" errors="0" skipped="1" time="1.0">
    <testcase name="OCI Conformance Test/ping" classname="" time="0.1" status="passed"></testcase>
    <testcase name="OCI Conformance Test/sha256 blobs/post cancel" classname="" time="0.1" status="failure">
      <system-out>unexpected status code, expected 204, received 404</system-out>
      <system-err>DELETE /v2/conformance/repo1/blobs/uploads/abc&#xA;404 Not Found</system-err>
    </testcase>
    <testcase name="OCI Conformance Test/referrers" classname="" time="0.1" status="skipped">
      <system-out>registry returned status 404</system-out>
    </testcase>
  </testsuite>
</testsuites>`

// results writes a results directory holding the given files.
func results(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		files   map[string]string
		wantErr string   // "" for a pass
		wantOut []string // substrings of the report
	}{
		{"pass", map[string]string{"results.yaml": allOn, "junit.xml": junitPass, "report.html": "<html>"},
			"", []string{"conformance: 3 passed, 0 failed, 0 skipped"}},
		{"failures and skips are listed", map[string]string{"results.yaml": allOn, "junit.xml": junitFail, "report.html": "<html>"},
			"2 test cases did not pass", []string{
				"--- FAILURE: OCI Conformance Test/sha256 blobs/post cancel",
				"expected 204, received 404",
				"| DELETE /v2/conformance/repo1/blobs/uploads/abc",
				"--- SKIPPED: OCI Conformance Test/referrers",
				"conformance: 2 passed, 1 failed, 1 skipped",
			}},
		{"config never loaded", map[string]string{"junit.xml": junitPass, "report.html": "<html>"},
			"no results.yaml, so the suite did not run", nil},
		{"an option left off", map[string]string{
			"results.yaml": strings.Replace(allOn, "uploadCancel: true", "uploadCancel: false", 1),
			"junit.xml":    junitPass, "report.html": "<html>"},
			"did not run with every option on", []string{"apis.blobs.uploadCancel"}},
		{"no junit", map[string]string{"results.yaml": allOn, "report.html": "<html>"}, "no junit.xml", nil},
		{"broken junit", map[string]string{"results.yaml": allOn, "junit.xml": "<testsuites", "report.html": "<html>"},
			"junit.xml", nil},
		{"no report", map[string]string{"results.yaml": allOn, "junit.xml": junitPass}, "no report.html", nil},
		{"nothing ran", map[string]string{"results.yaml": allOn, "report.html": "<html>",
			"junit.xml": `<testsuites><testsuite name="x" tests="0"></testsuite></testsuites>`}, "no test ran", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := check(results(t, tc.files), &out)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("check = %v, want an error containing %q", err, tc.wantErr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
