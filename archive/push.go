package archive

import (
	"context"
	"fmt"
	"io"
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
	sent := map[digest.Digest]string{} // blob → the repository it went to first
	for _, repo := range repos {
		for _, d := range a.blobsIn(repo) {
			if err := a.pushBlob(ctx, reg, repo, d, sent, &undo, progress); err != nil {
				return err
			}
		}
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

// pushBlob makes blob d visible in repo: nothing to do when it is there,
// a mount when the registry holds it elsewhere, else an upload. Progress
// counts each blob once, in the first repository that needs it.
func (a *Archive) pushBlob(ctx context.Context, reg Registry, repo string, d digest.Digest, sent map[digest.Digest]string, undo *undoLog, progress Progress) error {
	b := a.blobs[d]
	from, again := sent[d]
	if again {
		progress = nil
	} else {
		sent[d] = repo
	}
	has, err := reg.HasBlob(ctx, repo, d)
	if err != nil {
		return fmt.Errorf("%s: %w", repo, err)
	}
	if has {
		return a.verifyOnce(b, again, progress)
	}
	mounted, err := reg.MountBlob(ctx, repo, from, d)
	if err != nil {
		return fmt.Errorf("%s: linking %s: %w", repo, d, err)
	}
	if mounted {
		err = a.verifyOnce(b, again, progress)
	} else {
		err = a.upload(ctx, reg, repo, b, progress)
	}
	if err != nil {
		return err
	}
	undo.add("blob "+d.String()+" of "+repo, func(ctx context.Context) error { return reg.DeleteBlob(ctx, repo, d) })
	return nil
}

// verifyOnce checks the archive's copy of a blob the registry already
// holds, the first time it comes up: a damaged archive is refused even
// when nothing of it would be sent.
func (a *Archive) verifyOnce(b *blobItem, again bool, progress Progress) error {
	if again {
		return nil
	}
	rc, _, err := a.src.open(b.entry)
	if err != nil {
		return err
	}
	defer rc.Close()
	r, closeCheck := a.checked(rc, b)
	defer closeCheck()
	v := b.desc.Digest.Verifier()
	n, err := io.CopyBuffer(v, withProgress(r, progress), make([]byte, copyBuffer))
	if err != nil {
		return fmt.Errorf("%s: %w", b.entry, err)
	}
	if n != b.desc.Size || !v.Verified() {
		return fmt.Errorf("%s: %w: content does not match %s", b.entry, ErrCorrupt, b.desc.Digest)
	}
	return nil
}

// checked wraps the reader of b's entry with the diff ID check its layer
// needs, if any; call the returned func when done.
func (a *Archive) checked(rc io.Reader, b *blobItem) (io.Reader, func()) {
	if b.diffID == "" {
		return rc, func() {}
	}
	check := checkDiffID(rc, b.desc.MediaType, b.diffID, b.entry)
	return check, func() { check.Close() }
}

// upload streams the blob's entry into repo.
func (a *Archive) upload(ctx context.Context, reg Registry, repo string, b *blobItem, progress Progress) error {
	rc, _, err := a.src.open(b.entry)
	if err != nil {
		return err
	}
	defer rc.Close()
	r, closeCheck := a.checked(rc, b)
	defer closeCheck()
	if err := reg.PutBlob(ctx, repo, b.desc, withProgress(r, progress)); err != nil {
		return fmt.Errorf("%s (%s) into %s: %w", b.entry, b.desc.Digest, repo, err)
	}
	return nil
}

// pushManifest stores manifest d in repo by digest, unless it is there.
func (a *Archive) pushManifest(ctx context.Context, reg Registry, repo string, d digest.Digest, undo *undoLog) error {
	has, err := reg.HasManifest(ctx, repo, d)
	if err != nil || has {
		return err
	}
	m := a.manifests[d]
	if err := reg.PutManifest(ctx, repo, d.String(), m.desc.MediaType, m.data); err != nil {
		return fmt.Errorf("manifest %s into %s: %w", d, repo, err)
	}
	undo.add("manifest "+d.String()+" of "+repo, func(ctx context.Context) error { return reg.DeleteManifest(ctx, repo, d) })
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
	if err := reg.PutManifest(ctx, n.Repo, n.Tag, m.desc.MediaType, m.data); err != nil {
		return fmt.Errorf("tagging %s: %w", n, err)
	}
	undo.add("tag "+n.String(), func(ctx context.Context) error {
		if old != nil {
			return reg.PutManifest(ctx, n.Repo, n.Tag, old.MediaType, old.Data)
		}
		return reg.DeleteTag(ctx, n.Repo, n.Tag)
	})
	return nil
}
