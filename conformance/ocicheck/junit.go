package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The parts of the suite's junit.xml that matter here. The suite puts a
// test's error messages in system-out and its requests in system-err.
type junitSuites struct {
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Disabled int         `xml:"disabled,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name   string `xml:"name,attr"`
	Status string `xml:"status,attr"`
	Errors string `xml:"system-out"`
	Output string `xml:"system-err"`
}

func readJUnit(dir string) (*junitSuites, error) {
	data, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		return nil, fmt.Errorf("no junit.xml: %w", err)
	}
	var s junitSuites
	if err := xml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("junit.xml: %w", err)
	}
	return &s, nil
}

func (s *junitSuites) notPassed() []junitCase {
	var out []junitCase
	for _, suite := range s.Suites {
		for _, tc := range suite.Cases {
			if tc.Status != "passed" {
				out = append(out, tc)
			}
		}
	}
	return out
}

type counts struct{ passed, failed, skipped int }

// counts adds up the suite's own tallies, which count every check made
// (a test case may make several), as its "OCI Conformance Result" does.
func (s *junitSuites) counts() counts {
	var c counts
	for _, suite := range s.Suites {
		c.failed += suite.Failures + suite.Errors
		c.skipped += suite.Skipped + suite.Disabled
		c.passed += suite.Tests - suite.Failures - suite.Errors - suite.Skipped - suite.Disabled
	}
	return c
}

// outputLines is how much of a test's request log is shown; the rest is in
// report.html.
const outputLines = 25

// print writes the test's name and errors, and with detail the start of
// its requests too; without, only the first error line.
func (tc junitCase) print(w io.Writer, detail bool) {
	msg := strings.TrimSpace(tc.Errors)
	if !detail {
		first, _, _ := strings.Cut(msg, "\n")
		fmt.Fprintf(w, "--- %s: %s: %s\n", strings.ToUpper(tc.Status), tc.Name, first)
		return
	}
	fmt.Fprintf(w, "--- %s: %s\n", strings.ToUpper(tc.Status), tc.Name)
	if msg != "" {
		fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(msg, "\n", "\n    "))
	}
	lines := strings.Split(strings.TrimSpace(tc.Output), "\n")
	if len(lines) > outputLines {
		lines = append(lines[:outputLines], fmt.Sprintf("(%d more lines in report.html)", len(lines)-outputLines))
	}
	if len(lines) > 0 && lines[0] != "" {
		fmt.Fprintf(w, "    | %s\n", strings.Join(lines, "\n    | "))
	}
}
