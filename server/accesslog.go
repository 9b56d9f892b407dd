package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// withAccessLog logs one line per request once it is answered, even when
// the handler panics (the line then shows what the client got), and
// records it in m.
func withAccessLog(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		body := &countingBody{ReadCloser: r.Body}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = body
		}
		defer func() {
			d := time.Since(start)
			logRequest(log, r, rec, body.n, d)
			m.observeRequest(r, routeOf(r), statusOf(rec), body.n, rec.bytes, d)
		}()
		next.ServeHTTP(rec, r)
	})
}

func logRequest(log *slog.Logger, r *http.Request, rec *recorder, in int64, d time.Duration) {
	status := statusOf(rec)
	level := slog.LevelInfo
	switch {
	case r.URL.Path == pathHealthz || r.URL.Path == pathReadyz:
		level = slog.LevelDebug // probes every few seconds would drown the log
	case status >= 500:
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if !log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Int64("bytes_in", in),
		slog.Duration("duration", d),
		slog.String("remote", r.RemoteAddr),
	}
	if route := routeOf(r); route != "" {
		attrs = append(attrs, slog.String("route", route))
	}
	if repo := repository(r.URL.Path); repo != "" {
		attrs = append(attrs, slog.String("repository", repo))
	}
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		if user := info.user.Load(); user != nil {
			attrs = append(attrs, slog.String("user", *user))
		}
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, slog.String("agent", ua))
	}
	log.LogAttrs(ctx, level, "request", attrs...)
}

// statusOf is the status the client got.
func statusOf(rec *recorder) int {
	if rec.status == 0 {
		return http.StatusOK // nothing written: net/http sends an empty 200
	}
	return rec.status
}

// repository extracts <name> from /v2/<name>/{blobs,manifests,tags,referrers}/…
// for the log. A name may itself contain those words as components, but
// what follows the route's own marker never does, so the last one wins.
func repository(path string) string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return ""
	}
	end := -1
	for _, marker := range []string{"/blobs/", "/manifests/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, marker); i > end {
			end = i
		}
	}
	if end <= 0 {
		return ""
	}
	return rest[:end]
}
