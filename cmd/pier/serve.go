package main

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/handlers"
	"github.com/pier-registry/pier/server"
	"github.com/pier-registry/pier/storage"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry",
		Long: "Run the registry until SIGINT or SIGTERM, then finish the requests in flight.\n" +
			"With no flags and no configuration it serves ./data on :5000.",
		Args: cobra.NoArgs,
		RunE: runServe,
	}
	cmd.Flags().String("addr", server.DefaultAddr, "`host:port` to listen on (overrides the config file)")
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("addr") {
		cfg.Addr, _ = cmd.Flags().GetString("addr")
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log, err := server.NewLogger(cfg.Log, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	driver, err := driverFor(ctx, cfg.Storage)
	if err != nil {
		return err
	}
	log.Info("storage", "driver", cfg.Storage.Kind(), "location", storageLocation(cfg.Storage))
	authz, err := auth.New(ctx, cfg.Auth, driver, log)
	if err != nil {
		return err
	}
	var metrics *server.Metrics
	if cfg.Metrics.Enabled {
		metrics = server.NewMetrics()
	}
	notifier, stopWebhooks := startWebhooks(ctx, cfg, log)
	defer stopWebhooks()
	store := storage.New(server.MeasureDriver(driver, metrics))
	if err := store.SetPolicies(cfg.Policies); err != nil {
		return err
	}
	defer startGCSchedule(ctx, store, cfg.GC, metrics, log)()
	api := handlers.New(handlers.Options{
		Store:         store,
		Auth:          server.RecordSubject(authz),
		Token:         authz.Handler(),
		Log:           log,
		Events:        notifier,
		RouteObserver: server.RecordRoute,
	})
	return server.New(cfg, api, driver, log, server.WithMetrics(metrics)).Run(ctx)
}

// storageLocation says where the data lives, for the startup log.
func storageLocation(c server.StorageConfig) string {
	if c.S3 != nil {
		return fmt.Sprintf("bucket %s/%s at %s", c.S3.Bucket, c.S3.Prefix, c.S3.Endpoint)
	}
	return c.FS.Root
}
