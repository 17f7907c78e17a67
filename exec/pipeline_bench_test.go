package exec

import (
	"fmt"
	"testing"

	"github.com/sluicedb/sluice/bench/nexmark"
	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// benchPipeline plans sql (CREATE STREAM/TABLE statements, then one CSAS or
// CTAS) and builds the query's processors as one task with in-memory stores;
// produced counts the records it writes.
func benchPipeline(b *testing.B, sql string, produced *int64) *pipeline {
	b.Helper()
	cat := catalog.New()
	stmts, err := parser.Parse(sql)
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range stmts[:len(stmts)-1] {
		src, _, err := planner.PlanCreateSource(st.(*ast.CreateSource), planner.Defaults{})
		if err != nil {
			b.Fatal(err)
		}
		if err := cat.AddSource(src, false); err != nil {
			b.Fatal(err)
		}
	}
	cs := stmts[len(stmts)-1].(*ast.CreateSource)
	plan, err := planner.PlanQuery(cat, cs.AsSelect, planner.QueryOptions{QueryID: "CSAS_Q_0", Kind: planner.Persistent, Create: cs})
	if err != nil {
		b.Fatal(err)
	}
	produce := func(r *kafka.Record) error {
		*produced++
		return nil
	}
	pl, err := buildPipeline(plan.Topology, buildEnv{produce: produce, report: func(err error) { b.Fatal(err) }})
	if err != nil {
		b.Fatal(err)
	}
	return pl
}

// runBench processes recs round-robin, flushing the task's state every
// 1000 records as a commit would. Each round's times are len(recs) ms
// after the last round's, so that time keeps moving on.
func runBench(b *testing.B, pl *pipeline, recs []kafka.Record, produced *int64) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := recs[i%len(recs)]
		r.Offset = int64(i)
		r.Timestamp += int64(i / len(recs) * len(recs))
		if err := pl.process(&r); err != nil {
			b.Fatal(err)
		}
		i++
		if i%1000 == 0 {
			if err := pl.flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if *produced == 0 {
		b.Fatal("nothing produced")
	}
}

// BenchmarkStatelessPipeline is the per-record CPU cost of the benchmark's
// q1 (bench/stateless_test.go) inside one task, without Kafka: decode,
// filter, project, encode, and a produce that drops the record. It isolates
// the engine's share of the end-to-end figure.
func BenchmarkStatelessPipeline(b *testing.B) {
	const sql = `CREATE STREAM bid (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING)
  WITH (kafka_topic='bid', value_format='JSON', key_format='KAFKA');
CREATE STREAM q1 AS SELECT auction, bidder, price * 908 / 1000 AS price_eur, channel, dateTime
  FROM bid WHERE price > 1000;`
	var out int64
	pl := benchPipeline(b, sql, &out)
	g := nexmark.NewGenerator(nexmark.Config{})
	recs := make([]kafka.Record, 4096)
	for i := range recs {
		k, v, bid := g.AppendBid(nil, nil, int64(i))
		recs[i] = kafka.Record{Topic: "bid", Partition: 0, Offset: int64(i), Key: k, Value: v, Timestamp: bid.DateTime}
	}
	runBench(b, pl, recs, &out)
}

// joinBenchRecords alternates records of topics a and b over 1000 keys (a
// pair of records per key)
// (KAFKA string keys, JSON values), one millisecond apart.
func joinBenchRecords(a, bTopic string) []kafka.Record {
	recs := make([]kafka.Record, 8192)
	for i := range recs {
		topic := a
		if i%2 == 1 {
			topic = bTopic
		}
		recs[i] = kafka.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i/2%1000), Value: fmt.Appendf(nil, `{"V":%d}`, i),
			Timestamp: int64(i)}
	}
	return recs
}

// BenchmarkStreamTableJoinPipeline is a stream-table join's per-record cost
// in one task: half table updates (stored), half stream records (looked up
// and joined).
func BenchmarkStreamTableJoinPipeline(b *testing.B) {
	const sql = `CREATE STREAM s (k STRING KEY, v BIGINT) WITH (kafka_topic='s', value_format='JSON');
CREATE TABLE t (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='t', value_format='JSON');
CREATE STREAM j AS SELECT s.k AS k, s.v AS sv, t.v AS tv FROM s JOIN t ON s.k = t.k;`
	var out int64
	pl := benchPipeline(b, sql, &out)
	runBench(b, pl, joinBenchRecords("t", "s"), &out)
}

// BenchmarkStreamStreamJoinPipeline is a windowed stream-stream join's
// per-record cost in one task: each record is stored and joins the other
// side's records of its key within the window (about two).
func BenchmarkStreamStreamJoinPipeline(b *testing.B) {
	const sql = `CREATE STREAM l (k STRING KEY, v BIGINT) WITH (kafka_topic='l', value_format='JSON');
CREATE STREAM r (k STRING KEY, v BIGINT) WITH (kafka_topic='r', value_format='JSON');
CREATE STREAM j AS SELECT l.k AS k, l.v AS lv, r.v AS rv FROM l JOIN r WITHIN 2 SECONDS GRACE PERIOD 1 SECOND ON l.k = r.k;`
	var out int64
	pl := benchPipeline(b, sql, &out)
	runBench(b, pl, joinBenchRecords("l", "r"), &out)
}
