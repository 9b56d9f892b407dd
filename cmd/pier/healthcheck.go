package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/pier-registry/pier/server"
)

func newHealthcheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the local pier is ready, 1 otherwise",
		Long: "Ask a running pier whether it is ready (GET /readyz: it serves and its storage answers).\n" +
			"Without --url, the address, scheme and host name come from the same configuration as\n" +
			"pier serve, on loopback; the certificate is then not verified, since it names the\n" +
			"public host. For a container HEALTHCHECK, where there is no curl.",
		Args: cobra.NoArgs,
		RunE: runHealthcheck,
	}
	cmd.Flags().String("url", "", "`URL` to GET instead of the configured server's /readyz")
	cmd.Flags().Duration("timeout", 5*time.Second, "give up after this `duration`")
	return cmd
}

func runHealthcheck(cmd *cobra.Command, _ []string) error {
	target, _ := cmd.Flags().GetString("url")
	timeout, _ := cmd.Flags().GetDuration("timeout")
	client := &http.Client{Timeout: timeout}
	if target == "" {
		cfg, err := loadConfig(cmd)
		if err != nil {
			return err
		}
		var tr *http.Transport
		target, tr, err = localProbe(cfg)
		if err != nil {
			return err
		}
		client.Transport = tr
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", target, resp.Status)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", target)
	return nil
}

// localProbe returns the /readyz URL of the server cfg configures, reached
// on loopback, and a transport for it.
func localProbe(cfg server.Config) (string, *http.Transport, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return "", nil, fmt.Errorf("healthcheck: addr %q: %w", cfg.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	scheme := "http"
	if cfg.TLS.Enabled() {
		scheme = "https"
		// Loopback to this very process: there is nobody to impersonate,
		// and the certificate names the public host, not 127.0.0.1.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		if hosts := cfg.TLS.ACME.Hosts; len(hosts) > 0 {
			tr.TLSClientConfig.ServerName = hosts[0] // autocert needs a name it knows
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/readyz", tr, nil
}
