package archive

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Filter selects images the way `docker images --filter` does. Values of
// one key are alternatives; different keys must all match.
//
//	reference=PATTERN   REPO or REPO:TAG matches the glob ("alice/*", "*:v1*")
//	since=WHEN          pushed after WHEN
//	before=WHEN         pushed before WHEN
//	label=KEY[=VALUE]   the image config has the label (with that value)
//	type=image|index    an image or an index
//
// WHEN is an RFC 3339 time, a date (2006-01-02), a duration ago ("36h"),
// or an image (REPO:TAG) whose push time is used.
type Filter struct {
	refs, labels, types []string
	since, before       []string
}

// ParseFilters parses KEY=VALUE specs.
func ParseFilters(specs []string) (*Filter, error) {
	f := &Filter{}
	for _, s := range specs {
		key, value, ok := strings.Cut(s, "=")
		if !ok || value == "" {
			return nil, fmt.Errorf("filter %q: want KEY=VALUE", s)
		}
		switch key {
		case "reference":
			if _, err := path.Match(value, ""); err != nil {
				return nil, fmt.Errorf("filter %q: %w", s, err)
			}
			f.refs = append(f.refs, value)
		case "since":
			f.since = append(f.since, value)
		case "before":
			f.before = append(f.before, value)
		case "label":
			f.labels = append(f.labels, value)
		case "type":
			if value != "image" && value != "index" {
				return nil, fmt.Errorf("filter %q: type is image or index", s)
			}
			f.types = append(f.types, value)
		default:
			return nil, fmt.Errorf("filter %q: unknown key %q (reference, since, before, label, type)", s, key)
		}
	}
	return f, nil
}

// NeedsLabels reports whether the filter reads image labels.
func (f *Filter) NeedsLabels() bool { return len(f.labels) > 0 }

// Apply returns the images of list the filter keeps; since and before
// naming an image look it up in list.
func (f *Filter) Apply(list []ImageInfo, now time.Time) ([]ImageInfo, error) {
	since, err := whens(f.since, list, now)
	if err != nil {
		return nil, err
	}
	before, err := whens(f.before, list, now)
	if err != nil {
		return nil, err
	}
	var out []ImageInfo
	for _, img := range list {
		if f.keep(img, since, before) {
			out = append(out, img)
		}
	}
	return out, nil
}

func (f *Filter) keep(img ImageInfo, since, before []time.Time) bool {
	return anyOf(f.refs, func(p string) bool { return matchReference(p, img) }) &&
		anyOf(f.types, func(t string) bool { return (t == "index") == (img.Index != nil) }) &&
		allOf(f.labels, func(l string) bool { return hasLabel(img.Labels, l) }) &&
		allOf(since, func(t time.Time) bool { return !img.Pushed.IsZero() && img.Pushed.After(t) }) &&
		allOf(before, func(t time.Time) bool { return !img.Pushed.IsZero() && img.Pushed.Before(t) })
}

// anyOf is true when list is empty or ok holds for one of its elements.
func anyOf[T any](list []T, ok func(T) bool) bool {
	return len(list) == 0 || slices.ContainsFunc(list, ok)
}

// allOf is true when ok holds for every element of list.
func allOf[T any](list []T, ok func(T) bool) bool {
	for _, x := range list {
		if !ok(x) {
			return false
		}
	}
	return true
}

func matchReference(pattern string, img ImageInfo) bool {
	for _, s := range []string{img.Repository, img.Repository + ":" + img.Tag} {
		if ok, _ := path.Match(pattern, s); ok {
			return true
		}
	}
	return false
}

func hasLabel(labels map[string]string, want string) bool {
	key, value, withValue := strings.Cut(want, "=")
	have, ok := labels[key]
	return ok && (!withValue || have == value)
}

// whens resolves since/before values.
func whens(values []string, list []ImageInfo, now time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, v := range values {
		t, err := when(v, list, now)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func when(v string, list []ImageInfo, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	ref, err := ParseReference(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("filter value %q: not a time, a duration or an image", v)
	}
	for _, img := range list {
		if img.Repository == ref.Repo && (img.Tag == ref.Tag || (ref.Digest != "" && img.Digest == ref.Digest)) {
			if img.Pushed.IsZero() {
				return time.Time{}, fmt.Errorf("filter value %q: the registry does not say when it was pushed", v)
			}
			return img.Pushed, nil
		}
	}
	return time.Time{}, fmt.Errorf("filter value %q: no such image", v)
}
