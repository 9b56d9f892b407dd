package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/pier-registry/pier/auth"
	"github.com/pier-registry/pier/storage"
	"github.com/pier-registry/pier/storage/mem"
)

// noDelete grants everything but delete.
type noDelete struct{}

func (noDelete) Authorize(_ *http.Request, want []auth.Access) (auth.Subject, error) {
	for _, a := range want {
		if slices.Contains(a.Actions, auth.ActionDelete) {
			return auth.Subject{}, auth.ErrDenied
		}
	}
	return auth.Subject{}, nil
}

func (noDelete) Allowed(_ context.Context, _ auth.Subject, a auth.Access) []string { return a.Actions }

func TestDeleteRepositoryEndpoint(t *testing.T) {
	ctx := context.Background()
	s := storage.New(mem.New())
	if err := s.SetPolicies([]storage.PolicyRule{{Repositories: []string{"prod/*"}, ImmutableTags: []string{"v*"}}}); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"team/app", "team/app/sub", "prod/api"} {
		config := []byte(`{"repo":"` + repo + `"}`)
		if _, err := s.PutBlob(ctx, repo, strings.NewReader(string(config)), digest.FromBytes(config)); err != nil {
			t.Fatal(err)
		}
		m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` +
			digest.FromBytes(config).String() + `","size":` + itoa(len(config)) + `},"layers":[]}`
		if _, err := s.PutManifest(ctx, repo, "v1", "", []byte(m), nil); err != nil {
			t.Fatal(err)
		}
	}
	h := New(Options{Store: s})
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/repositories/team/app", http.StatusAccepted, ""},
		{"/api/v1/repositories/team/app", http.StatusNotFound, "NAME_UNKNOWN"},
		{"/api/v1/repositories/prod/api", http.StatusForbidden, "DENIED"},
		{"/api/v1/repositories/Bad", http.StatusBadRequest, "NAME_INVALID"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, tc.path, nil))
		if rec.Code != tc.status || (tc.code != "" && !strings.Contains(rec.Body.String(), `"`+tc.code+`"`)) {
			t.Errorf("DELETE %s: %d %s, want %d %s", tc.path, rec.Code, rec.Body, tc.status, tc.code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/_catalog", nil))
	var cat struct{ Repositories []string }
	if err := json.Unmarshal(rec.Body.Bytes(), &cat); err != nil {
		t.Fatal(err)
	}
	if want := []string{"prod/api", "team/app/sub"}; !slices.Equal(cat.Repositories, want) {
		t.Fatalf("catalog %v, want %v", cat.Repositories, want)
	}

	denied := New(Options{Store: s, Auth: noDelete{}})
	rec = httptest.NewRecorder()
	denied.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/api/v1/repositories/team/app/sub", nil))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("without delete access: %d %s, want 403", rec.Code, rec.Body)
	}
	if ok, _ := s.RepositoryExists(ctx, "team/app/sub"); !ok {
		t.Fatal("a denied delete removed the repository")
	}
}
