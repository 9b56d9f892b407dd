package main

import (
	"slices"
)

// cpuUnit says how a row's server CPU is normalised.
type cpuUnit string

const (
	cpuPerGiB cpuUnit = "s/GiB"
	cpuPerReq cpuUnit = "µs/req"
	noCPU     cpuUnit = ""
)

// sample is one measurement of one server.
type sample struct {
	value float64 // in the row's unit
	cpu   float64 // server CPU, in the row's cpuUnit
}

// row is one scenario: a sample per server per round.
type row struct {
	section, label, unit string
	higherIsBetter       bool
	cpu                  cpuUnit
	servers              []string // in order of first sample
	samples              map[string][]sample
}

// results are the rows of a run, in the order they were first measured.
type results struct {
	rows []*row
}

// row returns the row named label in section, creating it.
func (rs *results) row(section, label, unit string, higherIsBetter bool, cpu cpuUnit) *row {
	for _, r := range rs.rows {
		if r.section == section && r.label == label {
			return r
		}
	}
	r := &row{section: section, label: label, unit: unit, higherIsBetter: higherIsBetter, cpu: cpu, samples: map[string][]sample{}}
	rs.rows = append(rs.rows, r)
	return r
}

func (r *row) add(server string, s sample) {
	if _, ok := r.samples[server]; !ok {
		r.servers = append(r.servers, server)
	}
	r.samples[server] = append(r.samples[server], s)
}

// median returns the medians of server's values and CPU figures; ok is
// false when the server has no sample in this row.
func (r *row) median(server string) (value, cpu float64, ok bool) {
	ss := r.samples[server]
	if len(ss) == 0 {
		return 0, 0, false
	}
	vs := make([]float64, len(ss))
	cs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i], cs[i] = s.value, s.cpu
	}
	return median(vs), median(cs), true
}

// median of xs; the mean of the middle two for an even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted
// durations in xs, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}
