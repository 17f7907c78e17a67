package exec

import (
	"context"
	"testing"
	"time"
)

// Records beyond their window's grace period are dropped and counted per
// closed window, as Kafka Streams' dropped-records metric counts them; they
// are not processing errors and do not reach the processing log.
func TestLateRecordsAreCountedNotLogged(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `SET 'cache.max.bytes.buffering' = '0';
		CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE TABLE tumbling AS SELECT id, COUNT(*) AS n FROM s
			WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY id;
		CREATE TABLE hopping AS SELECT id, COUNT(*) AS n FROM s
			WINDOW HOPPING (SIZE 2 SECONDS, ADVANCE BY 1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY id;
		CREATE TABLE session AS SELECT id, COUNT(*) AS n FROM s
			WINDOW SESSION (1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY id;
		CREATE TABLE plain AS SELECT id, COUNT(*) AS n FROM s GROUP BY id;
		INSERT INTO s (rowtime, id, v) VALUES (1000, 1, 0);
		INSERT INTO s (rowtime, id, v) VALUES (5000, 1, 0);
		INSERT INTO s (rowtime, id, v) VALUES (1500, 1, 0);
		INSERT INTO s (rowtime, id, v) VALUES (4500, 1, 0);`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	// Stream time is 5000 when 1500 and 4500 arrive, and every window
	// closes at its end.
	want := map[string]int64{
		// 1500 in [1000, 2000) and 4500 in [4000, 5000): both closed.
		"TUMBLING": 2,
		// 1500: [0, 2000) and [1000, 3000) closed; 4500: [3000, 5000)
		// closed, [4000, 6000) still open (and updated).
		"HOPPING": 3,
		// 1500 is beyond the session at 1000's close; 4500 merges with the
		// session at 5000.
		"SESSION": 1,
		"PLAIN":   0,
	}
	got := map[string]int64{}
	for _, m := range e.Metrics(ctx) {
		for source := range want {
			if m.ID == queryOf(t, e, source).id {
				got[source] = m.LateRecordsDropped
				if m.ProcessingErrors != 0 {
					t.Errorf("%s: %d processing errors, want 0", source, m.ProcessingErrors)
				}
			}
		}
	}
	for source, n := range want {
		if got[source] != n {
			t.Errorf("%s: %d late records dropped, want %d", source, got[source], n)
		}
	}
	if n := e.ProcessingErrors(); n != 0 {
		t.Errorf("processing log entries = %d, want 0", n)
	}
	// The hopping window still open took the record late for the other.
	res := mustExec(t, e, s, `SELECT n FROM hopping WHERE id = 1 AND WINDOWSTART = 4000;`)
	if got := rowsText(res[0].Rows); got != `[2]` {
		t.Errorf("hopping window [4000, 6000): %s, want [2]", got)
	}
}
