package exec

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The record cache (cache.max.bytes.buffering): with ksqlDB's default of
// 10 MB, the updates a group gets within one commit reach the sink as one
// record, its latest value; with 0, every update is forwarded. The input is
// written before the query starts (reading from the earliest offset), and
// grouped by its key (no repartition topic), so that the query's first poll
// fetches all of it and processes it before its first commit.
func TestRecordCacheCoalescesUpdatesWithinACommit(t *testing.T) {
	for _, c := range []struct {
		name string
		set  string
		want []string
	}{
		{"default cache", ``, []string{`[a 3 6]`, `[b 2 6]`}},
		{"no cache", `SET 'cache.max.bytes.buffering' = '0';`,
			[]string{`[a 1 1]`, `[a 2 3]`, `[b 1 2]`, `[a 3 6]`, `[b 2 6]`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newTestEngine(t, Config{})
			defer e.Close()
			s := NewSession()
			defer s.Close()
			mustExec(t, e, s, `SET 'auto.offset.reset' = 'earliest';
				SET 'commit.interval.ms' = '2000';
				CREATE STREAM s (g STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
				INSERT INTO s (g, v) VALUES ('a', 1);
				INSERT INTO s (g, v) VALUES ('a', 2);
				INSERT INTO s (g, v) VALUES ('b', 2);
				INSERT INTO s (g, v) VALUES ('a', 3);
				INSERT INTO s (g, v) VALUES ('b', 4);`+c.set+`
				CREATE TABLE t AS SELECT g, COUNT(*) AS n, SUM(v) AS total FROM s GROUP BY g;`)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				r, err := e.NextRecord(ctx, s, "T", time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if r == nil {
					break
				}
				got = append(got, fmt.Sprint(r.Values))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("output records %v, want %v", got, c.want)
			}
		})
	}
}
