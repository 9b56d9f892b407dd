package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with the configuration file",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a configuration file without starting anything",
		Long: "Validate FILE (or the --config file), with the PIER_* environment applied as\n" +
			"pier serve would, and report every problem with its key and line.",
		Args: cobra.MaximumNArgs(1),
		RunE: runConfigCheck,
	})
	return cmd
}

func runConfigCheck(cmd *cobra.Command, args []string) error {
	if len(args) == 1 {
		if err := cmd.Flags().Set("config", args[0]); err != nil {
			return err
		}
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = "the defaults"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: valid (storage %s, listening on %s)\n", path, cfg.Storage.Kind(), cfg.Addr)
	return nil
}
