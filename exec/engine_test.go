package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
)

func newTestEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	if cfg.DataDir == "" && len(cfg.Bootstrap) == 0 {
		cfg.Ephemeral = true
	}
	cfg.Logf = t.Logf
	e, err := NewEngine(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// restartEngine closes e and s, then starts an engine again on the same
// data dir, with a new session; both are closed when the test ends.
func restartEngine(t *testing.T, e *Engine, s *Session, dir string) (*Engine, *Session) {
	t.Helper()
	s.Close()
	e.Close()
	e = newTestEngine(t, Config{DataDir: dir})
	t.Cleanup(func() { e.Close() })
	s = NewSession()
	t.Cleanup(s.Close)
	return e, s
}

func mustExec(t *testing.T, e *Engine, s *Session, sql string) []Result {
	t.Helper()
	res, err := e.Execute(context.Background(), s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func nextValues(t *testing.T, e *Engine, s *Session, source string) []any {
	t.Helper()
	r, err := e.NextRecord(context.Background(), s, source, 10*time.Second)
	if err != nil {
		t.Fatalf("NextRecord(%s): %v", source, err)
	}
	if r == nil {
		t.Fatalf("NextRecord(%s): no record", source)
	}
	return r.Values
}

func TestUppercaseQuickstart(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
		CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA') AS SELECT UCASE(v) AS v FROM input;
		INSERT INTO input (v) VALUES ('hello');
		INSERT INTO input (v) VALUES ('streams');`)
	for _, want := range []string{"HELLO", "STREAMS"} {
		if got := nextValues(t, e, s, "TRANS"); len(got) != 1 || got[0] != want {
			t.Fatalf("got %v, want [%s]", got, want)
		}
	}
}

func TestBadRecordGoesToProcessingLog(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM s (id INT KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE STREAM t AS SELECT id, n * 2 AS n2 FROM s;`)
	if _, _, err := e.client.Produce(context.Background(), &kafka.Record{Topic: "s", Partition: -1, Value: []byte("{not json")}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, s, `INSERT INTO s (id, n) VALUES (1, 21);`)
	got := nextValues(t, e, s, "T")
	if got[0] != int32(1) || got[1] != int32(42) {
		t.Fatalf("got %v", got)
	}
	if n := e.ProcessingErrors(); n != 1 {
		t.Fatalf("processing errors = %d, want 1", n)
	}
}

// TestBadTimestampFailsQuery: with ksql.timestamp.throw.on.invalid, a record
// whose timestamp column cannot be read fails its query (qtt
// timestamp-extractor.json), where by default it is only logged.
func TestBadTimestampFailsQuery(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	s.Properties["ksql.timestamp.throw.on.invalid"] = "true"
	mustExec(t, e, s, `CREATE STREAM test (k STRING KEY, id BIGINT, ts STRING) WITH (kafka_topic='test_topic', value_format='JSON', timestamp='ts', timestamp_format='yy-MM-dd HH:mm:ssX', partitions=1);
		CREATE STREAM out AS SELECT k, id FROM test;
		INSERT INTO test (k, id, ts) VALUES ('a', 2, '!!!!');
		INSERT INTO test (k, id, ts) VALUES ('b', 3, '19-01-01 00:00:00Z');`)
	deadline := time.Now().Add(10 * time.Second)
	var id string
	for {
		rows := mustExec(t, e, s, `SHOW QUERIES;`)[0].Rows
		if len(rows) != 1 {
			t.Fatalf("queries: %v", rows)
		}
		id = fmt.Sprint(rows[0][0])
		status := fmt.Sprint(rows[0][2])
		if strings.HasPrefix(status, "ERROR: Fatal user code error in TimestampExtractor callback for record") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query status %q, want a TimestampExtractor failure", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.ProcessingErrors(); n != 0 {
		t.Fatalf("processing errors = %d, want 0 (the record fails the query)", n)
	}
	// Nothing is committed past the record that failed the query, nor is
	// the record after it processed.
	committed, err := e.client.CommittedOffsets(context.Background(), e.groupID(id), "test_topic")
	if err != nil {
		t.Fatal(err)
	}
	if committed[0] != 0 {
		t.Fatalf("committed offset %d past the record that failed the query", committed[0])
	}
}

func TestCatalogSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM a (id INT KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE STREAM b AS SELECT id, LCASE(x) AS x FROM a;
		INSERT INTO a (id, x) VALUES (1, 'ONE');`)
	if got := nextValues(t, e, s, "B"); got[1] != "one" {
		t.Fatalf("got %v", got)
	}
	e, s = restartEngine(t, e, s, dir)
	res := mustExec(t, e, s, `SHOW STREAMS;`)
	if len(res[0].Rows) != 2 {
		t.Fatalf("streams after restart: %v", res[0].Rows)
	}
	if qs := e.Catalog().Queries(); len(qs) != 1 {
		t.Fatalf("queries after restart: %v", qs)
	}
	mustExec(t, e, s, `INSERT INTO a (id, x) VALUES (2, 'TWO');`)
	if got := nextValues(t, e, s, "B"); got[1] != "one" {
		t.Fatalf("first record after restart: %v", got)
	}
	if got := nextValues(t, e, s, "B"); got[1] != "two" {
		t.Fatalf("second record after restart: %v", got)
	}
}

func TestUnreachableBroker(t *testing.T) {
	start := time.Now()
	_, err := NewEngine(context.Background(), Config{Bootstrap: []string{"127.0.0.1:1"}})
	if err == nil || !strings.Contains(err.Error(), "cannot reach Kafka") {
		t.Fatalf("err = %v", err)
	}
	t.Logf("failed after %v", time.Since(start))
}

func TestPushQueryLimit(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM p (id INT KEY, v DOUBLE) WITH (kafka_topic='p', value_format='DELIMITED', partitions=2);`)
	res := mustExec(t, e, s, `SELECT id, v * 2 AS d FROM p WHERE v > 1 EMIT CHANGES LIMIT 2;`)
	if res[0].Kind != ResultStream {
		t.Fatalf("kind %v", res[0].Kind)
	}
	mustExec(t, e, s, `INSERT INTO p (id, v) VALUES (1, 0.5); INSERT INTO p (id, v) VALUES (2, 1.5); INSERT INTO p (id, v) VALUES (3, 2.5);`)
	if rows := drainStream(t, res[0].Stream); len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
}

// drainStream reads a push query's rows until it ends (its LIMIT reached).
func drainStream(t *testing.T, stream <-chan []any) [][]any {
	t.Helper()
	var rows [][]any
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-stream:
			if !ok {
				return rows
			}
			rows = append(rows, r)
		case <-timeout:
			t.Fatalf("push query did not finish; rows %v", rows)
		}
	}
}

// A push query's LIMIT counts the rows its table functions make.
func TestPushQueryExplode(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM p (id INT KEY, arr ARRAY<INT>) WITH (kafka_topic='p', value_format='JSON', partitions=1);`)
	res := mustExec(t, e, s, `SELECT id, EXPLODE(arr) AS v, CUBE_EXPLODE(arr) FROM p EMIT CHANGES LIMIT 5;`)
	mustExec(t, e, s, `INSERT INTO p (id, arr) VALUES (1, ARRAY[1, 2]); INSERT INTO p (id, arr) VALUES (2, ARRAY[3]);`)
	want := "[[1 1 [<nil> <nil>]] [1 2 [<nil> 2]] [1 <nil> [1 <nil>]] [1 <nil> [1 2]] [2 3 [<nil>]]]"
	if rows := drainStream(t, res[0].Stream); fmt.Sprint(rows) != want {
		t.Fatalf("rows = %v, want %s", rows, want)
	}
}

func TestAggregateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM clicks (id INT KEY, page STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=2);
		INSERT INTO clicks (id, page) VALUES (0, 'before the query');
		CREATE TABLE per_page AS SELECT page, COUNT(*) AS n FROM clicks GROUP BY page;
		INSERT INTO clicks (id, page) VALUES (1, 'home');
		INSERT INTO clicks (id, page) VALUES (2, 'home');`)
	if err := e.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	e, s = restartEngine(t, e, s, dir)
	mustExec(t, e, s, `INSERT INTO clicks (id, page) VALUES (3, 'home');`)
	if err := e.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The last record for 'home' must count 3: state rebuilt, nothing lost,
	// and the record written before the query is not counted.
	var last []any
	for {
		r, err := e.NextRecord(context.Background(), s, "PER_PAGE", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			break
		}
		if r.Values[0] == "before the query" {
			t.Fatalf("counted a record written before the query: %v", r.Values)
		}
		last = r.Values
	}
	if len(last) != 2 || last[1] != int64(3) {
		t.Fatalf("last count = %v, want [home 3]", last)
	}
}

func TestPullQueries(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM s (id INT KEY, name STRING) WITH (kafka_topic='s', value_format='JSON', partitions=2);
		CREATE TABLE t AS SELECT name, COUNT(*) AS c FROM s GROUP BY name;
		INSERT INTO s (id, name) VALUES (1, 'a');
		INSERT INTO s (id, name) VALUES (2, 'a');
		INSERT INTO s (id, name) VALUES (3, 'b');`)
	cases := []struct {
		sql  string
		want string
	}{
		{`SELECT c FROM t WHERE name = 'a';`, "[[2]]"},
		{`SELECT name, c FROM t WHERE c < 2;`, "[[b 1]]"},
		{`SELECT * FROM t WHERE name = 'nobody';`, "[]"},
	}
	for _, c := range cases {
		res := mustExec(t, e, s, c.sql)
		if got := fmt.Sprint(res[0].Rows); got != c.want && !(c.want == "[]" && len(res[0].Rows) == 0) {
			t.Errorf("%s: rows %s, want %s", c.sql, got, c.want)
		}
	}
	// A pull query on a stream scans its records (rqtt/pull-queries-against-streams.json).
	if res, err := e.Execute(context.Background(), s, `SELECT * FROM s WHERE id > 1;`); err != nil {
		t.Errorf("pull query on a stream: %v", err)
	} else if got := fmt.Sprint(res[0].Rows); got != "[[2 a] [3 b]]" && got != "[[3 b] [2 a]]" {
		t.Errorf("pull query on a stream: rows %s, want [[2 a] [3 b]]", got)
	}
	if _, err := e.Execute(context.Background(), s, `SELECT name, COUNT(*) FROM t GROUP BY name;`); err == nil || !strings.Contains(err.Error(), "Pull queries don't support GROUP BY") {
		t.Errorf("pull query with GROUP BY: %v", err)
	}
}
