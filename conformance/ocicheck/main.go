// Command ocicheck judges a run of the OCI distribution-spec conformance
// suite from its results directory, because the suite itself exits 0 even
// when its configuration failed to load.
//
//	ocicheck RESULTS_DIR
//
// It requires results.yaml, junit.xml and report.html; every API and data
// option of the suite's configuration switched on; and no test failed,
// errored, skipped or disabled. It prints each such test with its messages
// and exits 1, or exits 0 with a count line.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ocicheck RESULTS_DIR")
		os.Exit(2)
	}
	if err := check(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ocicheck:", err)
		os.Exit(1)
	}
}

// detailed is how many failing tests are shown with their requests; the
// rest get a line each, as a registry that fails hundreds of tests usually
// fails them for a handful of reasons.
const detailed = 20

// check judges the results in dir, writing the report to w.
func check(dir string, w io.Writer) error {
	off, err := disabledOptions(dir)
	if err != nil {
		return err
	}
	suites, err := readJUnit(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir + "/report.html"); err != nil {
		return fmt.Errorf("no report.html: %w", err)
	}
	bad := suites.notPassed()
	for i, tc := range bad {
		tc.print(w, i < detailed)
	}
	if len(off) > 0 {
		fmt.Fprintf(w, "options not switched on: %v\n", off)
	}
	c := suites.counts()
	fmt.Fprintf(w, "conformance: %d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped)
	switch {
	case len(off) > 0:
		return fmt.Errorf("the suite did not run with every option on")
	case len(bad) > 0 || c.failed > 0 || c.skipped > 0:
		return fmt.Errorf("%d test cases did not pass (details in %s/report.html)", len(bad), dir)
	case c.passed == 0:
		return fmt.Errorf("no test ran")
	}
	return nil
}
