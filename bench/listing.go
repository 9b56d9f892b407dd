package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// countNames decodes a tags/list or _catalog answer and counts field.
func countNames(resp *http.Response, field string) (int, error) {
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s", resp.Status)
	}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	var names []string
	if raw, ok := body[field]; ok {
		if err := json.Unmarshal(raw, &names); err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
	}
	return len(names), nil
}

// nextLink returns the target of an RFC 5988 `<…>; rel="next"` header, or "".
func nextLink(h string) string {
	for part := range strings.SplitSeq(h, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		target = strings.TrimSpace(target)
		if strings.HasPrefix(target, "<") && strings.HasSuffix(target, ">") {
			return target[1 : len(target)-1]
		}
	}
	return ""
}
