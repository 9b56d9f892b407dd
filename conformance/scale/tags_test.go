package scale

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Shape of the concurrent tag test: every replica writes every tag this
// many rounds, choosing among this many manifests.
const (
	tagRounds = 3
	tagImages = 4
)

// testConcurrentTags has all three replicas move the same tags between
// manifests at once. Afterwards every replica lists each tag exactly once,
// resolves it to the same manifest, one that was written to it, and the
// catalog is the same everywhere.
func (c *cluster) testConcurrentTags(t *testing.T) {
	const repo = "scale/tags"
	tags := []string{"a", "b", "c", "latest", "stable", "v1"}
	authz := make([]string, len(c.r))
	for i, r := range c.r {
		authz[i] = r.token(t, "admin", c.admin, "repository:"+repo+":pull,push", "registry:catalog:*")
	}
	layer := randomBytes(1024)
	var images []image
	for i := range tagImages {
		config := fmt.Appendf(nil, `{"architecture":"amd64","os":"linux","variant":"v%d"}`, i)
		images = append(images, c.r[i%len(c.r)].pushImage(t, authz[i%len(c.r)], repo, config, layer))
	}

	written := c.writeTagsConcurrently(t, repo, tags, images, authz)
	for i, r := range c.r {
		if got := listAll(t, r, "/v2/"+repo+"/tags/list", "tags", authz[i], 0); !slices.Equal(got, tags) {
			t.Errorf("tags through %s: %q, want %q", r.name, got, tags)
		}
		if got := listAll(t, r, "/v2/"+repo+"/tags/list", "tags", authz[i], 2); !slices.Equal(got, tags) {
			t.Errorf("tags through %s, 2 a page: %q, want %q", r.name, got, tags)
		}
	}
	for _, tag := range tags {
		c.checkTag(t, repo, tag, written[tag], authz)
	}
	c.checkCatalog(t, repo, authz)
}

// writeTagsConcurrently has one goroutine per replica put manifests under
// every tag, and returns which manifests were put under each tag.
func (c *cluster) writeTagsConcurrently(t *testing.T, repo string, tags []string, images []image, authz []string) map[string]map[digest.Digest]bool {
	var mu sync.Mutex
	written := map[string]map[digest.Digest]bool{}
	var wg sync.WaitGroup
	for i, r := range c.r {
		wg.Go(func() {
			for round := range tagRounds {
				for k, tag := range tags {
					img := images[(i+round+k)%len(images)]
					mu.Lock()
					if written[tag] == nil {
						written[tag] = map[digest.Digest]bool{}
					}
					written[tag][img.digest] = true
					mu.Unlock()
					rep, err := tryCall(t.Context(), "PUT", r.url+"/v2/"+repo+"/manifests/"+tag, authz[i],
						map[string]string{"Content-Type": ocispec.MediaTypeImageManifest}, img.manifest)
					if err != nil {
						t.Error(err)
					} else if rep.StatusCode != http.StatusCreated {
						t.Errorf("%s: PUT %s:%s: %s %.300s", r.name, repo, tag, rep.Status, rep.body)
					}
				}
			}
		})
	}
	wg.Wait()
	return written
}

// checkTag resolves tag on every replica: all must agree, on a manifest
// that was written to it, and serve that manifest's bytes.
func (c *cluster) checkTag(t *testing.T, repo, tag string, written map[digest.Digest]bool, authz []string) {
	t.Helper()
	var first digest.Digest
	for i, r := range c.r {
		rep := call(t, "GET", r.url+"/v2/"+repo+"/manifests/"+tag, authz[i],
			map[string]string{"Accept": ocispec.MediaTypeImageManifest}, nil).expect(t, http.StatusOK)
		d := digest.Digest(rep.Header.Get("Docker-Content-Digest"))
		if body := digest.FromBytes(rep.body); body != d {
			t.Errorf("%s: %s:%s has Docker-Content-Digest %s but its bytes are %s", r.name, repo, tag, d, body)
		}
		if !written[d] {
			t.Errorf("%s: %s:%s resolves to %s, which was never written to it", r.name, repo, tag, d)
		}
		if i == 0 {
			first = d
		} else if d != first {
			t.Errorf("%s: %s:%s resolves to %s, %s says %s", r.name, repo, tag, d, c.r[0].name, first)
		}
	}
}

// checkCatalog: every replica lists the same repositories, sorted, once
// each, repo among them, whole or a page at a time.
func (c *cluster) checkCatalog(t *testing.T, repo string, authz []string) {
	t.Helper()
	var first []string
	for i, r := range c.r {
		all := listAll(t, r, "/v2/_catalog", "repositories", authz[i], 0)
		if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) || !slices.Contains(all, repo) {
			t.Errorf("catalog through %s: %q, want sorted names without duplicates, %s among them", r.name, all, repo)
		}
		if paged := listAll(t, r, "/v2/_catalog", "repositories", authz[i], 1); !slices.Equal(paged, all) {
			t.Errorf("catalog through %s, 1 a page: %q, whole: %q", r.name, paged, all)
		}
		if i == 0 {
			first = all
		} else if !slices.Equal(all, first) {
			t.Errorf("catalog through %s: %q, %s says %q", r.name, all, c.r[0].name, first)
		}
	}
}

// maxPages stops a listing whose Link never ends.
const maxPages = 100

// listAll reads a list endpoint (tags or catalog), n names a page
// following Link headers, or whole when n is 0, and returns field's names.
func listAll(t *testing.T, r *replica, path, field, authz string, n int) []string {
	t.Helper()
	next := path
	if n > 0 {
		next += "?n=" + fmt.Sprint(n)
	}
	var out []string
	for page := 0; next != ""; page++ {
		if page == maxPages {
			t.Fatalf("%s: %s still has a next page after %d pages", r.name, path, maxPages)
		}
		rep := call(t, "GET", r.url+next, authz, nil, nil).expect(t, http.StatusOK)
		var body map[string]json.RawMessage
		var names []string
		if err := json.Unmarshal(rep.body, &body); err != nil || json.Unmarshal(body[field], &names) != nil {
			t.Fatalf("%s: GET %s: no list of %s in %.200s", r.name, next, field, rep.body)
		}
		out = append(out, names...)
		next = nextLink(t, rep.Header.Get("Link"))
	}
	return out
}

// nextLink returns the path and query of a `<...>; rel="next"` Link header.
func nextLink(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		return ""
	}
	target, _, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	if !ok || !strings.Contains(link, `rel="next"`) {
		t.Fatalf("malformed Link header %q", link)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("Link header %q: %v", link, err)
	}
	return u.RequestURI()
}
