// Command bench measures pier beside CNCF Distribution on the same machine,
// with the same client and workload, and writes the medians as a table.
// It starts every server itself on free loopback ports and stops them by
// pid. See BENCHMARKS.md for what it measures and `make bench` for how it is
// run:
//
//	bench -pier PIER -registry REGISTRY -nginx NGINX [-s3] [-out BENCHMARKS.md]
//	bench ceiling ADDR DIR [-durable]    the hash-and-write reference server
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command-line settings of one run.
type options struct {
	pier, registry, nginx string
	work                  string
	out, command          string
	pierVersion           string
	rounds                int
	blobMiB, chunkMiB     int
	duration              time.Duration
	conns                 int
	tags, repos, page     int
	tagConns              int
	only                  string
	s3                    bool
	minioPID              int
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.pier, "pier", "", "pier binary (required)")
	fs.StringVar(&o.registry, "registry", "", "CNCF Distribution registry binary (required)")
	fs.StringVar(&o.nginx, "nginx", "", "nginx binary (required)")
	fs.StringVar(&o.work, "work", "", "scratch directory for data and logs (required)")
	fs.StringVar(&o.out, "out", "", "write the results as Markdown to this file")
	fs.StringVar(&o.command, "command", "make bench", "the command to name in the report")
	fs.StringVar(&o.pierVersion, "pier-version", "(unknown version)", "how to name the pier build in the report")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; every figure is the median over them")
	fs.IntVar(&o.blobMiB, "blob-mib", 256, "size of each pushed and pulled blob, MiB")
	fs.IntVar(&o.chunkMiB, "chunk-mib", 16, "PATCH chunk size of chunked pushes, MiB")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured window of each small-request run")
	fs.IntVar(&o.conns, "conns", 32, "concurrency of small-request runs")
	fs.IntVar(&o.tags, "tags", 2000, "tags pushed, then listed")
	fs.IntVar(&o.repos, "repos", 500, "repositories in the catalog")
	fs.IntVar(&o.page, "page", 100, "page size of paginated listings")
	fs.IntVar(&o.tagConns, "tag-conns", 8, "concurrency of tagging")
	fs.StringVar(&o.only, "only", "", "run only these groups, comma-separated: transfer, small, list (for profiling)")
	fs.BoolVar(&o.s3, "s3", false, "also run the push and pull rows on S3 (MinIO from PIER_TEST_S3_*)")
	fs.IntVar(&o.minioPID, "minio-pid", 0, "pid of that MinIO, to add its CPU time to the S3 rows")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return o, o.check()
}

func (o *options) check() error {
	switch {
	case o.pier == "" || o.registry == "" || o.nginx == "" || o.work == "":
		return fmt.Errorf("-pier, -registry, -nginx and -work are required")
	case o.rounds < 1 || o.blobMiB < 1 || o.chunkMiB < 1 || o.conns < 1 || o.tagConns < 1:
		return fmt.Errorf("-rounds, -blob-mib, -chunk-mib, -conns and -tag-conns must be positive")
	case o.duration < 100*time.Millisecond:
		return fmt.Errorf("-duration must be at least 100ms")
	case o.repos < o.rounds+2:
		// Pushes use one repository of the catalog, small requests
		// another, and tagging a fresh one per round.
		return fmt.Errorf("-repos must be at least rounds+2")
	case o.tags < 1 || o.page < 1:
		return fmt.Errorf("-tags and -page must be positive")
	}
	for g := range strings.SplitSeq(o.only, ",") {
		if g != "" && g != "transfer" && g != "small" && g != "list" {
			return fmt.Errorf("-only: unknown group %q (want transfer, small or list)", g)
		}
	}
	return nil
}

// runs reports whether the scenario group g is on.
func (o *options) runs(g string) bool {
	return o.only == "" || slices.Contains(strings.Split(o.only, ","), g)
}

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "ceiling" {
		err = runCeiling(os.Args[2:])
	} else {
		err = runBench(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func runBench(args []string) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o, started: time.Now()}
	defer b.stopAll()
	if err := b.run(ctx); err != nil {
		return err
	}
	return b.report()
}
