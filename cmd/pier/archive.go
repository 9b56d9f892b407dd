package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/archive"
)

// addRegistryFlags adds the flags with which import, export and images
// work through a running registry instead of straight on the storage.
func addRegistryFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("registry", "", "work through the running registry at `URL` (its /v2/ API) instead of on the storage")
	f.String("username", "", "`user` to log in to --registry as (default: anonymous)")
	f.Bool("password-stdin", false, "read the --registry password from standard input (default: $PIER_PASSWORD)")
}

// openRegistry returns what the command works on: the storage that
// --data or --config names, or --registry logged in for scopes.
func openRegistry(cmd *cobra.Command, scopes []string) (archive.Registry, error) {
	url, _ := cmd.Flags().GetString("registry")
	login, err := registryLogin(cmd, url != "")
	if err != nil {
		return nil, err
	}
	if url != "" {
		return archive.DialRemote(cmd.Context(), url, login, scopes, nil)
	}
	// The configured policies apply: an import must not overwrite an
	// immutable tag any more than a push may.
	s, _, err := openStore(cmd)
	if err != nil {
		return nil, err
	}
	return archive.NewStoreRegistry(s), nil
}

// registryLogin reads --username and its password. A password is taken
// from standard input or the environment, never from the command line.
func registryLogin(cmd *cobra.Command, remote bool) (archive.Login, error) {
	user, _ := cmd.Flags().GetString("username")
	stdin, _ := cmd.Flags().GetBool("password-stdin")
	switch {
	case !remote && (user != "" || stdin):
		return archive.Login{}, errors.New("--username and --password-stdin go with --registry")
	case user == "" && stdin:
		return archive.Login{}, errors.New("--password-stdin needs --username")
	case user == "":
		return archive.Login{}, nil
	case stdin:
		password, err := readPassword(cmd)
		return archive.Login{Username: user, Password: password}, err
	}
	password := os.Getenv("PIER_PASSWORD")
	if password == "" {
		return archive.Login{}, errors.New("give the password of --username with --password-stdin or $PIER_PASSWORD")
	}
	return archive.Login{Username: user, Password: password}, nil
}
