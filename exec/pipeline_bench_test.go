package exec

import (
	"testing"

	"github.com/sluicedb/sluice/bench/nexmark"
	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// BenchmarkStatelessPipeline is the per-record CPU cost of the benchmark's
// q1 (bench/stateless_test.go) inside one task, without Kafka: decode,
// filter, project, encode, and a produce that drops the record. It isolates
// the engine's share of the end-to-end figure.
func BenchmarkStatelessPipeline(b *testing.B) {
	const ddl = `CREATE STREAM bid (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING)
  WITH (kafka_topic='bid', value_format='JSON', key_format='KAFKA');`
	const q1 = `CREATE STREAM q1 AS SELECT auction, bidder, price * 908 / 1000 AS price_eur, channel, dateTime
  FROM bid WHERE price > 1000;`
	cat := catalog.New()
	stmts, err := parser.Parse(ddl + q1)
	if err != nil {
		b.Fatal(err)
	}
	src, _, err := planner.PlanCreateSource(stmts[0].(*ast.CreateSource), planner.Defaults{})
	if err != nil {
		b.Fatal(err)
	}
	if err := cat.AddSource(src, false); err != nil {
		b.Fatal(err)
	}
	csas := stmts[1].(*ast.CreateSource)
	plan, err := planner.PlanQuery(cat, csas.AsSelect, planner.QueryOptions{QueryID: "CSAS_Q1_0", Kind: planner.Persistent, Create: csas})
	if err != nil {
		b.Fatal(err)
	}
	var out, bytes int64
	produce := func(r *kafka.Record) error {
		out++
		bytes += int64(len(r.Value))
		return nil
	}
	pl, err := buildPipeline(plan.Topology, buildEnv{produce: produce, report: func(err error) { b.Fatal(err) }})
	if err != nil {
		b.Fatal(err)
	}
	g := nexmark.NewGenerator(nexmark.Config{})
	recs := make([]kafka.Record, 4096)
	for i := range recs {
		k, v, bid := g.AppendBid(nil, nil, int64(i))
		recs[i] = kafka.Record{Topic: "bid", Partition: 0, Offset: int64(i), Key: k, Value: v, Timestamp: bid.DateTime}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := pl.process(&recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if out == 0 || bytes == 0 {
		b.Fatal("nothing produced")
	}
}
