package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
)

// target is one server under test.
type target struct {
	name string // as printed: "pier", "Distribution", ...
	proc *process
	reg  *registry
	// blobRef is the path a pull GETs for blob d of repo.
	blobRef func(repo string, d digest.Digest) string
	// reclaim removes the content of blobs the bench will not use again,
	// so that a run needs the disk space of one set of blobs, not of all.
	reclaim func(ctx context.Context, ds []digest.Digest) error
	// storagePID, when not 0, is a storage server (MinIO) whose CPU time
	// counts as this server's.
	storagePID int
	// static is a plain file server, with no /v2/ to log in to.
	static bool
}

// login opens a session as a client of t would.
func (t *target) login(ctx context.Context, scope string) (*session, error) {
	if t.static {
		return &session{reg: t.reg}, nil
	}
	return t.reg.login(ctx, scope)
}

func registryBlobRef(repo string, d digest.Digest) string {
	return "/v2/" + repo + "/blobs/" + d.String()
}

// removeFiles is a reclaim for content stored as files at path(d).
func removeFiles(path func(digest.Digest) string) func(context.Context, []digest.Digest) error {
	return func(_ context.Context, ds []digest.Digest) error {
		for _, d := range ds {
			if err := os.Remove(path(d)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
}

// pierBlobFile is where pier's filesystem driver keeps blob d (storage/fs:
// key blobs/<alg>/<hh>/<hex>, file name plus "~").
func pierBlobFile(root string, d digest.Digest) string {
	return filepath.Join(root, "blobs", string(d.Algorithm()), d.Encoded()[:2], d.Encoded()+"~")
}

// distBlobKey is where Distribution keeps blob d under its root.
func distBlobKey(d digest.Digest) string {
	return "docker/registry/v2/blobs/" + string(d.Algorithm()) + "/" + d.Encoded()[:2] + "/" + d.Encoded() + "/data"
}

// startPier starts pier with auth on (admin's password from the
// environment) and config as its storage section.
func (b *bench) startPier(ctx context.Context, name, storageYAML, password string) (*target, error) {
	dir := filepath.Join(b.o.work, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "pier.yaml")
	env := []string{"PIER_ADMIN_PASSWORD=" + password}
	launch := func(addr string) (*process, error) {
		yaml := "addr: " + addr + "\nstorage:\n" + storageYAML + "log:\n  level: info\n  format: text\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			return nil, err
		}
		return start(name, filepath.Join(dir, "server.log"), env, b.o.pier, "serve", "--config", cfg)
	}
	p, addr, err := startServer(ctx, name, launch, "/readyz")
	if err != nil {
		return nil, err
	}
	return b.newTarget(name, p, addr, "admin", password)
}

// startDistribution starts CNCF Distribution as its image ships it (the
// config of its Dockerfile: in-memory blob descriptor cache, no auth), with
// delete enabled and the given storage section. Its OpenTelemetry exporter
// is switched off: with no collector it would only retry in vain.
func (b *bench) startDistribution(ctx context.Context, name, storageYAML string) (*target, error) {
	dir := filepath.Join(b.o.work, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "config.yml")
	launch := func(addr string) (*process, error) {
		yaml := "version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  cache:\n    blobdescriptor: inmemory\n" +
			"  delete:\n    enabled: true\n" + storageYAML +
			"http:\n  addr: " + addr + "\n  headers:\n    X-Content-Type-Options: [nosniff]\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			return nil, err
		}
		return start(name, filepath.Join(dir, "server.log"), []string{"OTEL_TRACES_EXPORTER=none"}, b.o.registry, "serve", cfg)
	}
	p, addr, err := startServer(ctx, name, launch, "/v2/")
	if err != nil {
		return nil, err
	}
	return b.newTarget(name, p, addr, "", "")
}

// startCeiling starts this program's hash-and-write server.
func (b *bench) startCeiling(ctx context.Context, name string, durable bool) (*target, error) {
	dir := filepath.Join(b.o.work, name)
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	launch := func(addr string) (*process, error) {
		args := []string{self, "ceiling", addr, filepath.Join(dir, "data")}
		if durable {
			args = append(args, "-durable")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		return start(name, filepath.Join(dir, "server.log"), nil, args...)
	}
	p, addr, err := startServer(ctx, name, launch, "/v2/")
	if err != nil {
		return nil, err
	}
	t, err := b.newTarget(name, p, addr, "", "")
	if err == nil {
		t.reclaim = removeFiles(func(d digest.Digest) string { return filepath.Join(dir, "data", d.Encoded()) })
	}
	return t, err
}

// startNginx serves root's files from one process (no master, so its pid
// is the one doing the work), without access logs: with sendfile, the
// ceiling for a pull, or copying through its buffers like a Go server
// without sendfile does.
func (b *bench) startNginx(ctx context.Context, name, root string, sendfile bool) (*target, error) {
	dir := filepath.Join(b.o.work, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "nginx.conf")
	launch := func(addr string) (*process, error) {
		onOff := map[bool]string{true: "on", false: "off"}[sendfile]
		conf := fmt.Sprintf(nginxConf, dir, dir, onOff, dir, dir, dir, dir, dir, addr, root)
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		return start(name, filepath.Join(dir, "server.log"), nil, b.o.nginx, "-p", dir, "-c", cfg, "-e", filepath.Join(dir, "error.log"))
	}
	p, addr, err := startServer(ctx, name, launch, "/")
	if err != nil {
		return nil, err
	}
	t, err := b.newTarget(name, p, addr, "", "")
	if err == nil {
		t.static = true
		t.blobRef = func(_ string, d digest.Digest) string {
			return "/blobs/" + string(d.Algorithm()) + "/" + d.Encoded()[:2] + "/" + d.Encoded() + "~"
		}
	}
	return t, err
}

const nginxConf = `daemon off;
master_process off;
error_log %s/error.log warn;
pid %s/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile %s;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path %s/body;
	proxy_temp_path %s/proxy;
	fastcgi_temp_path %s/fastcgi;
	uwsgi_temp_path %s/uwsgi;
	scgi_temp_path %s/scgi;
	server {
		listen %s;
		root %s;
	}
}
`

func (b *bench) newTarget(name string, p *process, addr, user, pass string) (*target, error) {
	reg, err := newRegistry("http://"+addr, user, pass, b.client)
	if err != nil {
		p.stop()
		return nil, err
	}
	t := &target{name: name, proc: p, reg: reg, blobRef: registryBlobRef}
	b.procs = append(b.procs, t)
	return t, nil
}

// cpu is the CPU time the server has used, in seconds: its process, plus
// the storage server behind it when the bench knows its pid.
func (t *target) cpu() (float64, error) {
	c, err := pidCPU(t.proc.pid())
	if err != nil || t.storagePID == 0 {
		return c, err
	}
	s, err := pidCPU(t.storagePID)
	return c + s, err
}
