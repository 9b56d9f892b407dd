package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/archive"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import FILE|DIR|- [--tag REPO:TAG]...",
		Short: "Load images from a docker save tar, an OCI archive or an OCI layout directory",
		Long: "Load the images of FILE (a `docker save` tar in either layout, or an OCI archive)\n" +
			"or DIR (an OCI image layout), multi-platform indexes included, under the names\n" +
			"they carry (a registry host in them is dropped) or the --tag names.\n\n" +
			"Every blob is verified as it streams; blobs go first, manifests next, tags\n" +
			"last, and a failure takes back whatever was added, so a corrupt or truncated\n" +
			"archive leaves the registry as it was. Works on the storage (safe beside a\n" +
			"running pier serve) or, with --registry, through a running registry.\n" +
			"- reads the archive from standard input into a temporary file first.",
		Example: "  docker save app:1 -o app.tar && pier import app.tar\n" +
			"  pier import ./oci-layout --tag team/app:2\n" +
			"  PIER_PASSWORD=... pier import app.tar --registry https://pier.example.com --username alice",
		Args: cobra.ExactArgs(1),
		RunE: runImport,
	}
	cmd.Flags().StringArrayP("tag", "t", nil, "import the archive's only image as `REPO:TAG` (repeatable)")
	cmd.Flags().BoolP("quiet", "q", false, "print only errors")
	addRegistryFlags(cmd)
	return cmd
}

func runImport(cmd *cobra.Command, args []string) error {
	path, cleanup, err := importPath(cmd, args[0])
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := archive.Open(path)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := renameImport(cmd, a); err != nil {
		return err
	}
	repos, err := a.Repositories()
	if err != nil {
		return err
	}
	var scopes []string
	for _, r := range repos {
		scopes = append(scopes, archive.PushScope(r))
	}
	reg, err := openRegistry(cmd, scopes)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := archive.NewBar(cmd.ErrOrStderr(), a.Size(), "importing")
	err = a.Push(ctx, reg, bar)
	bar.Done(err == nil)
	if err != nil {
		return fmt.Errorf("importing %s: %w", args[0], err)
	}
	if quiet, _ := cmd.Flags().GetBool("quiet"); !quiet {
		for _, img := range a.Images() {
			for _, n := range img.Names {
				if n.Tag == "" {
					n.Digest = img.Digest
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s (%s)\n", n, img.Digest)
			}
		}
	}
	return nil
}

// renameImport applies --tag.
func renameImport(cmd *cobra.Command, a *archive.Archive) error {
	tags, _ := cmd.Flags().GetStringArray("tag")
	if len(tags) == 0 {
		return nil
	}
	var refs []archive.Reference
	for _, t := range tags {
		ref, err := archive.ParseReference(t)
		if err != nil {
			return fmt.Errorf("--tag: %w", err)
		}
		refs = append(refs, ref)
	}
	if err := a.Rename(refs); err != nil {
		return fmt.Errorf("--tag: %w", err)
	}
	return nil
}

// importPath returns the archive to open: arg itself, or for "-" a
// temporary copy of standard input (an archive is read out of order).
func importPath(cmd *cobra.Command, arg string) (string, func(), error) {
	if arg != "-" {
		return arg, func() {}, nil
	}
	if stdin, _ := cmd.Flags().GetBool("password-stdin"); stdin {
		return "", nil, errors.New("standard input cannot carry both the archive and the password; use $PIER_PASSWORD")
	}
	f, err := os.CreateTemp("", "pier-import-*.tar")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	_, err = io.Copy(f, cmd.InOrStdin())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("reading standard input: %w", err)
	}
	return f.Name(), cleanup, nil
}
