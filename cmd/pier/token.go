package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
)

// newTokenCmd is `pier token`: access tokens for CI, and the keys that
// sign bearer tokens. Revoking is one delete in storage, so it takes
// effect at once in every pier serve on the same storage.
func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Manage access tokens (passwords for CI) and signing keys",
	}
	cmd.AddCommand(newTokenCreateCmd(), newTokenLsCmd(), newTokenRmCmd(), newTokenKeyCmd())
	return cmd
}

func newTokenCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --user U [--scope S]... [--expires 90d]",
		Short: "Create an access token; it is printed once, on standard output",
		Long: "Create an access token for a user. Use it as the password of docker login (with\n" +
			"the user's name) or of Basic auth. --scope narrows it to grants such as\n" +
			"repository:alice/app:pull,push, repository:alice/*:pull or registry:catalog:*;\n" +
			"without --scope it may do everything its user may.",
		Example: "  pier token create --user ci --scope 'repository:ci/**:pull,push' --expires 30d",
		Args:    cobra.NoArgs,
		RunE:    runTokenCreate,
	}
	cmd.Flags().String("user", "", "the user the token acts as (required)")
	cmd.Flags().StringArray("scope", nil, "a grant the token is limited to (repeatable)")
	cmd.Flags().String("expires", "90d", "lifetime, such as 12h or 90d (at most 3650d)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func runTokenCreate(cmd *cobra.Command, _ []string) error {
	user, _ := cmd.Flags().GetString("user")
	scopes, _ := cmd.Flags().GetStringArray("scope")
	expires, _ := cmd.Flags().GetString("expires")
	ttl, err := auth.ParseDuration(expires)
	if err != nil {
		return fmt.Errorf("--expires: %w", err)
	}
	for _, s := range scopes {
		if err := auth.ParseGrant(s); err != nil {
			return fmt.Errorf("--scope: %w", err)
		}
	}
	d, err := openDriver(cmd)
	if err != nil {
		return err
	}
	secret, tok, err := auth.NewTokens(d).Create(cmd.Context(), user, scopes, ttl)
	if err != nil {
		return err
	}
	// The secret alone on stdout, so that TOKEN=$(pier token create ...)
	// works; the description on stderr.
	fmt.Fprintln(cmd.OutOrStdout(), secret)
	fmt.Fprintf(cmd.ErrOrStderr(), "created token %s for %s, expires %s\n", tok.ID, tok.User, tok.Expires.Format(time.RFC3339))
	return nil
}

func newTokenLsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ls [--user U]",
		Short: "List access and refresh tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			user, _ := cmd.Flags().GetString("user")
			d, err := openDriver(cmd)
			if err != nil {
				return err
			}
			toks, err := auth.NewTokens(d).List(cmd.Context(), user)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tKIND\tSCOPES\tCREATED\tEXPIRES")
			for _, t := range toks {
				scopes := strings.Join(t.Scopes, " ")
				if scopes == "" {
					scopes = "(all of the user's)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Kind, scopes,
					t.Created.Format(time.RFC3339), t.Expires.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().String("user", "", "only this user's tokens")
	return cmd
}

func newTokenRmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rm ID",
		Short: "Revoke a token; it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := openDriver(cmd)
			if err != nil {
				return err
			}
			if err := auth.NewTokens(d).Revoke(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s\n", args[0])
			return nil
		},
	}
}

// newTokenKeyCmd is `pier token key`: the keys that sign bearer tokens.
func newTokenKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the keys that sign bearer tokens",
		Long: "Rotate the signing key: `rotate` makes a new key that signs from then on (every\n" +
			"pier serve switches within 30 seconds) while the old one still verifies; once\n" +
			"its tokens have expired (the token lifetime, 5m by default), `retire` it.",
	}
	cmd.AddCommand(
		keyCmd("ls", "List the signing keys", cobra.NoArgs, func(cmd *cobra.Command, d storage.Driver, _ []string) error {
			keys, err := auth.ListKeys(cmd.Context(), d)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KID\tCREATED\tSIGNING")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%v\n", k.KID, k.Created.Format(time.RFC3339), k.Signing)
			}
			return tw.Flush()
		}),
		keyCmd("rotate", "Make a new signing key", cobra.NoArgs, func(cmd *cobra.Command, d storage.Driver, _ []string) error {
			kid, err := auth.RotateKey(cmd.Context(), d)
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "new signing key %s\n", kid)
			}
			return err
		}),
		keyCmd("retire KID", "Stop trusting an old signing key", cobra.ExactArgs(1), func(cmd *cobra.Command, d storage.Driver, args []string) error {
			err := auth.RetireKey(cmd.Context(), d, args[0])
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "retired key %s\n", args[0])
			}
			return err
		}),
	)
	return cmd
}

// keyCmd builds a key subcommand that runs on the configured storage.
func keyCmd(use, short string, args cobra.PositionalArgs, run func(*cobra.Command, storage.Driver, []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, a []string) error {
			d, err := openDriver(cmd)
			if err != nil {
				return err
			}
			return run(cmd, d, a)
		},
	}
}
