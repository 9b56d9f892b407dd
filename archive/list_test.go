package archive

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
)

func TestListImages(t *testing.T) {
	ctx := context.Background()
	_, reg := newStore()
	l1, l2 := randomLayer(t, 71, 3000), randomLayer(t, 72, 2000)
	app := classicImage{tags: []string{"app:1", "app:latest"}, layers: [][]byte{l1, l2}, labels: map[string]string{"team": "core"}}
	other := classicImage{tags: []string{"team/other:v2"}, layers: [][]byte{l1}}
	if _, err := importFile(t, reg, writeFile(t, "save.tar", classicTar(t, app, other))); err != nil {
		t.Fatal(err)
	}
	idx := platformIndex(t)
	if _, err := importFile(t, reg, layoutDir(t, idx, "multi:1", nil, "")); err != nil {
		t.Fatal(err)
	}

	list, err := ListImages(ctx, reg, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, img := range list {
		names = append(names, img.Repository+":"+img.Tag)
		if img.Pushed.IsZero() || time.Since(img.Pushed) > time.Hour {
			t.Errorf("%s pushed %v", img.Tag, img.Pushed)
		}
	}
	if want := []string{"app:1", "app:latest", "multi:1", "team/other:v2"}; !slices.Equal(names, want) {
		t.Fatalf("listed %v, want %v", names, want)
	}
	if want := int64(len(app.config(t)) + len(l1) + len(l2)); list[0].Size != want || list[0].Index != nil {
		t.Errorf("app:1 size %d, want %d", list[0].Size, want)
	}
	if list[0].Labels["team"] != "core" {
		t.Errorf("labels %v", list[0].Labels)
	}
	multi := list[2]
	if multi.Index == nil || multi.Index.Manifests != 2 || !slices.Equal(multi.Index.Platforms, []string{"linux/amd64", "linux/arm64/v8"}) {
		t.Errorf("index: %+v", multi.Index)
	}
	if want := indexSize(t, idx); multi.Size != want {
		t.Errorf("index size %d, want %d", multi.Size, want)
	}

	one, err := ListImages(ctx, reg, "team/other", false)
	if err != nil || len(one) != 1 || one[0].Labels != nil {
		t.Errorf("one repository: %+v %v", one, err)
	}
	if _, err := ListImages(ctx, reg, "nothere", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing repository: %v", err)
	}
}

// indexSize adds up the config and layers of every image of idx, each
// blob once.
func indexSize(t *testing.T, idx ggcr.ImageIndex) int64 {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var n int64
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range append([]ggcr.Descriptor{m.Config}, m.Layers...) {
			if !seen[b.Digest.String()] {
				seen[b.Digest.String()] = true
				n += b.Size
			}
		}
	}
	return n
}

func TestFilter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	img := func(repo, tag string, index bool, pushed time.Time, labels map[string]string) ImageInfo {
		i := ImageInfo{Repository: repo, Tag: tag, Digest: digest.FromString(repo + tag), Pushed: pushed, Labels: labels}
		if index {
			i.Index = &IndexInfo{Manifests: 2}
		}
		return i
	}
	list := []ImageInfo{
		img("app", "1", false, now.Add(-48*time.Hour), map[string]string{"team": "core"}),
		img("app", "2", true, now.Add(-2*time.Hour), nil),
		img("alice/web", "v1", false, now.Add(-time.Hour), map[string]string{"team": "web"}),
		img("remote", "x", false, time.Time{}, nil),
	}
	for _, c := range []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"app:1", "app:2", "alice/web:v1", "remote:x"}},
		{[]string{"reference=app"}, []string{"app:1", "app:2"}},
		{[]string{"reference=alice/*"}, []string{"alice/web:v1"}},
		{[]string{"reference=*/*:v*", "reference=app:2"}, []string{"app:2", "alice/web:v1"}},
		{[]string{"type=index"}, []string{"app:2"}},
		{[]string{"type=image", "reference=app"}, []string{"app:1"}},
		{[]string{"label=team"}, []string{"app:1", "alice/web:v1"}},
		{[]string{"label=team=web"}, []string{"alice/web:v1"}},
		{[]string{"since=24h"}, []string{"app:2", "alice/web:v1"}},
		{[]string{"before=24h"}, []string{"app:1"}},
		{[]string{"since=app:1", "before=alice/web:v1"}, []string{"app:2"}},
		{[]string{"since=2025-06-01T10:30:00Z"}, []string{"alice/web:v1"}},
		{[]string{"before=2025-05-31"}, []string{"app:1"}},
	} {
		f, err := ParseFilters(c.filters)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Apply(list, now)
		if err != nil {
			t.Fatalf("%v: %v", c.filters, err)
		}
		var names []string
		for _, i := range got {
			names = append(names, i.Repository+":"+i.Tag)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("%v: %v, want %v", c.filters, names, c.want)
		}
	}
	for _, bad := range []string{"reference", "reference=", "colour=red", "type=blob", "reference=[", "since=nothing:here"} {
		f, err := ParseFilters([]string{bad})
		if err == nil {
			_, err = f.Apply(list, now)
		}
		if err == nil {
			t.Errorf("filter %q accepted", bad)
		}
	}
}
