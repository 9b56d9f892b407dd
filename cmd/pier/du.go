package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/storage"
)

func newDuCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "du [REPO]",
		Short: "Show the storage each repository uses, shared layers counted once",
		Long: "Show, per repository, the content it holds (blobs and manifests) and how much\n" +
			"of it other repositories hold too; the total counts each blob once. With REPO,\n" +
			"also which repositories it shares content with. Content no repository holds\n" +
			"is reclaimed by pier gc.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			focus := ""
			if len(args) == 1 {
				focus = args[0]
				if err := storage.ValidName(focus); err != nil {
					return err
				}
			}
			s, _, err := openStore(cmd)
			if err != nil {
				return err
			}
			u, err := s.Usage(cmd.Context(), focus)
			if err != nil {
				return err
			}
			if focus != "" && len(u.Repositories) == 0 {
				return fmt.Errorf("%w: %s", storage.ErrNameUnknown, focus)
			}
			printUsage(cmd.OutOrStdout(), u, focus != "")
			return nil
		},
	}
}

func printUsage(w io.Writer, u *storage.Usage, one bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tBLOBS\tSIZE\tSHARED")
	for _, r := range u.Repositories {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s (%d blobs)\n", r.Name, r.Blobs, humanBytes(r.Bytes), humanBytes(r.SharedBytes), r.SharedBlobs)
	}
	if !one {
		fmt.Fprintf(tw, "total, each blob once\t%d\t%s\t\n", u.Blobs, humanBytes(u.Bytes))
		fmt.Fprintf(tw, "held by no repository\t%d\t%s\t(pier gc reclaims it)\n", u.UnreferencedBlobs, humanBytes(u.UnreferencedBytes))
	}
	tw.Flush()
	if !one {
		return
	}
	for _, sh := range u.Repositories[0].SharedWith {
		fmt.Fprintf(w, "shares %d blobs (%s) with %s\n", sh.Blobs, humanBytes(sh.Bytes), sh.Repo)
	}
}
