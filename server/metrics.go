package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pier-registry/pier/storage"
)

// pathMetrics is where Prometheus scrapes.
const pathMetrics = "/metrics"

// routeOther labels requests that matched no route, so that random paths
// cannot blow up the number of series.
const routeOther = "other"

// MetricsConfig is the metrics section of the configuration.
type MetricsConfig struct {
	// Enabled serves Prometheus metrics at /metrics, without
	// authentication: keep the port away from the public or filter
	// /metrics at the proxy. Default true.
	Enabled bool `yaml:"enabled"`
}

// Metrics are pier's Prometheus metrics. They live on a registry of their
// own (nothing global), served at /metrics. A nil *Metrics records nothing.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	bytesIn      *prometheus.CounterVec
	bytesOut     *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	uploads      prometheus.Gauge

	storageDuration *prometheus.HistogramVec
	storageErrors   *prometheus.CounterVec

	gcRuns    *prometheus.CounterVec
	gcBlobs   prometheus.Counter
	gcFreed   prometheus.Counter
	gcSeconds prometheus.Histogram
}

// NewMetrics returns a fresh set of metrics with the Go runtime's and the
// process's beside them.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerHTTP()
	m.registerStorage()
	m.registerGC()
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func (m *Metrics) registerHTTP() {
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_http_requests_total",
		Help: "HTTP requests answered, by route template, method and status code.",
	}, []string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "pier_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route template and method.",
		// From a cached HEAD to an hour-long layer upload.
		Buckets: []float64{.001, .005, .025, .1, .5, 1, 5, 30, 120, 600, 3600},
	}, []string{"route", "method"})
	m.bytesIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_http_received_bytes_total",
		Help: "Request body bytes read, by route template.",
	}, []string{"route"})
	m.bytesOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_http_sent_bytes_total",
		Help: "Response body bytes written, by route template.",
	}, []string{"route"})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_auth_failures_total",
		Help: "Requests refused by authentication or authorization: invalid_credentials (401 although credentials were sent), denied (403), locked_out (429).",
	}, []string{"reason"})
	m.uploads = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pier_uploads_in_progress",
		Help: "Blob uploads this process is writing to storage right now.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.bytesIn, m.bytesOut, m.authFailures, m.uploads)
}

func (m *Metrics) registerStorage() {
	m.storageDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pier_storage_operation_duration_seconds",
		Help:    "Time the storage driver took per operation (for list, the time spent in the driver over the whole listing).",
		Buckets: []float64{.0005, .001, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30},
	}, []string{"operation"})
	m.storageErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_storage_errors_total",
		Help: "Storage operations that failed, by operation; a key not found or a caller that went away is not counted.",
	}, []string{"operation"})
	m.reg.MustRegister(m.storageDuration, m.storageErrors)
}

func (m *Metrics) registerGC() {
	m.gcRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pier_gc_runs_total",
		Help: "Garbage collection runs, by result: ok, error, busy (another process held the lease) or dry_run.",
	}, []string{"result"})
	m.gcBlobs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pier_gc_deleted_blobs_total",
		Help: "Blobs deleted by garbage collection.",
	})
	m.gcFreed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "pier_gc_freed_bytes_total",
		Help: "Bytes of blobs deleted by garbage collection.",
	})
	m.gcSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "pier_gc_duration_seconds",
		Help:    "Time a garbage collection run took (dry runs not included).",
		Buckets: prometheus.ExponentialBuckets(0.1, 4, 10),
	})
	m.reg.MustRegister(m.gcRuns, m.gcBlobs, m.gcFreed, m.gcSeconds)
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Registry is where other packages may register metrics of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveGC records one garbage collection run as Store.CollectGarbage
// returned it, and passes both results on, so that a caller can write
//
//	report, err := metrics.ObserveGC(store.CollectGarbage(ctx, opts))
//
// Runs are counted by result: ok, error, busy (another process held the
// lease) or dry_run. What a failed run deleted before failing counts too.
func (m *Metrics) ObserveGC(r *storage.GCReport, err error) (*storage.GCReport, error) {
	if m == nil {
		return r, err
	}
	result := "ok"
	switch {
	case errors.Is(err, storage.ErrGCBusy):
		result = "busy"
	case err != nil:
		result = "error"
	case r != nil && r.DryRun:
		result = "dry_run"
	}
	m.gcRuns.WithLabelValues(result).Inc()
	if r != nil && !r.DryRun {
		m.gcBlobs.Add(float64(r.Blobs))
		m.gcFreed.Add(float64(r.BlobBytes))
		m.gcSeconds.Observe(r.Duration.Seconds())
	}
	return r, err
}

// observeRequest records one answered request.
func (m *Metrics) observeRequest(r *http.Request, route string, status int, in, out int64, d time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = routeOther
	}
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER" // a client picks the method: keep the label set bounded
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
	m.bytesIn.WithLabelValues(route).Add(float64(in))
	m.bytesOut.WithLabelValues(route).Add(float64(out))
	if reason := authFailure(r, status); reason != "" {
		m.authFailures.WithLabelValues(reason).Inc()
	}
}

// authFailure names the kind of refusal status is, or "". A 401 without
// credentials is no failure: it is how every client learns where to log in.
func authFailure(r *http.Request, status int) string {
	switch status {
	case http.StatusUnauthorized:
		if r.Header.Get("Authorization") != "" {
			return "invalid_credentials"
		}
	case http.StatusForbidden:
		return "denied"
	case http.StatusTooManyRequests:
		return "locked_out"
	}
	return ""
}
