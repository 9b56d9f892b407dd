package main

import (
	"context"
	"log/slog"

	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/server"
)

// startWebhooks starts delivering events to the configured endpoints. It
// returns nil and a no-op when there are none. stop delivers what is still
// queued for up to the shutdown timeout: it runs once the server has
// stopped, so that the requests finished during shutdown are reported too.
func startWebhooks(ctx context.Context, cfg server.Config, log *slog.Logger) (events.Notifier, func()) {
	hooks := events.New(cfg.Webhooks, log)
	if hooks == nil {
		return nil, func() {}
	}
	log.Info("webhooks", "endpoints", len(cfg.Webhooks.Endpoints))
	return hooks, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout)
		defer cancel()
		if err := hooks.Close(sctx); err != nil {
			log.Warn("webhooks: events still queued at shutdown were dropped", "err", err)
		}
	}
}
