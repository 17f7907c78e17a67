package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/catalog"
)

// waitFailed waits until query id is in state ERROR and returns it.
func waitFailed(t *testing.T, e *Engine, id string) *catalog.Query {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		q := e.Catalog().Query(id)
		if q == nil {
			t.Fatalf("query %s is gone", id)
		}
		if q.State == catalog.Error {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s still %s after 30s", id, q.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// showQueryStatus returns the Status column of SHOW QUERIES for query id.
func showQueryStatus(t *testing.T, e *Engine, s *Session, id string) string {
	t.Helper()
	res := mustExec(t, e, s, `SHOW QUERIES;`)
	for _, row := range res[0].Rows {
		if row[0] == id {
			return fmt.Sprint(row[2])
		}
	}
	t.Fatalf("SHOW QUERIES has no %s: %v", id, res[0].Rows)
	return ""
}

// A task whose state cannot be opened fails its query, shown as ERROR with
// the reason, and the input offsets stay before the records it could not
// process: nothing is skipped.
func TestQueryFailsWhenItsStateCannotOpen(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	res := mustExec(t, e, s, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;`)
	id := res[1].QueryID
	// The task opens its state under the query's directory on its first
	// record: a file in the way makes that fail, even for root.
	if err := os.MkdirAll(e.StateDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.StateDir(), id), []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustExec(t, e, s, `INSERT INTO s (id, v) VALUES (1, 1);`)
	q := waitFailed(t, e, id)
	if !strings.Contains(q.Err, "task for partition 0") || !strings.Contains(q.Err, "not a directory") {
		t.Fatalf("reason %q, want the task's error", q.Err)
	}
	if st := showQueryStatus(t, e, s, id); st != "ERROR: "+q.Err {
		t.Fatalf("SHOW QUERIES status %q", st)
	}
	if n := e.ProcessingErrors(); n != 0 {
		t.Fatalf("%d processing log entries: a task failure is not a bad record", n)
	}
	ctx := context.Background()
	committed, err := e.client.CommittedOffsets(ctx, e.groupID(id), "s")
	if err != nil {
		t.Fatal(err)
	}
	if committed[0] != 0 {
		t.Fatalf("committed offset %d: the unprocessed record was skipped", committed[0])
	}
	mustExec(t, e, s, `TERMINATE `+id+`;`)
}

// A record the broker keeps refusing fails the query with the broker's
// error: at once under at_least_once, after a few aborted transactions
// under exactly_once_v2 (instead of aborting and retrying forever).
func TestQueryFailsOnRefusedOutput(t *testing.T) {
	for _, guarantee := range []string{"at_least_once", "exactly_once_v2"} {
		t.Run(guarantee, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			defer e.Close()
			s := NewSession()
			defer s.Close()
			ctx := context.Background()
			// The output topic takes small records only.
			if err := e.client.CreateTopic(ctx, "out", 1, map[string]string{"max.message.bytes": "200"}); err != nil {
				t.Fatal(err)
			}
			res := mustExec(t, e, s, `SET 'processing.guarantee'='`+guarantee+`';
				CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
				CREATE STREAM o WITH (kafka_topic='out') AS SELECT id, v FROM s;`)
			id := res[2].QueryID
			mustExec(t, e, s, `INSERT INTO s (id, v) VALUES (1, '`+strings.Repeat("x", 1000)+`');`)
			q := waitFailed(t, e, id)
			if !strings.Contains(q.Err, "MESSAGE_TOO_LARGE") {
				t.Fatalf("reason %q, want the broker's MESSAGE_TOO_LARGE", q.Err)
			}
			if guarantee == "exactly_once_v2" && !strings.Contains(q.Err, fmt.Sprintf("%d transactions in a row aborted", maxProduceAborts)) {
				t.Fatalf("reason %q, want the aborts counted", q.Err)
			}
			if st := showQueryStatus(t, e, s, id); !strings.HasPrefix(st, "ERROR: ") {
				t.Fatalf("SHOW QUERIES status %q", st)
			}
			committed, err := e.client.CommittedOffsets(ctx, e.groupID(id), "s")
			if err != nil {
				t.Fatal(err)
			}
			if committed[0] != 0 {
				t.Fatalf("committed offset %d past the record that was not written", committed[0])
			}
		})
	}
}

// A persistent query that cannot start when the command topic is replayed
// (here its sink topic was re-created with other partitions while the
// server was down) stays in the catalog as ERROR with the reason, with its
// sink, instead of vanishing; it can be terminated.
func TestReplayedQueryThatCannotStartIsError(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	res := mustExec(t, e, s, `CREATE STREAM a (id INT KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE STREAM b AS SELECT id, LCASE(x) AS x FROM a;`)
	id := res[1].QueryID
	ctx := context.Background()
	if err := e.client.DeleteTopic(ctx, "B"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CreateTopic(ctx, "B", 3, nil); err != nil {
		t.Fatal(err)
	}
	e, s = restartEngine(t, e, s, dir)
	q := e.Catalog().Query(id)
	if q == nil || q.State != catalog.Error || !strings.Contains(q.Err, "different partition/replica configuration") {
		t.Fatalf("query after restart: %+v", q)
	}
	if st := showQueryStatus(t, e, s, id); st != "ERROR: "+q.Err {
		t.Fatalf("SHOW QUERIES status %q", st)
	}
	if e.Catalog().Source("B") == nil {
		t.Fatal("the failed query's sink is gone")
	}
	mustExec(t, e, s, `TERMINATE `+id+`;`)
	if e.Catalog().Query(id) != nil {
		t.Fatal("TERMINATE left the failed query")
	}
}
