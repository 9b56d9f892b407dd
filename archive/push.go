package archive

import (
	"context"
	"fmt"
	"slices"

	"github.com/opencontainers/go-digest"
)

// Push imports the archive into reg: every blob first (verified as it
// streams; blobs the registry holds are linked, not sent), then manifests
// by digest, then tags. When anything fails, every change is taken back,
// so the registry looks as it did. Progress counts blob bytes.
func (a *Archive) Push(ctx context.Context, reg Registry, progress Progress) (err error) {
	if err := a.checkNames(); err != nil {
		return err
	}
	var undo undoLog
	defer func() {
		if err != nil {
			err = undo.run(ctx, err)
		}
	}()
	repos := a.repositories()
	if err := a.pushBlobs(ctx, reg, repos, &undo, progress); err != nil {
		return err
	}
	for _, repo := range repos {
		for _, d := range a.manifestsIn(repo) {
			if err := a.pushManifest(ctx, reg, repo, d, &undo); err != nil {
				return err
			}
		}
	}
	for _, img := range a.images {
		for _, n := range img.Names {
			if err := a.pushTag(ctx, reg, img, n, &undo); err != nil {
				return err
			}
		}
	}
	return nil
}

// repositories lists the repositories the images go to, sorted.
func (a *Archive) repositories() []string {
	var repos []string
	for _, img := range a.images {
		for _, n := range img.Names {
			repos = appendNew(repos, n.Repo)
		}
	}
	slices.Sort(repos)
	return repos
}

// blobsIn lists the blobs repo needs, once each.
func (a *Archive) blobsIn(repo string) []digest.Digest {
	var out []digest.Digest
	for _, img := range a.imagesIn(repo) {
		out = appendNew(out, img.blobs...)
	}
	return out
}

// manifestsIn lists the manifests repo needs, children before indexes.
func (a *Archive) manifestsIn(repo string) []digest.Digest {
	var out []digest.Digest
	for _, img := range a.imagesIn(repo) {
		out = appendNew(out, img.manifests...)
	}
	return out
}

func (a *Archive) imagesIn(repo string) []*Image {
	var out []*Image
	for _, img := range a.images {
		if slices.ContainsFunc(img.Names, func(n Reference) bool { return n.Repo == repo }) {
			out = append(out, img)
		}
	}
	return out
}

// pushManifest stores manifest d in repo by digest, unless it is there.
func (a *Archive) pushManifest(ctx context.Context, reg Registry, repo string, d digest.Digest, undo *undoLog) error {
	has, err := reg.HasManifest(ctx, repo, d)
	if err != nil || has {
		return err
	}
	m := a.manifests[d]
	undo.add("manifest "+d.String()+" of "+repo, func(ctx context.Context) error { return reg.DeleteManifest(ctx, repo, d) })
	if err := reg.PutManifest(ctx, repo, d.String(), m.desc.MediaType, m.data); err != nil {
		return fmt.Errorf("manifest %s into %s: %w", d, repo, err)
	}
	return nil
}

// pushTag points n at img, remembering what the tag pointed at before.
func (a *Archive) pushTag(ctx context.Context, reg Registry, img *Image, n Reference, undo *undoLog) error {
	if n.Tag == "" {
		return nil
	}
	old, err := reg.Manifest(ctx, n.Repo, n.Tag)
	if ok, err := exists(err); err != nil {
		return fmt.Errorf("%s: %w", n, err)
	} else if ok && old.Digest == img.Digest {
		return nil
	}
	m := a.manifests[img.Digest]
	undo.add("tag "+n.String(), func(ctx context.Context) error {
		if old != nil {
			return reg.PutManifest(ctx, n.Repo, n.Tag, old.MediaType, old.Data)
		}
		return reg.DeleteTag(ctx, n.Repo, n.Tag)
	})
	if err := reg.PutManifest(ctx, n.Repo, n.Tag, m.desc.MediaType, m.data); err != nil {
		return fmt.Errorf("tagging %s: %w", n, err)
	}
	return nil
}
