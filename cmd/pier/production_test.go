package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/pier-registry/pier/events"
	"github.com/pier-registry/pier/server"
)

// startServe runs `pier serve` with args until the test ends and returns
// its address.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	logs := &syncBuffer{}
	root := newRootCmd()
	root.SetArgs(append(args, "serve", "--addr", "127.0.0.1:0"))
	root.SetErr(logs)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("pier serve did not report its address; log:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeSendsWebhooksAndCountsMetrics(t *testing.T) {
	clearEnv(t)
	t.Setenv("PIER_ADMIN_PASSWORD", "admin-password-for-tests")
	const secret = "webhook-secret-for-tests"
	got := make(chan []byte, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !events.Verify(secret, body, r.Header.Get(events.SignatureHeader)) {
			t.Errorf("bad signature on %s", body)
		}
		got <- body
	}))
	defer receiver.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pier.yaml")
	write(t, cfg, "storage:\n  fs:\n    root: "+filepath.Join(dir, "data")+"\n"+
		"webhooks:\n  endpoints:\n    - url: "+receiver.URL+"\n      secret: "+secret+"\n      events: [push]\n")
	addr := startServe(t, "--config", cfg)

	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(addr + "/admin/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	login := remote.WithAuth(&authn.Basic{Username: "admin", Password: "admin-password-for-tests"})
	if err := remote.Write(ref, img, login); err != nil {
		t.Fatalf("push: %v", err)
	}
	var ev struct {
		Type string
		Data struct{ Repository, Actor, Digest string }
	}
	select {
	case body := <-got:
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook for the push")
	}
	d, _ := img.Digest()
	if ev.Type != events.ManifestPushed || ev.Data.Repository != "admin/app" || ev.Data.Actor != "admin" || ev.Data.Digest != d.String() {
		t.Errorf("event %+v", ev)
	}

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`pier_http_requests_total{code="201",method="PUT",route="/v2/{name}/manifests/{reference}"} 1`,
		`pier_storage_operation_duration_seconds_count{operation="upload_commit"}`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	out, err := run(t, "healthcheck", "--url", "http://"+addr+"/readyz")
	if err != nil || !strings.Contains(out, "/readyz: ok") {
		t.Errorf("healthcheck of a ready server: %q, %v", out, err)
	}
	_, err = run(t, "healthcheck", "--url", "http://"+addr+"/no-such-probe")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("healthcheck of a 404: %v", err)
	}
}

func TestHealthcheckFailsWithNothingListening(t *testing.T) {
	clearEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("PIER_ADDR", addr)
	_, err = run(t, "healthcheck", "--timeout", "2s")
	if err == nil || !strings.Contains(err.Error(), "http://"+addr+"/readyz") {
		t.Errorf("healthcheck with nothing listening: %v", err)
	}
}

func TestLocalProbe(t *testing.T) {
	for _, tc := range []struct {
		addr string
		tls  server.TLSConfig
		url  string
		sni  string
	}{
		{":5000", server.TLSConfig{}, "http://127.0.0.1:5000/readyz", ""},
		{"0.0.0.0:80", server.TLSConfig{}, "http://127.0.0.1:80/readyz", ""},
		{"[::]:5000", server.TLSConfig{}, "http://127.0.0.1:5000/readyz", ""},
		{"10.1.2.3:5000", server.TLSConfig{}, "http://10.1.2.3:5000/readyz", ""},
		{"[::1]:443", server.TLSConfig{CertFile: "c", KeyFile: "k"}, "https://[::1]:443/readyz", ""},
		{":443", server.TLSConfig{ACME: server.ACMEConfig{Hosts: []string{"r.example.com"}}}, "https://127.0.0.1:443/readyz", "r.example.com"},
	} {
		cfg := server.Default()
		cfg.Addr, cfg.TLS = tc.addr, tc.tls
		url, tr, err := localProbe(cfg)
		if err != nil || url != tc.url {
			t.Errorf("%s: %q, %v; want %q", tc.addr, url, err, tc.url)
			continue
		}
		if tc.tls.Enabled() && (tr.TLSClientConfig == nil || tr.TLSClientConfig.ServerName != tc.sni) {
			t.Errorf("%s: TLS client config %+v, want server name %q", tc.addr, tr.TLSClientConfig, tc.sni)
		}
	}
}
