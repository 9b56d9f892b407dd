package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/server"
	"github.com/pier-registry/pier/storage"
)

func newGCCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete what no tag needs, while the registry keeps serving",
		Long: "Collect garbage: apply the retention rules of the configuration, then delete\n" +
			"the manifests, blob links and blobs that nothing reaches from a tag and that\n" +
			"are older than the grace period, and cancel upload sessions idle for a day.\n" +
			"pier serve may keep running, on this host or on others sharing the storage;\n" +
			"one collector runs at a time. Defaults come from the gc: section.",
		Example: "  pier gc --dry-run\n  pier gc --untagged --grace 2h",
		Args:    cobra.NoArgs,
		RunE:    runGC,
	}
	f := cmd.Flags()
	f.Bool("dry-run", false, "report what would be deleted, delete nothing")
	f.Bool("untagged", false, "also delete manifests no tag reaches (default: gc.untagged)")
	f.String("grace", "", "keep anything `newer` than this, such as 1h or 2d (default: gc.grace)")
	f.BoolP("quiet", "q", false, "no progress on stderr")
	return cmd
}

// openStore opens the configured storage as a Store with the policies of
// the configuration applied.
func openStore(cmd *cobra.Command) (*storage.Store, server.Config, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	d, err := driverFor(cmd.Context(), cfg.Storage)
	if err != nil {
		return nil, cfg, err
	}
	s := storage.New(d)
	return s, cfg, s.SetPolicies(cfg.Policies)
}

func runGC(cmd *cobra.Command, _ []string) error {
	s, cfg, err := openStore(cmd)
	if err != nil {
		return err
	}
	o, err := gcOptions(cmd, cfg.GC)
	if err != nil {
		return err
	}
	if quiet, _ := cmd.Flags().GetBool("quiet"); !quiet {
		p := newGCProgress(cmd.ErrOrStderr())
		defer p.done()
		o.Progress = p.report
	}
	rep, err := s.CollectGarbage(cmd.Context(), o)
	if err != nil {
		return err
	}
	printGCReport(cmd.OutOrStdout(), rep)
	for _, w := range rep.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "pier gc: warning:", w)
	}
	return nil
}

// gcOptions reads the flags over the configuration's gc: section.
func gcOptions(cmd *cobra.Command, c storage.GCConfig) (storage.GCOptions, error) {
	f := cmd.Flags()
	o := storage.GCOptions{Untagged: c.Untagged, Grace: time.Duration(c.Grace)}
	o.DryRun, _ = f.GetBool("dry-run")
	if f.Changed("untagged") {
		o.Untagged, _ = f.GetBool("untagged")
	}
	if f.Changed("grace") {
		s, _ := f.GetString("grace")
		g, err := storage.ParseDuration(s)
		if err != nil {
			return o, fmt.Errorf("--grace: %w", err)
		}
		if g < storage.MinGrace {
			return o, fmt.Errorf("--grace: want at least %v, and longer than any push", storage.MinGrace)
		}
		o.Grace = g
	}
	return o, nil
}

// printGCReport writes counts and bytes, one line each.
func printGCReport(w io.Writer, r *storage.GCReport) {
	verb := "deleted"
	if r.DryRun {
		verb = "would delete"
	}
	mode := "manifests without tags kept"
	if r.Untagged {
		mode = "manifests without tags deleted"
	}
	fmt.Fprintf(w, "garbage collection of %d repositories (grace %v, %s):\n", r.Repositories, storage.Duration(r.Grace), mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range []struct {
		what  string
		n     int
		extra string
	}{
		{"expired tags (retention)", len(r.ExpiredTags), ""},
		{"manifests", r.Manifests, ""},
		{"blob links", r.Links, ""},
		{"blobs", r.Blobs, humanBytes(r.BlobBytes)},
		{"empty repositories (catalog)", r.Catalog, ""},
		{"stale upload sessions", r.Uploads, ""},
		{"expired tombstones", r.Tombstones, ""},
	} {
		fmt.Fprintf(tw, "  %s %s\t%d\t%s\n", verb, row.what, row.n, row.extra)
	}
	tw.Flush()
	if r.Kept > 0 {
		fmt.Fprintf(w, "  kept %d candidates that pushes used during the sweep\n", r.Kept)
	}
	if r.DryRun {
		for _, t := range r.ExpiredTags {
			fmt.Fprintf(w, "  would expire %s\n", t)
		}
		return
	}
	fmt.Fprintf(w, "done in %v\n", r.Duration.Round(time.Millisecond))
}

// humanBytes writes n in SI units, as docker does: 0 B, 1.5 kB, 12 MB.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for v >= unit && exp < 4 {
		v /= unit
		exp++
	}
	s := fmt.Sprintf("%.1f", v)
	if v >= 100 {
		s = fmt.Sprintf("%.0f", v)
	}
	return strings.TrimSuffix(s, ".0") + " " + []string{"kB", "MB", "GB", "TB", "PB"}[exp]
}
