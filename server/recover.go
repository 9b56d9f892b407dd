package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// withRecovery turns a panic in a handler into a logged error and a plain
// 500 that tells the client nothing but the request id.
func withRecovery(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // a deliberate abort: let net/http close the connection quietly
			}
			log.ErrorContext(r.Context(), "panic serving request",
				"method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				// Part of a reply is out: a 500 can no longer be sent, and the
				// client must not take what it got as complete.
				panic(http.ErrAbortHandler)
			}
			writeInternalError(w, RequestID(r.Context()))
		}()
		next.ServeHTTP(w, r)
	})
}

// writeInternalError answers 500 with an OCI error body.
func writeInternalError(w http.ResponseWriter, id string) {
	h := w.Header()
	for k := range h {
		if k != HeaderRequestID {
			delete(h, k) // headers the handler set describe a reply that never came
		}
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `{"errors":[{"code":"UNKNOWN","message":"internal server error","detail":{"requestId":%q}}]}`+"\n", id)
}
