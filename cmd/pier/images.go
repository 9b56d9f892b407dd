package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/archive"
)

func newImagesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images [REPO]",
		Short: "List the tagged images, like docker images",
		Long: "List every tag of REPO (of every repository without one) as\n" +
			"REPOSITORY TAG DIGEST SIZE PUSHED. SIZE is the image's config and layers (for\n" +
			"an index, of all its images, shared layers once); PUSHED is when the tag was\n" +
			"last set (a registry reached with --registry may not say).\n\n" +
			"Filters (--filter KEY=VALUE, repeatable; values of one key are alternatives):\n" +
			"  reference=PATTERN   REPO or REPO:TAG matches the glob\n" +
			"  since=WHEN, before=WHEN\n" +
			"                      pushed after/before WHEN: a time (RFC 3339 or 2006-01-02),\n" +
			"                      a duration ago (36h), or an image REPO:TAG\n" +
			"  label=KEY[=VALUE]   the image config has the label\n" +
			"  type=image|index",
		Example: "  pier images\n  pier images team/app --filter since=24h\n" +
			"  pier images --format json | jq .size\n  pier images --format '{{.Repository}}:{{.Tag}} {{.Size}}'",
		Args: cobra.MaximumNArgs(1),
		RunE: runImages,
	}
	f := cmd.Flags()
	f.BoolP("quiet", "q", false, "print only the names, REPO:TAG, one a line")
	f.String("format", "table", "table, json (one object a line) or a Go `template` over each image")
	f.StringArrayP("filter", "f", nil, "keep the images that match `KEY=VALUE`")
	f.Bool("no-trunc", false, "show whole digests")
	addRegistryFlags(cmd)
	return cmd
}

func runImages(cmd *cobra.Command, args []string) error {
	repo := ""
	scopes := []string{archive.CatalogScope}
	if len(args) == 1 {
		ref, err := archive.ParseReference(args[0])
		if err != nil || ref.Repo != args[0] {
			return fmt.Errorf("%q is not a repository name", args[0])
		}
		repo, scopes = ref.Repo, []string{archive.PullScope(ref.Repo)}
	}
	specs, _ := cmd.Flags().GetStringArray("filter")
	filter, err := archive.ParseFilters(specs)
	if err != nil {
		return err
	}
	format, _ := cmd.Flags().GetString("format")
	write, err := imageWriter(cmd, format)
	if err != nil {
		return err
	}
	reg, err := openRegistry(cmd, scopes)
	if err != nil {
		return err
	}
	list, err := archive.ListImages(cmd.Context(), reg, repo, filter.NeedsLabels())
	if err != nil {
		return err
	}
	if list, err = filter.Apply(list, time.Now()); err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b archive.ImageInfo) int {
		return strings.Compare(a.Repository+"\x00"+a.Tag, b.Repository+"\x00"+b.Tag)
	})
	return write(cmd.OutOrStdout(), list)
}

// imageWriter returns what prints the list in format (or -q).
func imageWriter(cmd *cobra.Command, format string) (func(io.Writer, []archive.ImageInfo) error, error) {
	if quiet, _ := cmd.Flags().GetBool("quiet"); quiet {
		return writeNames, nil
	}
	noTrunc, _ := cmd.Flags().GetBool("no-trunc")
	switch {
	case format == "table":
		return func(w io.Writer, list []archive.ImageInfo) error { return writeTable(w, list, noTrunc) }, nil
	case format == "json":
		return writeJSONLines, nil
	case strings.Contains(format, "{{"):
		tmpl, err := template.New("format").Parse(format + "\n")
		if err != nil {
			return nil, fmt.Errorf("--format: %w", err)
		}
		return func(w io.Writer, list []archive.ImageInfo) error {
			for _, img := range list {
				if err := tmpl.Execute(w, img); err != nil {
					return fmt.Errorf("--format: %w", err)
				}
			}
			return nil
		}, nil
	}
	return nil, fmt.Errorf("--format %q: want table, json or a Go template", format)
}

func writeNames(w io.Writer, list []archive.ImageInfo) error {
	for _, img := range list {
		if _, err := fmt.Fprintf(w, "%s:%s\n", img.Repository, img.Tag); err != nil {
			return err
		}
	}
	return nil
}

func writeJSONLines(w io.Writer, list []archive.ImageInfo) error {
	enc := json.NewEncoder(w)
	for _, img := range list {
		if err := enc.Encode(img); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(w io.Writer, list []archive.ImageInfo, noTrunc bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tDIGEST\tSIZE\tPUSHED")
	for _, img := range list {
		d := img.Digest.String()
		if !noTrunc && len(d) > len("sha256:")+12 {
			d = d[:strings.IndexByte(d, ':')+13]
		}
		size := humanSize(img.Size)
		if img.Index != nil {
			size += fmt.Sprintf(" (index of %d)", img.Index.Manifests)
		}
		pushed := "-"
		if !img.Pushed.IsZero() {
			pushed = img.Pushed.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", img.Repository, img.Tag, d, size, pushed)
	}
	return tw.Flush()
}

// humanSize writes n bytes in decimal units as docker does ("7.84MB"),
// which `sort -h` orders.
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	v, i := float64(n), 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	prec := 0
	switch {
	case i == 0:
	case v < 9.995:
		prec = 2
	case v < 99.95:
		prec = 1
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + units[i]
}
