package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/auth"
)

// maxPasswordInput bounds what is read from stdin for a password.
const maxPasswordInput = 4096

// newUserCmd is `pier user`: accounts, kept in the registry's storage, so
// that it is safe to run beside `pier serve` on the same storage.
func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the registry's users",
		Long: "Manage the users kept in the registry's storage. Every change is one write,\n" +
			"seen at once by every pier serve on the same storage. Passwords are read from\n" +
			"standard input, never from the command line.",
	}
	cmd.AddCommand(newUserAddCmd(), newUserPasswdCmd(), newUserRmCmd(), newUserLsCmd(), newUserImportCmd())
	return cmd
}

func newUserAddCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "add NAME --password-stdin",
		Short:   "Create a user; it owns the namespace NAME/",
		Example: "  printf '%s' \"$PASSWORD\" | pier user add alice --password-stdin",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withPassword(cmd, args[0], (*auth.Users).Add, "added user %s\n")
		},
	}
	addPasswordFlag(cmd)
	return cmd
}

func newUserPasswdCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "passwd NAME --password-stdin",
		Short: "Set a user's password and end its logged-in sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withPassword(cmd, args[0], (*auth.Users).SetPassword, "changed the password of %s\n")
		},
	}
	addPasswordFlag(cmd)
	return cmd
}

func newUserRmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rm NAME",
		Short: "Remove a user and revoke its tokens (its repositories stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			users, err := openUsers(cmd)
			if err != nil {
				return err
			}
			if err := users.Remove(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed user %s\n", args[0])
			return nil
		},
	}
}

func newUserLsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "List the users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			users, err := openUsers(cmd)
			if err != nil {
				return err
			}
			list, err := users.List(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCREATED\tUPDATED")
			for _, u := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.Created.Format(time.RFC3339), u.Updated.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
}

func newUserImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Add the users of an htpasswd file (bcrypt only; - reads stdin)",
		Long: "Add the users of an htpasswd file, replacing the passwords of users that exist.\n" +
			"Only bcrypt hashes (htpasswd -B) are accepted, and the whole file is checked\n" +
			"before anything is written.",
		Args: cobra.ExactArgs(1),
		RunE: runUserImport,
	}
}

func runUserImport(cmd *cobra.Command, args []string) error {
	in := cmd.InOrStdin()
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	users, err := openUsers(cmd)
	if err != nil {
		return err
	}
	n, err := users.Import(cmd.Context(), in)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %d users\n", n)
	return nil
}

// addPasswordFlag adds --password-stdin, which the commands require so
// that a password never shows in argv, shell history or ps.
func addPasswordFlag(cmd *cobra.Command) {
	cmd.Flags().Bool("password-stdin", false, "read the password from standard input (required)")
}

// withPassword reads the password, opens the users and applies set to
// name, printing done on success.
func withPassword(cmd *cobra.Command, name string, set func(*auth.Users, context.Context, string, string) error, done string) error {
	password, err := readPassword(cmd)
	if err != nil {
		return err
	}
	users, err := openUsers(cmd)
	if err != nil {
		return err
	}
	if err := set(users, cmd.Context(), name, password); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), done, name)
	return nil
}

// readPassword reads the first line of stdin.
func readPassword(cmd *cobra.Command) (string, error) {
	if ok, _ := cmd.Flags().GetBool("password-stdin"); !ok {
		return "", errors.New("pass the password on standard input with --password-stdin; " +
			"it is never taken from the command line")
	}
	line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), maxPasswordInput)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on standard input")
	}
	return password, nil
}

// openUsers opens the configured storage and the users in it.
func openUsers(cmd *cobra.Command) (*auth.Users, error) {
	d, err := openDriver(cmd)
	if err != nil {
		return nil, err
	}
	return auth.NewUsers(d), nil
}
