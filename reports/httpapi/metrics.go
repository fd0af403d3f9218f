package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the server's Prometheus collectors, on their own registry.
// ImportsTotal and RunsTotal are exported so that other front ends (the
// CLI, the demo) can count their imports and runs on the same registry.
type Metrics struct {
	Registry     *prometheus.Registry
	Requests     *prometheus.CounterVec   // route, method, status
	Latency      *prometheus.HistogramVec // route, method
	ImportsTotal *prometheus.CounterVec   // result: ok | error
	RunsTotal    *prometheus.CounterVec   // result: ok | error
}

// NewMetrics registers the collectors (and the Go and process collectors)
// on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "revshare_http_requests_total",
			Help: "HTTP requests by route name, method and status code.",
		}, []string{"route", "method", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "revshare_http_request_duration_seconds",
			Help:    "HTTP request latency by route name and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		ImportsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "revshare_imports_total",
			Help: "Usage imports by result (ok or error).",
		}, []string{"result"}),
		RunsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "revshare_runs_total",
			Help: "Obligation runs by result (ok or error).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(m.Requests, m.Latency, m.ImportsTotal, m.RunsTotal,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(route, method string, status int, took time.Duration) {
	m.Requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.Latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// countResult increments a counter by the result of err.
func countResult(c *prometheus.CounterVec, err error) {
	if err != nil {
		c.WithLabelValues("error").Inc()
		return
	}
	c.WithLabelValues("ok").Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
