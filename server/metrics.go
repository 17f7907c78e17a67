package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicedb/sluice/exec"
)

// metricsCollector turns the engine's per-query counters into Prometheus
// metrics at each scrape, so that nothing is counted twice and queries that
// stop disappear from the output.
type metricsCollector struct {
	eng                                       *exec.Engine
	in, out, errs, late, restored, lag, owned *prometheus.Desc
	restoring, restoreRemaining               *prometheus.Desc
}

func newMetricsCollector(eng *exec.Engine) *metricsCollector {
	q := []string{"query_id"}
	return &metricsCollector{
		eng: eng,
		in: prometheus.NewDesc("sluice_query_records_consumed_total",
			"Records a persistent query consumed from its input and repartition topics on this server.", q, nil),
		out: prometheus.NewDesc("sluice_query_records_produced_total",
			"Records a persistent query wrote to its sink topic from this server.", q, nil),
		errs: prometheus.NewDesc("sluice_query_processing_errors_total",
			"Records a persistent query could not process (written to the processing log).", q, nil),
		late: prometheus.NewDesc("sluice_query_late_records_dropped_total",
			"Records a windowed aggregation of a persistent query dropped because their window had closed (past its grace period); one per closed window of the record.", q, nil),
		restored: prometheus.NewDesc("sluice_query_state_restored_records_total",
			"Changelog records replayed into a persistent query's state stores on this server.", q, nil),
		restoring: prometheus.NewDesc("sluice_query_state_restoring_partitions",
			"Changelog partitions of a persistent query whose state is being restored on this server.", q, nil),
		restoreRemaining: prometheus.NewDesc("sluice_query_state_restore_remaining_records",
			"Changelog records a persistent query's restores in progress on this server have left to replay (end offset minus position).", q, nil),
		lag: prometheus.NewDesc("sluice_query_consumer_lag",
			"Input records of the partitions this server processes that a persistent query has not processed yet.", q, nil),
		owned: prometheus.NewDesc("sluice_query_partitions",
			"Input partitions of a persistent query that this server processes.", q, nil),
	}
}

func (c *metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.in, c.out, c.errs, c.late, c.restored, c.restoring, c.restoreRemaining, c.lag, c.owned} {
		ch <- d
	}
}

func (c *metricsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, m := range c.eng.Metrics(ctx) {
		counter := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), m.ID)
		}
		gauge := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), m.ID)
		}
		counter(c.in, m.RecordsIn)
		counter(c.out, m.RecordsOut)
		counter(c.errs, m.ProcessingErrors)
		counter(c.late, m.LateRecordsDropped)
		counter(c.restored, m.RestoredRecords)
		gauge(c.restoring, m.RestoringPartitions)
		gauge(c.restoreRemaining, m.RestoreRemaining)
		if m.Lag >= 0 {
			gauge(c.lag, m.Lag)
		}
		gauge(c.owned, int64(len(m.Partitions)))
	}
}

// metricsHandler serves GET /metrics in Prometheus' text format: the
// queries' metrics and the Go runtime's.
func metricsHandler(eng *exec.Engine) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newMetricsCollector(eng), prometheus.NewGoCollector())
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, MaxRequestsInFlight: 4,
		Timeout: 10 * time.Second, ErrorHandling: promhttp.ContinueOnError})
}
