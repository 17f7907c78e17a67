package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ksqlEntities posts statements to /ksql and decodes the entities.
func (ts *testServer) ksqlEntities(t *testing.T, sql string) []map[string]any {
	t.Helper()
	r := ts.do(t, "POST", "/ksql", nil, ksqlBody(sql))
	if r.status != 200 {
		t.Fatalf("%s: HTTP %d: %s", sql, r.status, r.body)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("%s: %v: %s", sql, err, r.body)
	}
	return out
}

// checkFailedQuery checks a RunningQuery or QueryDescription of a failed
// query: state ERROR and the reason in queryErrors.
func checkFailedQuery(t *testing.T, where string, q map[string]any) {
	t.Helper()
	if q["state"] != "ERROR" {
		t.Errorf("%s: state %v, want ERROR", where, q["state"])
	}
	errs, _ := q["queryErrors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("%s: queryErrors %v, want one", where, q["queryErrors"])
	}
	qe, _ := errs[0].(map[string]any)
	msg, _ := qe["errorMessage"].(string)
	ts, _ := qe["timestamp"].(float64)
	if !strings.Contains(msg, "task for partition 0") || qe["type"] != "UNKNOWN" || ts <= 0 {
		t.Errorf("%s: query error %v", where, qe)
	}
}

// A query that fails as a whole shows as ERROR with its reason in SHOW
// QUERIES, EXPLAIN and DESCRIBE, as ksqlDB's entities carry it.
func TestFailedQueryOverREST(t *testing.T) {
	ts := startServer(t, Config{})
	res := ts.ksqlEntities(t, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;`)
	st, _ := res[1]["commandStatus"].(map[string]any)
	id, _ := st["queryId"].(string)
	if id == "" {
		t.Fatalf("no query id in %v", res[1])
	}
	// The task opens its state in the query's directory on its first
	// record: a file in the way fails it (even for root).
	dir := ts.eng.StateDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id), []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts.ksqlEntities(t, `INSERT INTO s (id, v) VALUES (1, 1);`)

	var q map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for q == nil || q["state"] != "ERROR" {
		if time.Now().After(deadline) {
			t.Fatalf("query %s not in ERROR after 30s: %v", id, q)
		}
		time.Sleep(20 * time.Millisecond)
		qs, _ := ts.ksqlEntities(t, `SHOW QUERIES;`)[0]["queries"].([]any)
		for _, it := range qs {
			if m, _ := it.(map[string]any); m["id"] == id {
				q = m
			}
		}
	}
	checkFailedQuery(t, "SHOW QUERIES", q)
	if sc, _ := q["statusCount"].(map[string]any); len(sc) != 1 || sc["ERROR"] != 1.0 {
		t.Errorf("statusCount %v, want {ERROR: 1}", q["statusCount"])
	}

	desc, _ := ts.ksqlEntities(t, `EXPLAIN `+id+`;`)[0]["queryDescription"].(map[string]any)
	checkFailedQuery(t, "EXPLAIN", desc)

	src, _ := ts.ksqlEntities(t, `DESCRIBE t;`)[0]["sourceDescription"].(map[string]any)
	writes, _ := src["writeQueries"].([]any)
	if len(writes) != 1 {
		t.Fatalf("DESCRIBE: writeQueries %v", src["writeQueries"])
	}
	w, _ := writes[0].(map[string]any)
	checkFailedQuery(t, "DESCRIBE writeQueries", w)
}
