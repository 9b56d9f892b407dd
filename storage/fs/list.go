package fs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pier-registry/pier/storage"
)

// List walks the tree in key order, one directory at a time: it reads a
// directory, sorts its entries by the key text they stand for (a value by
// its key, a directory by its key prefix with the trailing '/'), and
// descends in that order. Subtrees outside prefix or wholly at or before
// startAfter are never read, and nothing is read past where the caller
// stops.
func (d *Driver) List(ctx context.Context, prefix, startAfter string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		d.list(&walker{d: d, ctx: ctx, prefix: prefix, after: startAfter, yield: yield})
	}
}

var _ storage.KeyLister = (*Driver)(nil)

// ListKeys is List without a stat of every key: a key deleted while its
// directory was being read may still be listed.
func (d *Driver) ListKeys(ctx context.Context, prefix, startAfter string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		keyOnly := func(info storage.Info, err error) bool { return yield(info.Key, err) }
		d.list(&walker{d: d, ctx: ctx, prefix: prefix, after: startAfter, yield: keyOnly, keysOnly: true})
	}
}

func (d *Driver) list(w *walker) {
	if err := w.ctx.Err(); err != nil {
		w.fail(err)
		return
	}
	// Start in the deepest directory that prefix names in full.
	base := w.prefix[:strings.LastIndexByte(w.prefix, '/')+1]
	if base != "" && checkKey(strings.TrimSuffix(base, "/")) != nil {
		return // no key lives below a segment that no key can have
	}
	w.walk(filepath.Join(d.root, filepath.FromSlash(base)), base)
}

// walker is the state of one List.
type walker struct {
	d        *Driver
	ctx      context.Context
	prefix   string
	after    string
	yield    func(storage.Info, error) bool
	keysOnly bool // yield keys without stat'ing them (ListKeys)
}

// entry is one listed name of a directory, with the key text it stands for.
type entry struct {
	text string // the key of a leaf; the key prefix, ending in '/', of a branch
	kind entryKind
	de   os.DirEntry
}

// walk lists the directory dir, whose keys all start with base. It returns
// false when the listing is over: the caller stopped, an error was yielded,
// or the walk passed the last key with prefix.
func (w *walker) walk(dir, base string) bool {
	if err := w.ctx.Err(); err != nil {
		return w.fail(err)
	}
	entries, err := w.read(dir, base)
	if err != nil {
		return w.fail(err)
	}
	for _, e := range entries[w.start(entries):] {
		if e.text > w.prefix && !strings.HasPrefix(e.text, w.prefix) {
			return false // this and all that follow sort past the prefix
		}
		var more bool
		if e.kind == branch {
			more = !w.wantBranch(e.text) || w.walk(filepath.Join(dir, e.de.Name()), e.text)
		} else {
			more = !w.wantLeaf(e.text) || w.emit(e)
		}
		if !more {
			return false
		}
	}
	return true
}

// start is the index of the first of entries (in key order) that may be
// listed: every one before it sorts at or before startAfter, except a
// branch whose keys may still sort after it.
func (w *walker) start(entries []entry) int {
	i := sort.Search(len(entries), func(i int) bool { return entries[i].text > w.after })
	if i > 0 && entries[i-1].kind == branch && strings.HasPrefix(w.after, entries[i-1].text) {
		i--
	}
	return i
}

// read returns the listed entries of dir in key order, from the cache
// while dir keeps the modification time they were read at. A directory
// pruned by a concurrent Delete is empty. The entries must not be modified.
func (w *walker) read(dir, base string) ([]entry, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if entries, ok := w.d.dirs.get(dir, fi.ModTime()); ok {
		return entries, nil
	}
	readAt := time.Now()
	entries, err := readEntries(dir, base)
	if err == nil {
		w.d.dirs.put(dir, fi.ModTime(), readAt, entries)
	}
	return entries, err
}

// readEntries reads the listed entries of dir and sorts them in key order.
func readEntries(dir, base string) ([]entry, error) {
	f, err := os.Open(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// (*File).ReadDir, unlike os.ReadDir, does not sort by name: the sort
	// below is by key text, and one is enough.
	des, err := f.ReadDir(-1)
	f.Close()
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	entries := make([]entry, 0, len(des))
	for _, de := range des {
		kind, seg := classify(de.Name(), de.IsDir(), de.Type().IsRegular())
		switch kind {
		case leaf:
			entries = append(entries, entry{text: base + seg, kind: kind, de: de})
		case branch:
			entries = append(entries, entry{text: base + seg + "/", kind: kind, de: de})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.text, b.text) })
	return entries, nil
}

// wantLeaf reports whether key is listed.
func (w *walker) wantLeaf(key string) bool {
	return key > w.after && strings.HasPrefix(key, w.prefix)
}

// wantBranch reports whether the subtree of keys that start with p may hold
// a listed key. Every such key sorts after p; when startAfter sorts after p
// without starting with it, every such key sorts before startAfter.
func (w *walker) wantBranch(p string) bool {
	if !strings.HasPrefix(p, w.prefix) && !strings.HasPrefix(w.prefix, p) {
		return false
	}
	return w.after <= p || strings.HasPrefix(w.after, p)
}

// emit yields the leaf e, unless it was deleted since its directory was read.
func (w *walker) emit(e entry) bool {
	if err := w.ctx.Err(); err != nil {
		return w.fail(err)
	}
	if w.keysOnly {
		return w.yield(storage.Info{Key: e.text}, nil)
	}
	fi, err := e.de.Info()
	if errors.Is(err, iofs.ErrNotExist) {
		return true
	}
	if err != nil {
		return w.fail(err)
	}
	return w.yield(storage.Info{Key: e.text, Size: fi.Size(), ModTime: fi.ModTime()}, nil)
}

// fail yields err and ends the listing.
func (w *walker) fail(err error) bool {
	w.yield(storage.Info{}, fmt.Errorf("fs: list %q after %q: %w", w.prefix, w.after, err))
	return false
}
