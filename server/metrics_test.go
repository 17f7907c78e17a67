package server

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMetrics scrapes /metrics after a persistent query processed input:
// Prometheus' text format, with the query's records in and out, errors,
// late records dropped, restored records and lag.
func TestMetrics(t *testing.T) {
	ts := startServer(t, Config{})
	for _, sql := range []string{
		"CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);",
		"CREATE TABLE t AS SELECT k, COUNT(*) AS c FROM s GROUP BY k EMIT CHANGES;",
		"INSERT INTO s (k, v) VALUES ('a', 1);",
		"INSERT INTO s (k, v) VALUES ('b', 2);",
		"INSERT INTO s (k, v) VALUES ('a', 3);",
	} {
		if r := ts.do(t, "POST", "/ksql", nil, ksqlBody(sql)); r.status != 200 {
			t.Fatalf("%s: %d %s", sql, r.status, r.body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ts.eng.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	r := ts.do(t, "GET", "/metrics", nil, "")
	if r.status != 200 || !strings.HasPrefix(r.ctype, "text/plain") {
		t.Fatalf("GET /metrics: %d %s\n%s", r.status, r.ctype, r.body)
	}
	value := func(name string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + name + `\{query_id="CTAS_T_1"\} (\S+)$`).FindSubmatch(r.body)
		if m == nil {
			t.Fatalf("no %s for CTAS_T_1 in:\n%s", name, r.body)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Three input records (and any repartitioned copies of them).
	if v := value("sluice_query_records_consumed_total"); v < 3 {
		t.Errorf("records consumed: %v, want at least 3", v)
	}
	if v := value("sluice_query_records_produced_total"); v < 2 {
		t.Errorf("records produced: %v, want at least 2", v)
	}
	for name, want := range map[string]float64{
		"sluice_query_processing_errors_total":         0,
		"sluice_query_late_records_dropped_total":      0,
		"sluice_query_state_restored_records_total":    0,
		"sluice_query_state_restoring_partitions":      0,
		"sluice_query_state_restore_remaining_records": 0,
		"sluice_query_consumer_lag":                    0,
		"sluice_query_partitions":                      2,
	} {
		if v := value(name); v != want {
			t.Errorf("%s: %v, want %v", name, v, want)
		}
	}
	if !strings.Contains(string(r.body), "# TYPE sluice_query_records_consumed_total counter") ||
		!strings.Contains(string(r.body), "go_goroutines") {
		t.Errorf("missing metric types or runtime metrics:\n%s", r.body)
	}
}
