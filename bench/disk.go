package main

import (
	"os"
	"path/filepath"
	"time"
)

// diskRow measures what durability costs here: writing the round's blobs
// to one file and fsyncing it, which bounds any push that waits for the
// disk before it answers.
func (b *bench) diskRow(sec string) error {
	p := filepath.Join(b.o.work, "disk-probe")
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	defer os.Remove(p)
	var total int64
	start := time.Now()
	for _, bl := range b.data.blobs {
		n, err := f.Write(bl.data)
		total += int64(n)
		if err != nil {
			f.Close()
			return err
		}
	}
	err = f.Sync()
	wall := time.Since(start)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	r := b.res.row(sec, "disk: sequential write + fsync", "MiB/s", true, noCPU)
	r.add("disk", sample{value: float64(total) / mib / wall.Seconds()})
	return nil
}
