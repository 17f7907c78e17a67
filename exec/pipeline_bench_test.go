package exec

import (
	"cmp"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/sluicedb/sluice/bench/nexmark"
	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/mem"
	"github.com/sluicedb/sluice/state/rocks"
)

// benchPipeline plans sql (CREATE STREAM/TABLE statements, then one CSAS or
// CTAS) and builds the query's processors as one task with in-memory stores;
// produced counts the records it writes.
func benchPipeline(b *testing.B, sql string, produced *int64) *pipeline {
	return benchPipelineOn(b, sql, nil, produced)
}

// benchPipelineOn is benchPipeline on the given task stores (nil: in
// memory).
func benchPipelineOn(b *testing.B, sql string, stores *taskStores, produced *int64) *pipeline {
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
	pl, err := buildPipeline(plan.Topology, buildEnv{produce: produce, report: func(err error) { b.Fatal(err) }, stores: stores})
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

// windowJoinTask is one task's input of bench/join_test.go's window side
// (BenchmarkJoin with its defaults): the bids of 1,000,000 whose uniform key
// (of 100,000) falls in this task's quarter of the keys, and the auction of
// each such key, spread evenly over the bids' time span in key order, all
// merged in time order as the query loop reads them.
func windowJoinTask() []kafka.Record {
	const bids, keys, tasks = 1_000_000, 100_000, 4
	g := nexmark.NewGenerator(nexmark.Config{})
	first, last := g.Bid(0).DateTime, g.Bid(bids-1).DateTime
	recs := make([]kafka.Record, 0, (bids+keys)/tasks+1000)
	for k := int64(0); k < keys; k += tasks {
		a := g.Auction(k, first+k*(last-first)/keys)
		recs = append(recs, kafka.Record{Topic: "auction", Key: nexmark.AppendKey(nil, k), Value: a.AppendJSON(nil), Timestamp: a.DateTime})
	}
	for n := range int64(bids) {
		k := g.UniformKey(n, keys)
		if k%tasks != 0 {
			continue
		}
		_, v, bid := g.AppendBid(nil, nil, n)
		recs = append(recs, kafka.Record{Topic: "bid", Key: nexmark.AppendKey(nil, k), Value: v, Timestamp: bid.DateTime})
	}
	slices.SortStableFunc(recs, func(a, b kafka.Record) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	for i := range recs {
		recs[i].Offset = int64(i)
	}
	return recs
}

// BenchmarkWindowJoinTask is the window side of bench/join_test.go in one
// task, on RocksDB behind the task cache as a query with changelogs runs it
// (the changelog discards its records): each iteration opens a fresh DB and
// runs one task's whole input (windowJoinTask), committing (a cache flush)
// every 40,000 records, about what a task of the end-to-end run does in its
// 2-second commit interval (so that the cache, as there, fills up and
// flushes early in between), and checkpointing (memtables to SST files)
// every fifth commit. ns/record and cpu-ns/record (the process's CPU time,
// RocksDB's background threads and the GC included, as the end-to-end
// rec/cpu-s counts it) are the figures to compare; the second is the
// steadier on a shared machine.
func BenchmarkWindowJoinTask(b *testing.B) {
	const sql = `CREATE STREAM bids (k BIGINT KEY, auction BIGINT, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING)
  WITH (kafka_topic='bid', value_format='JSON', key_format='KAFKA');
CREATE STREAM auction (id BIGINT KEY, itemName STRING, initialBid BIGINT, reserve BIGINT,
  dateTime BIGINT, expires BIGINT, seller BIGINT, category BIGINT)
  WITH (kafka_topic='auction', value_format='JSON', key_format='KAFKA');
CREATE STREAM window_i AS SELECT b.k, b.price, a.reserve, a.seller
  FROM bids b JOIN auction a WITHIN 1 MINUTE ON b.k = a.id;`
	const commitEvery, checkpointEvery = 40_000, 5
	recs := windowJoinTask()
	discard := state.ChangelogFunc(func(string, []byte, []byte) error { return nil })
	b.ReportAllocs()
	b.ResetTimer()
	var out int64
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		db, err := rocks.Open(b.TempDir(), rocks.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ts := &taskStores{db: db, segs: mem.NewSegments(), cache: cache.New(cache.Options{Changelog: discard})}
		out = 0
		pl := benchPipelineOn(b, sql, ts, &out)
		cpu0 := cpuTime()
		b.StartTimer()
		for i := range recs {
			if err := pl.process(&recs[i]); err != nil {
				b.Fatal(err)
			}
			if (i+1)%commitEvery == 0 {
				if err := pl.flush(); err != nil {
					b.Fatal(err)
				}
				if (i+1)%(commitEvery*checkpointEvery) == 0 {
					if err := db.Flush(); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
		if err := pl.flush(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - cpu0
		if err := pl.close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if out == 0 {
		b.Fatal("nothing produced")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(recs)), "cpu-ns/record")
	b.ReportMetric(float64(out), "joined/task")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
