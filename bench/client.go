package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// registry is one server under test, seen from a client: its base URL and,
// when it wants a login, the credentials for its token server.
type registry struct {
	base       *url.URL
	user, pass string
	http       *http.Client
}

// newHTTPClient is the one client every target is measured with:
// keep-alive, no compression, big buffers so bodies move in large writes.
func newHTTPClient(conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      256 << 10,
	}
	return &http.Client{Transport: tr, CheckRedirect: dropAuthElsewhere}
}

// dropAuthElsewhere keeps the bearer token from a redirect to another
// host:port (a presigned S3 URL, which refuses a second credential). Go
// only drops it for another host name, and here everything is 127.0.0.1.
func dropAuthElsewhere(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

func newRegistry(rawURL, user, pass string, client *http.Client) (*registry, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return &registry{base: u, user: user, pass: pass, http: client}, nil
}

// session is a client's hold on a registry: the bearer token it fetched,
// if the registry asked for one.
type session struct {
	reg   *registry
	token string
}

// login does what docker does before it pushes or pulls: GET /v2/ and, on
// a Bearer challenge, fetches a token for scope from the realm with Basic
// credentials.
func (r *registry) login(ctx context.Context, scope string) (*session, error) {
	s := &session{reg: r}
	resp, err := s.do(ctx, http.MethodGet, "/v2/", nil, 0, nil)
	if err != nil {
		return nil, err
	}
	drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return s, nil
	case http.StatusUnauthorized:
	default:
		return nil, fmt.Errorf("GET /v2/: %s", resp.Status)
	}
	ch := parseChallenge(resp.Header.Get("WWW-Authenticate"))
	if ch["scheme"] != "bearer" || ch["realm"] == "" {
		return nil, fmt.Errorf("GET /v2/: unexpected challenge %q", resp.Header.Get("WWW-Authenticate"))
	}
	s.token, err = r.fetchToken(ctx, ch["realm"], ch["service"], scope)
	return s, err
}

func (r *registry) fetchToken(ctx context.Context, realm, service, scope string) (string, error) {
	u, err := url.Parse(realm)
	if err != nil {
		return "", fmt.Errorf("token realm %q: %w", realm, err)
	}
	q := u.Query()
	q.Set("service", service)
	q.Set("scope", scope)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(r.user, r.pass)
	resp, err := r.http.Do(req)
	if err != nil {
		return "", err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token: %s", resp.Status)
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	if body.Token == "" {
		body.Token = body.AccessToken
	}
	if body.Token == "" {
		return "", fmt.Errorf("token: empty answer")
	}
	return body.Token, nil
}

// parseChallenge splits `Bearer realm="…",service="…"` into its scheme
// (lower case, under "scheme") and parameters.
func parseChallenge(h string) map[string]string {
	out := map[string]string{}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	out["scheme"] = strings.ToLower(scheme)
	for rest != "" {
		var kv string
		rest = strings.TrimLeft(rest, ", ")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				break
			}
			kv, rest = v[1:end+1], v[end+2:]
		} else {
			kv, rest, _ = strings.Cut(v, ",")
		}
		out[strings.ToLower(strings.TrimSpace(k))] = kv
	}
	return out
}

// do sends a request to ref (a path, or an absolute URL such as an upload
// Location) with the session's token. size is the body's length.
func (s *session) do(ctx context.Context, method, ref string, body io.Reader, size int64, hdr http.Header) (*http.Response, error) {
	u, err := s.reg.base.Parse(ref)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	return s.reg.http.Do(req)
}

// call sends a request and fails unless the answer has status want; the
// body is read and closed.
func (s *session) call(ctx context.Context, method, ref string, body io.Reader, size int64, hdr http.Header, want int) (*http.Response, error) {
	resp, err := s.do(ctx, method, ref, body, size, hdr)
	return expect(resp, err, want, method+" "+ref)
}

// expect reads and closes the body of resp, and fails unless its status
// is want.
func expect(resp *http.Response, err error, want int, what string) (*http.Response, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		drain(resp)
		return nil, fmt.Errorf("%s: %s, want %d: %s", what, resp.Status, want, strings.TrimSpace(string(msg)))
	}
	drain(resp)
	return resp, nil
}

// drain reads what is left of a body so that the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// withQuery returns the upload location loc with key=value added to its
// query (Distribution's locations already carry one).
func withQuery(loc, key, value string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("upload location %q: %w", loc, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// raw prepares a request of the session for the small-request runs, with
// its token.
func (s *session) raw(method, path string, header ...string) *rawConn {
	if s.token != "" {
		header = append(header, "Authorization: Bearer "+s.token)
	}
	return newRawConn(s.reg.base.Host, method, path, header...)
}
