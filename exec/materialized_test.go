package exec

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// topicPull answers a pull query from the table's topic, as pull does for
// tables no aggregation writes, with rows in the order the state path
// gives them.
func topicPull(t *testing.T, e *Engine, sql string) Result {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	plan, err := planner.PlanPull(e.cat, stmts[0].(*ast.Query))
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	answer, err := compilePull(plan)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.tableRows(context.Background(), plan)
	if err != nil {
		t.Fatalf("%s: read topic: %v", sql, err)
	}
	sortTableRows(rows, plan.Source)
	res, err := answer(rows)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pullCase is a pull query and the rows it must return (printed with %v),
// in order.
type pullCase struct {
	sql  string
	want string
}

func rowsText(rows [][]any) string {
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprint(&b, r)
	}
	return b.String()
}

// checkPulls runs each query from state and checks its rows, and that the
// topic gives the same; then deletes the table's topic and checks that the
// answers do not change: they come from the query's state.
func checkPulls(t *testing.T, e *Engine, s *Session, table string, cases []pullCase) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		res := mustExec(t, e, s, c.sql)[0]
		if got := rowsText(res.Rows); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.sql, got, c.want)
		}
		if !strings.Contains(c.sql, "LIMIT") {
			if top := topicPull(t, e, c.sql); !reflect.DeepEqual(top.Rows, res.Rows) {
				t.Errorf("%s\n from state: %v\n from topic: %v", c.sql, res.Rows, top.Rows)
			}
		}
	}
	src := e.cat.Source(table)
	if err := e.client.DeleteTopic(ctx, src.Topic); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		res := mustExec(t, e, s, c.sql)[0]
		if got := rowsText(res.Rows); got != c.want {
			t.Errorf("%s, topic deleted\n got: %s\nwant: %s", c.sql, got, c.want)
		}
	}
}

func TestPullFromAggregateState(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id STRING KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=2);
		CREATE TABLE agg AS SELECT id, COUNT(*) AS cnt, SUM(v) AS total FROM input GROUP BY id HAVING SUM(v) > 2;
		INSERT INTO input (rowtime, id, v) VALUES (1000, 'a', 1);
		INSERT INTO input (rowtime, id, v) VALUES (2000, 'b', 1);
		INSERT INTO input (rowtime, id, v) VALUES (3000, 'a', 5);
		INSERT INTO input (rowtime, id, v) VALUES (4000, 'c', 3);
		INSERT INTO input (rowtime, id, v) VALUES (5000, 'd', 7);
		INSERT INTO input (rowtime, id, v) VALUES (6000, 'd', -6);`)
	checkPulls(t, e, s, "AGG", []pullCase{
		{`SELECT * FROM agg;`, `[a 2 6] [c 1 3]`},
		{`SELECT * FROM agg WHERE id = 'a';`, `[a 2 6]`},
		{`SELECT * FROM agg WHERE id = 'b';`, ``}, // HAVING fails
		{`SELECT * FROM agg WHERE id = 'd';`, ``}, // HAVING failed after it passed
		{`SELECT id, total * 2 AS t2, ROWTIME FROM agg WHERE id IN ('c', 'a', 'zz');`, `[a 12 3000] [c 6 4000]`},
		{`SELECT * FROM agg WHERE cnt > 1;`, `[a 2 6]`},
		{`SELECT * FROM agg WHERE id = 'a' AND cnt > 5;`, ``},
		{`SELECT * FROM agg WHERE id = 'a' OR id = 'c';`, `[a 2 6] [c 1 3]`},
		{`SELECT * FROM agg LIMIT 1;`, `[a 2 6]`},
	})
}

func TestPullFromRepartitionedTableAggregate(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	// Grouped by a value column of a table: rows reach their group through
	// the repartition topic, and an update moves a row to its new group.
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE TABLE users (id INT PRIMARY KEY, region STRING, kind STRING, age INT) WITH (kafka_topic='users', value_format='JSON', partitions=3);
		CREATE TABLE regions WITH (key_format='JSON') AS SELECT region, kind, COUNT(*) AS n, SUM(age) AS total FROM users GROUP BY region, kind;
		INSERT INTO users (id, region, kind, age) VALUES (1, 'eu', 'x', 20);
		INSERT INTO users (id, region, kind, age) VALUES (2, 'eu', 'y', 40);
		INSERT INTO users (id, region, kind, age) VALUES (3, 'us', 'x', 25);
		INSERT INTO users (id, region, kind, age) VALUES (4, 'eu', 'x', 22);
		INSERT INTO users (id, region, kind, age) VALUES (3, 'eu', 'x', 26);`)
	checkPulls(t, e, s, "REGIONS", []pullCase{
		{`SELECT * FROM regions;`, `[eu x 3 68] [eu y 1 40] [us x 0 0]`},
		{`SELECT * FROM regions WHERE region = 'eu' AND kind = 'x';`, `[eu x 3 68]`},
		{`SELECT * FROM regions WHERE region = 'eu';`, `[eu x 3 68] [eu y 1 40]`},
		{`SELECT kind, n FROM regions WHERE region IN ('us', 'eu') AND kind IN ('x', 'z');`, `[x 3] [x 0]`},
	})
}

func TestPullFromTumblingWindowState(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id INT KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=2);
		CREATE TABLE w AS SELECT id, COUNT(*) AS cnt FROM input WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;
		INSERT INTO input (rowtime, id, v) VALUES (11345, 10, 1);
		INSERT INTO input (rowtime, id, v) VALUES (12345, 10, 1);
		INSERT INTO input (rowtime, id, v) VALUES (12366, 10, 1);
		INSERT INTO input (rowtime, id, v) VALUES (12400, 20, 1);
		INSERT INTO input (rowtime, id, v) VALUES (13000, 20, 1);`)
	checkPulls(t, e, s, "W", []pullCase{
		{`SELECT * FROM w;`, `[10 11000 12000 1] [10 12000 13000 2] [20 12000 13000 1] [20 13000 14000 1]`},
		{`SELECT * FROM w WHERE id = 10;`, `[10 11000 12000 1] [10 12000 13000 2]`},
		{`SELECT * FROM w WHERE id = 10 AND WINDOWSTART = 12000;`, `[10 12000 13000 2]`},
		{`SELECT * FROM w WHERE id = 10 AND 11000 <= WINDOWSTART AND WINDOWSTART < 12000;`, `[10 11000 12000 1]`},
		{`SELECT * FROM w WHERE id = 10 AND WINDOWEND > 12000;`, `[10 12000 13000 2]`},
		{`SELECT id, WINDOWSTART, cnt, ROWTIME FROM w WHERE WINDOWSTART BETWEEN 12000 AND 13000;`, `[10 12000 2 12366] [20 12000 1 12400] [20 13000 1 13000]`},
		{`SELECT * FROM w WHERE WINDOWEND <= 13000 AND cnt = 1;`, `[10 11000 12000 1] [20 12000 13000 1]`},
		{`SELECT * FROM w WHERE id IN (20, 30) AND WINDOWSTART >= 12500;`, `[20 13000 14000 1]`},
	})
}

func TestPullFromSessionWindowState(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id STRING KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=2);
		CREATE TABLE sess AS SELECT id, COUNT(*) AS cnt, SUM(v) AS total FROM input WINDOW SESSION (10 SECONDS) GROUP BY id;
		INSERT INTO input (rowtime, id, v) VALUES (1000, 'a', 1);
		INSERT INTO input (rowtime, id, v) VALUES (30000, 'a', 2);
		INSERT INTO input (rowtime, id, v) VALUES (5000, 'b', 3);
		INSERT INTO input (rowtime, id, v) VALUES (35000, 'a', 4);
		INSERT INTO input (rowtime, id, v) VALUES (12000, 'b', 5);`)
	checkPulls(t, e, s, "SESS", []pullCase{
		{`SELECT * FROM sess;`, `[a 1000 1000 1 1] [a 30000 35000 2 6] [b 5000 12000 2 8]`},
		{`SELECT * FROM sess WHERE id = 'a';`, `[a 1000 1000 1 1] [a 30000 35000 2 6]`},
		{`SELECT * FROM sess WHERE id = 'a' AND WINDOWSTART >= 2000;`, `[a 30000 35000 2 6]`},
		{`SELECT * FROM sess WHERE id = 'a' AND WINDOWEND < 30000;`, `[a 1000 1000 1 1]`},
		{`SELECT id, WINDOWEND, ROWTIME FROM sess WHERE WINDOWSTART BETWEEN 4000 AND 40000;`, `[a 35000 35000] [b 12000 12000]`},
	})
}

// Tables no aggregation writes are still read from their topics.
func TestPullFallsBackToTopic(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `CREATE TABLE input (id INT PRIMARY KEY, v BIGINT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE TABLE matview AS SELECT id, v * 2 AS v2 FROM input;
		INSERT INTO input (id, v) VALUES (1, 10);
		INSERT INTO input (id, v) VALUES (2, 20);
		INSERT INTO input (id, v) VALUES (1, NULL);`)
	ctx := context.Background()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []pullCase{
		{`SELECT * FROM matview;`, `[1 <nil>] [2 40]`},
		{`SELECT * FROM matview WHERE id = 2;`, `[2 40]`},
	} {
		if got := rowsText(mustExec(t, e, s, c.sql)[0].Rows); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.sql, got, c.want)
		}
	}
	for _, table := range []string{"MATVIEW"} {
		src := e.cat.Source(table)
		e.mu.Lock()
		q := e.queries[src.Sink]
		e.mu.Unlock()
		if q != nil && newMatView(q.plan.Topology, src) != nil {
			t.Errorf("%s is served from state", table)
		}
	}
}

// A pull query right after a restart, before any new input, reads the
// state the tasks restore.
func TestPullAfterRestart(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id STRING KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=2);
		CREATE TABLE agg AS SELECT id, COUNT(*) AS cnt FROM input GROUP BY id;
		INSERT INTO input (id, v) VALUES ('a', 1);
		INSERT INTO input (id, v) VALUES ('b', 1);
		INSERT INTO input (id, v) VALUES ('a', 1);`)
	if err := e.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	e, s = restartEngine(t, e, s, dir)
	checkPulls(t, e, s, "AGG", []pullCase{
		{`SELECT * FROM agg;`, `[a 2] [b 1]`},
		{`SELECT * FROM agg WHERE id = 'b';`, `[b 1]`},
	})
}

func TestPullRequestAfterQueryStops(t *testing.T) {
	q := &runningQuery{reqs: make(chan queryRequest, 1), done: make(chan struct{})}
	close(q.done)
	if err := q.ask(context.Background(), func(*taskSet) {}); err != errQueryStopped {
		t.Fatalf("ask on a stopped query: %v", err)
	}
}

func TestLookupOf(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `CREATE STREAM input (id INT KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE TABLE w AS SELECT id, COUNT(*) AS cnt FROM input WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;`)
	src := e.cat.Source("W")
	e.mu.Lock()
	q := e.queries[src.Sink]
	e.mu.Unlock()
	v := newMatView(q.plan.Topology, src)
	if v == nil {
		t.Fatal("W is not served from state")
	}
	for _, c := range []struct {
		where string
		keys  int // -1: scan
		want  string
	}{
		{``, -1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE id = 1`, 1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE id IN (1, 2, 1)`, 2, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE id IN (NULL)`, -1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE id = 1 OR id = 2`, -1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE id + 1 = 2`, -1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE cnt = 2`, -1, `[-inf,+inf] [-inf,+inf]`},
		{`WHERE 1 = id AND WINDOWSTART > 1000 AND 5000 >= WINDOWSTART`, 1, `[1001,5000] [-inf,+inf]`},
		{`WHERE WINDOWSTART BETWEEN 1000 AND 2000 AND WINDOWEND < 3000`, -1, `[1000,2000] [-inf,2999]`},
		{`WHERE WINDOWSTART NOT BETWEEN 1000 AND 2000`, -1, `[-inf,+inf] [-inf,+inf]`},
	} {
		stmts, err := parser.Parse("SELECT * FROM w " + c.where + ";")
		if err != nil {
			t.Fatal(err)
		}
		plan, err := planner.PlanPull(e.cat, stmts[0].(*ast.Query))
		if err != nil {
			t.Fatalf("%s: %v", c.where, err)
		}
		lk, err := v.lookupOf(plan)
		if err != nil {
			t.Fatal(err)
		}
		keys := len(lk.gkeys)
		if lk.gkeys == nil {
			keys = -1
		}
		bound := func(lo, hi int64) string {
			l, h := fmt.Sprint(lo), fmt.Sprint(hi)
			if lo == minInt64 {
				l = "-inf"
			}
			if hi == maxInt64 {
				h = "+inf"
			}
			return "[" + l + "," + h + "]"
		}
		got := bound(lk.startLo, lk.startHi) + " " + bound(lk.endLo, lk.endHi)
		if keys != c.keys || got != c.want {
			t.Errorf("%q: keys %d, bounds %s; want %d, %s", c.where, keys, got, c.keys, c.want)
		}
	}
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

// EMIT FINAL tables hold only the windows already closed.
func TestPullFromEmitFinalState(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id INT KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE TABLE w AS SELECT id, COUNT(*) AS cnt FROM input
			WINDOW TUMBLING (SIZE 1 SECOND, RETENTION 1 HOUR, GRACE PERIOD 0 SECONDS) GROUP BY id EMIT FINAL;
		INSERT INTO input (rowtime, id, v) VALUES (1000, 1, 1);
		INSERT INTO input (rowtime, id, v) VALUES (1500, 1, 1);
		INSERT INTO input (rowtime, id, v) VALUES (1700, 2, 1);
		INSERT INTO input (rowtime, id, v) VALUES (2500, 1, 1);`)
	checkPulls(t, e, s, "W", []pullCase{
		{`SELECT * FROM w;`, `[1 1000 2000 2] [2 1000 2000 1]`},
		{`SELECT * FROM w WHERE id = 1;`, `[1 1000 2000 2]`},
	})
}

// A window older than RETENTION leaves the store, and so the pull queries'
// answers, once stream time passes it; a closed window still within
// retention stays.
func TestPullForgetsWindowsPastRetention(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM input (id INT KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE TABLE w AS SELECT id, COUNT(*) AS cnt FROM input
			WINDOW TUMBLING (SIZE 1 SECOND, RETENTION 5 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY id;
		INSERT INTO input (rowtime, id, v) VALUES (1000, 1, 1);
		INSERT INTO input (rowtime, id, v) VALUES (3000, 2, 1);`)
	check := func(when string, cases []pullCase, starts string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if got := rowsText(mustExec(t, e, s, c.sql)[0].Rows); got != c.want {
				t.Errorf("%s: %s\n got: %s\nwant: %s", when, c.sql, got, c.want)
			}
		}
		// The store itself: the windows its tasks can still read.
		var got []int64
		err := queryOf(t, e, "W").ask(ctx, func(ts *taskSet) {
			for _, task := range ts.list() {
				if err := task.src.agg.ws.FetchAll(minInt64, maxInt64, func(_ []byte, start int64, _ []byte) bool {
					got = append(got, start)
					return true
				}); err != nil {
					t.Error(err)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != starts {
			t.Errorf("%s: window starts in the store %v, want %s", when, got, starts)
		}
	}
	check("stream time 3000", []pullCase{
		{`SELECT * FROM w;`, `[1 1000 2000 1] [2 3000 4000 1]`},
		{`SELECT * FROM w WHERE id = 1 AND WINDOWSTART = 1000;`, `[1 1000 2000 1]`},
	}, `[1000 3000]`)
	// Stream time 7000: windows starting at or before 7000 - 5000 expire.
	mustExec(t, e, s, `INSERT INTO input (rowtime, id, v) VALUES (7000, 3, 1);`)
	check("stream time 7000", []pullCase{
		{`SELECT * FROM w;`, `[2 3000 4000 1] [3 7000 8000 1]`},
		{`SELECT * FROM w WHERE id = 1;`, ``},
		{`SELECT * FROM w WHERE id = 1 AND WINDOWSTART = 1000;`, ``},
		{`SELECT * FROM w WHERE id = 2;`, `[2 3000 4000 1]`},
	}, `[3000 7000]`)
}
