package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/acme/autocert"

	"github.com/pier-registry/pier/handlers"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/fs"
	"github.com/pier-registry/pier/storage/mem"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pier test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// issue writes a certificate for 127.0.0.1 and localhost with the given
// serial, and its key, into certFile and keyFile, each replaced by a
// rename as tools that renew certificates do.
func (ca *testCA) issue(t *testing.T, serial int64, certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "pier"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	replaceFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// servedSerial makes a fresh TLS connection to addr, trusting only ca,
// and returns the serial number of the certificate the server showed.
func servedSerial(t *testing.T, addr string, ca *testCA) (int64, error) {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: ca.pool})
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
}

func TestHTTPSPushAndCertificateReload(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca.issue(t, 1, certFile, keyFile)

	cfg := Default()
	cfg.TLS = TLSConfig{CertFile: certFile, KeyFile: keyFile}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	driver, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testLogger(t)
	api := handlers.New(handlers.Options{Store: storage.New(driver)})
	addr := strings.TrimPrefix(httptestServer(t, New(cfg, api, driver, log)), "http://")

	// A client that trusts the CA pushes and pulls over HTTPS.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}}
	img, err := random.Image(2048, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(addr + "/secure/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithTransport(tr)); err != nil {
		t.Fatalf("push over HTTPS: %v", err)
	}
	if _, err := remote.Head(ref, remote.WithTransport(tr)); err != nil {
		t.Fatalf("head over HTTPS: %v", err)
	}
	if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered 200 on the HTTPS port")
		}
	}
	if serial, err := servedSerial(t, addr, ca); err != nil || serial != 1 {
		t.Fatalf("served serial %d, %v; want 1", serial, err)
	}

	// A renewed certificate on disk is served without a restart.
	ca.issue(t, 2, certFile, keyFile)
	waitFor(t, "the renewed certificate", func() bool {
		serial, err := servedSerial(t, addr, ca)
		return err == nil && serial == 2
	})

	// A broken file keeps the last good certificate in service.
	replaceFile(t, certFile, []byte("not a certificate"))
	waitFor(t, "the warning about the broken file", func() bool {
		return strings.Contains(logs.String(), "certificate files do not load")
	})
	if serial, err := servedSerial(t, addr, ca); err != nil || serial != 2 {
		t.Errorf("after a broken file: serial %d, %v; want 2", serial, err)
	}
}

func TestTLSValidate(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	ca.issue(t, 1, certFile, keyFile)
	otherCert, otherKey := filepath.Join(dir, "c2.pem"), filepath.Join(dir, "k2.pem")
	ca.issue(t, 2, otherCert, otherKey)
	for _, tc := range []struct {
		name string
		tls  TLSConfig
		want []string
	}{
		{"off", TLSConfig{}, nil},
		{"files", TLSConfig{CertFile: certFile, KeyFile: keyFile}, nil},
		{"acme", TLSConfig{ACME: ACMEConfig{Hosts: []string{"registry.example.com"}, Email: "ops@example.com",
			DirectoryURL: "https://acme-staging-v02.api.letsencrypt.org/directory", HTTPAddr: ":80"}}, nil},
		{"cert only", TLSConfig{CertFile: certFile}, []string{"tls: set both certFile and keyFile"}},
		{"missing file", TLSConfig{CertFile: filepath.Join(dir, "nope.pem"), KeyFile: keyFile},
			[]string{"tls.certFile, tls.keyFile: open", "no such file"}},
		{"key of another certificate", TLSConfig{CertFile: certFile, KeyFile: otherKey},
			[]string{"tls.certFile, tls.keyFile: tls: private key does not match public key"}},
		{"files and acme", TLSConfig{CertFile: certFile, KeyFile: keyFile, ACME: ACMEConfig{Hosts: []string{"r.example.com"}}},
			[]string{"not both"}},
		{"bad hosts", TLSConfig{ACME: ACMEConfig{Hosts: []string{"10.0.0.1", "r.example.com:443", "localhost", "*.example.com"}}},
			[]string{`"10.0.0.1": an IP address`, `"r.example.com:443": want a bare DNS name`, `"localhost": not a fully qualified`, `"*.example.com"`}},
		{"bad acme settings", TLSConfig{ACME: ACMEConfig{Hosts: []string{"r.example.com"}, Email: "nobody",
			DirectoryURL: "http://acme.example/dir", HTTPAddr: "80"}},
			[]string{"tls.acme.email", "tls.acme.directoryURL", "tls.acme.httpAddr"}},
		{"acme settings without hosts", TLSConfig{ACME: ACMEConfig{Email: "ops@example.com"}},
			[]string{"tls.acme: hosts is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			cfg.TLS = tc.tls
			err := cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestACMECacheKeepsEntriesInStorage(t *testing.T) {
	driver, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := driverCache{driver}
	ctx := context.Background()
	for _, key := range []string{"registry.example.com", "registry.example.com+rsa", "acme_account+key", "../x"} {
		if _, err := c.Get(ctx, key); !errors.Is(err, autocert.ErrCacheMiss) {
			t.Fatalf("Get(%q) before Put: %v, want ErrCacheMiss", key, err)
		}
		if err := c.Put(ctx, key, []byte("pem of "+key)); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		if got, err := c.Get(ctx, key); err != nil || string(got) != "pem of "+key {
			t.Fatalf("Get(%q) = %q, %v", key, got, err)
		}
		if err := c.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, key); !errors.Is(err, autocert.ErrCacheMiss) {
			t.Fatalf("Get(%q) after Delete: %v", key, err)
		}
	}
}

func TestACMEServesOnlyItsHostsAndAnswersChallenges(t *testing.T) {
	cfg := Default()
	cfg.TLS.ACME = ACMEConfig{Hosts: []string{"registry.example.com"}, HTTPAddr: "127.0.0.1:0"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log, logs := testLogger(t)
	addr := strings.TrimPrefix(httptestServer(t, New(cfg, http.NotFoundHandler(), mem.New(), log)), "http://")

	// A name outside acme.hosts is refused before any CA is asked.
	_, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "other.example.com", InsecureSkipVerify: true})
	if err == nil {
		t.Fatal("TLS handshake for a host not in acme.hosts succeeded")
	}

	lines := logLines(t, logs, "serving ACME HTTP-01 challenges")
	if len(lines) != 1 {
		t.Fatalf("challenge server not logged: %s", logs.String())
	}
	challenge := "http://" + lines[0]["addr"].(string)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", challenge+"/v2/", nil)
	req.Host = "registry.example.com"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "https://registry.example.com/v2/" {
		t.Errorf("plain HTTP: %d to %q, want a redirect to https", resp.StatusCode, loc)
	}
	req, _ = http.NewRequest("GET", challenge+"/.well-known/acme-challenge/unknown-token", nil)
	req.Host = "registry.example.com"
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown challenge token: %d, want 404", resp.StatusCode)
	}
}
