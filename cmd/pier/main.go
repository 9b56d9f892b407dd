// Command pier is a self-hosted OCI / Docker container registry.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/server"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
	"github.com/pier-registry/pier/storage/s3"
)

func main() {
	if err := newRootCmd().ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "pier:", err)
		os.Exit(1)
	}
}

// newRootCmd builds the pier command and its subcommands.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "pier",
		Short:         "A self-hosted OCI / Docker container registry",
		SilenceUsage:  true, // a failed command prints its error, not the help
		SilenceErrors: true, // main prints it once
	}
	flags := root.PersistentFlags()
	flags.String("config", "", "YAML configuration `file` (see config.example.yaml)")
	flags.String("data", server.DefaultDataDir, "filesystem storage `directory` (overrides the config file)")
	root.AddCommand(newServeCmd(), newConfigCmd())
	root.AddCommand(newUserCmd(), newTokenCmd())
	root.AddCommand(newImportCmd(), newExportCmd(), newImagesCmd())
	root.AddCommand(newHealthcheckCmd())
	root.AddCommand(newGCCmd(), newRmCmd(), newDuCmd())
	return root
}

// loadConfig reads --config (if given) and the PIER_* environment, applies
// --data when it was set, and validates the result.
func loadConfig(cmd *cobra.Command) (server.Config, error) {
	path, err := cmd.Flags().GetString("config")
	if err != nil {
		return server.Config{}, err
	}
	cfg, err := server.Load(path, os.LookupEnv)
	if err != nil {
		return server.Config{}, err
	}
	if cmd.Flags().Changed("data") {
		dir, err := cmd.Flags().GetString("data")
		if err != nil {
			return server.Config{}, err
		}
		if err := cfg.SetDataDir(dir); err != nil {
			return server.Config{}, fmt.Errorf("--data: %w", err)
		}
	}
	return cfg, nil
}

// openDriver loads the configuration and opens the storage it names. Every
// command that works on a registry's storage gets it from here.
func openDriver(cmd *cobra.Command) (storage.Driver, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return driverFor(cmd.Context(), cfg.Storage)
}

// driverFor opens the driver that c configures; for S3 that includes
// checking that the bucket answers.
func driverFor(ctx context.Context, c server.StorageConfig) (storage.Driver, error) {
	if c.S3 != nil {
		d, err := s3.New(ctx, *c.S3)
		if err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		return d, nil
	}
	d, err := fs.New(c.FS.Root)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return d, nil
}
