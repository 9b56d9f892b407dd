package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/storage"
)

func newRmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rm REPO[:TAG|@DIGEST]",
		Short: "Delete a tag, a manifest with its tags, or a whole repository",
		Long: "Delete from the registry's storage, as the API's DELETE endpoints do:\n" +
			"  REPO:TAG        the tag; the manifest stays\n" +
			"  REPO@DIGEST     the manifest and every tag on it\n" +
			"  REPO            the repository: tags, manifests, blob links, catalog entry\n" +
			"Immutable tags (policies:) are refused. The space is freed by the next\n" +
			"garbage collection (pier gc), once nothing else uses the content.",
		Example: "  pier rm team/app:old\n  pier rm team/app@sha256:4f2e…\n  pier rm team/scratch",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, _, err := openStore(cmd)
			if err != nil {
				return err
			}
			msg, err := remove(cmd, s, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		},
	}
}

// remove deletes what ref names and says what it did.
func remove(cmd *cobra.Command, s *storage.Store, ref string) (string, error) {
	ctx := cmd.Context()
	repo, tag, dg := splitRef(ref)
	if err := storage.ValidName(repo); err != nil {
		return "", err
	}
	switch {
	case dg != "":
		d, err := storage.ParseDigest(dg)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("deleted manifest %s@%s and its tags", repo, d), s.DeleteManifest(ctx, repo, d)
	case tag != "":
		return fmt.Sprintf("deleted tag %s:%s", repo, tag), s.DeleteTag(ctx, repo, tag)
	}
	return fmt.Sprintf("deleted repository %s; pier gc reclaims its content", repo), s.DeleteRepository(ctx, repo)
}

// splitRef splits "repo", "repo:tag" or "repo@digest". A ':' before the
// last '/' belongs to the repository part (a registry host's port), which
// ValidName then refuses.
func splitRef(ref string) (repo, tag, dg string) {
	if r, d, ok := strings.Cut(ref, "@"); ok {
		return r, "", d
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		return ref[:i], ref[i+1:], ""
	}
	return ref, "", ""
}
