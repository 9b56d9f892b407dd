package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pier-registry/pier/archive"
)

func newExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export REPO[:TAG]|REPO@DIGEST... -o FILE.tar|-",
		Short: "Save images to a tar that docker load and OCI tools both read",
		Long: "Write the images to one tar that is a `docker load` archive (manifest.json)\n" +
			"and an OCI image layout (oci-layout, index.json, blobs/), shared layers once.\n" +
			"Every blob is verified as it is read. For an index, docker load gets the image\n" +
			"of --platform; the OCI layout keeps them all. A file is written beside its\n" +
			"name and renamed when complete.",
		Example: "  pier export app:1 app:2 -o app.tar && docker load -i app.tar\n" +
			"  pier export team/app@sha256:... -o - | ssh airgap pier import -",
		Args: cobra.MinimumNArgs(1),
		RunE: runExport,
	}
	cmd.Flags().StringP("output", "o", "", "write to `FILE` (- for standard output); required")
	cmd.Flags().String("platform", "linux/"+runtime.GOARCH, "`os/arch[/variant]` of the image docker load gets from an index")
	cmd.Flags().BoolP("quiet", "q", false, "print only errors")
	addRegistryFlags(cmd)
	return cmd
}

func runExport(cmd *cobra.Command, args []string) error {
	out, _ := cmd.Flags().GetString("output")
	if out == "" {
		return errors.New("say where the tar goes with -o FILE (or -o - for standard output)")
	}
	if out == "-" && isTerminal(cmd.OutOrStdout()) {
		return errors.New("refusing to write a tar to a terminal; redirect standard output or use -o FILE")
	}
	platformFlag, _ := cmd.Flags().GetString("platform")
	platform, err := archive.ParsePlatform(platformFlag)
	if err != nil {
		return fmt.Errorf("--platform: %w", err)
	}
	refs, scopes, err := exportRefs(args)
	if err != nil {
		return err
	}
	reg, err := openRegistry(cmd, scopes)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := archive.PlanExport(ctx, reg, refs, platform)
	if err != nil {
		return err
	}
	for _, w := range e.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	bar := archive.NewBar(cmd.ErrOrStderr(), e.Size(), "exporting")
	if out == "-" {
		err = e.Write(ctx, cmd.OutOrStdout(), bar)
	} else {
		err = e.WriteFile(ctx, out, bar)
	}
	bar.Done(err == nil)
	if err != nil {
		return err
	}
	if quiet, _ := cmd.Flags().GetBool("quiet"); !quiet && out != "-" {
		fmt.Fprintf(cmd.OutOrStdout(), "exported %d images (%s of blobs) to %s\n", len(refs), humanSize(e.Size()), out)
	}
	return nil
}

// exportRefs parses the references and the token scopes they need.
func exportRefs(args []string) ([]archive.Reference, []string, error) {
	var refs []archive.Reference
	var scopes []string
	for _, a := range args {
		ref, err := archive.ParseReference(a)
		if err != nil {
			return nil, nil, err
		}
		refs = append(refs, ref)
		scopes = append(scopes, archive.PullScope(ref.Repo))
	}
	return refs, scopes, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
