package server

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(LogConfig{Level: "warn", Format: "text"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), infoKey{}, &requestInfo{id: "req-1"})
	log.InfoContext(ctx, "hidden")
	log.With("component", "gc").WarnContext(ctx, "shown")
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, "msg=shown") ||
		!strings.Contains(out, "component=gc") || !strings.Contains(out, "request_id=req-1") {
		t.Errorf("text log at warn: %q", out)
	}

	for _, c := range []LogConfig{{Level: "loud", Format: "text"}, {Level: "info", Format: "xml"}} {
		if _, err := NewLogger(c, &buf); err == nil {
			t.Errorf("NewLogger(%+v) accepted it", c)
		}
	}
}
