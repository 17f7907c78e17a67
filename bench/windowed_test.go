package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/bench/nexmark"
)

var (
	flagKeys   = flag.Int64("bench.keys", 100_000, "distinct keys of the stateful benchmarks' input (uniform)")
	flagWRuns  = flag.Int("bench.wruns", 3, "measured runs of each side of BenchmarkWindowed (q1, tumbling, keyed count, in turn)")
	flagVerify = flag.Bool("bench.verify", true, "after each stateful run, read its output back and check the final counts and sums (untimed)")
	flagSides  = flag.String("bench.sides", "", "comma-separated sides to run (default: all; e.g. q1,tumbling or enrich), e.g. for a profile of one")
)

// windowSize is the tumbling window of BenchmarkWindowed, in ms.
const windowSize = 10_000

// keyedSetup declares the stateful benchmarks' input: the same Nexmark bids
// as BenchmarkStateless, but keyed by K, a uniform key in [0, -bench.keys)
// (nexmark.UniformKey). The topic is named bid like the stateless one, on
// the benchmark's own broker. The cache and commit settings are ksqlDB's
// defaults (Kafka Streams' cache.max.bytes.buffering and commit.interval.ms
// as ksqlDB sets them), set for every side alike.
const keyedSetup = `SET 'auto.offset.reset'='earliest';
SET 'cache.max.bytes.buffering'='10000000';
SET 'commit.interval.ms'='2000';
CREATE STREAM bids (k BIGINT KEY, auction BIGINT, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING)
  WITH (kafka_topic='bid', value_format='JSON', key_format='KAFKA');`

// The three sides of BenchmarkWindowed; %s is the per-run output name.
const (
	// keyedQ1SQL is BenchmarkStateless's q1 over the keyed input: the
	// stateless reference of the same invocation.
	keyedQ1SQL = `CREATE STREAM %s AS SELECT k, bidder, price * 908 / 1000 AS price_eur, channel, dateTime
  FROM bids WHERE price > 1000;`
	tumblingSQL = `CREATE TABLE %s AS SELECT k, COUNT(*) AS cnt, SUM(price) AS total
  FROM bids WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k;`
	// keyedCountSQL is the job the goka comparison (bench/goka) runs.
	keyedCountSQL = `CREATE TABLE %s AS SELECT k, COUNT(*) AS cnt FROM bids GROUP BY k;`
)

// side is one query of a benchmark that compares queries with q1 (the
// first side), and its measurements.
type side struct {
	name   string   // sub-benchmark name
	sql    string   // the timed statement; %s is the per-run output name
	setup  string   // untimed statements before it
	inputs []string // the topics it reads (querySpec.inputs)
	n      int64    // records in those topics
	// check reads a complete run's output topic back and says "ok" or what
	// differs (untimed, -bench.verify); nil for none.
	check  func(ctx context.Context, topic string) string
	target string // appended to the median line, e.g. "(target >= 0.40)"
	runs   []run
	mems   []memUse
	notes  []string // check results, per run
	err    error    // the first failure; the side is not run again
}

// tally is the final state the stateful queries must reach, computed from
// the generator while preloading.
type tally struct {
	bids, priceSum int64
	keys, windows  int64 // distinct k, distinct (k, window)
}

// BenchmarkWindowed measures stateful queries against a stateless one over
// the same input, in the same invocation: Nexmark q1 (filter/project), a
// 10-second tumbling COUNT and SUM per key, and an unwindowed COUNT per key
// (the job bench/goka runs with goka). The input is -bench.events bids with
// -bench.keys uniform keys in 4 partitions. The sides take turns,
// -bench.wruns times; medians are reported, and the stateful sides also
// report their ratio to q1. Completion and CPU accounting are those of
// BenchmarkStateless (runQuery); peak memory is the process's VmHWM.
func BenchmarkWindowed(b *testing.B) {
	ctx := context.Background()
	n := int64(*flagEvents)
	addr, adm := startBench(b)

	t0 := time.Now()
	want, err := preloadKeyed(ctx, adm, addr, n, *flagKeys)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("preloaded %d bids with %d distinct keys (%d key-windows) into %s in %v",
		n, want.keys, want.windows, bidTopic, time.Since(t0).Round(time.Millisecond))

	checkWindowed := func(windowed bool) func(context.Context, string) string {
		return func(ctx context.Context, topic string) string { return verify(ctx, addr, topic, windowed, want) }
	}
	sides := []*side{
		{name: "q1", sql: keyedQ1SQL},
		{name: "tumbling", sql: tumblingSQL, check: checkWindowed(true), target: "(target >= 0.40)"},
		{name: "keyed_count", sql: keyedCountSQL, check: checkWindowed(false)},
	}
	for _, sd := range sides {
		sd.setup, sd.n = keyedSetup, n
	}
	if err := runSides(ctx, adm, addr, "w", *flagWRuns, sides); err != nil {
		b.Fatal(err)
	}
	reportSides(b, sides)
	fmt.Fprintf(os.Stdout, "\nWindowed benchmark: %d bids, %d keys (uniform), %d key-windows of 10 s, %d partitions, GOMAXPROCS %d, load average %s\n",
		n, want.keys, want.windows, bidPartitions, runtime.GOMAXPROCS(0), loadAvg())
	printSides(*flagWRuns, sides)
}

// runSides runs every side once per round, in turn, for the given number
// of rounds, each run on a fresh engine whose service id starts with
// prefix (runQuery). After each run it checks the output and deletes every
// topic but the inputs (bidTopic and keep).
func runSides(ctx context.Context, adm *kadm.Client, addr, prefix string, rounds int, sides []*side, keep ...string) error {
	for i := 1; i <= rounds; i++ {
		for _, sd := range sides {
			if sd.err != nil || !selected(sd.name) {
				continue
			}
			name := fmt.Sprintf("%s_%d", sd.name, i)
			r, info, err := runQuery(ctx, adm, addr, sd.n, querySpec{
				side:   sd.name,
				svc:    fmt.Sprintf("%s%s%d_", prefix, sd.name, i),
				setup:  sd.setup,
				sql:    fmt.Sprintf(sd.sql, name),
				name:   name,
				inputs: sd.inputs,
			})
			if err != nil {
				sd.err = err
			} else {
				sd.runs = append(sd.runs, r)
				sd.mems = append(sd.mems, info.mem)
				note := ""
				if *flagVerify && sd.check != nil && !r.partial {
					note = sd.check(ctx, info.topic)
				}
				sd.notes = append(sd.notes, note)
			}
			if err := dropOutputs(ctx, adm, keep...); err != nil {
				return err
			}
		}
	}
	return nil
}

// reportSides reports each side's medians as a sub-benchmark; the sides
// after the first also report their ratio to it.
func reportSides(b *testing.B, sides []*side) {
	ref := sides[0]
	for _, sd := range sides {
		b.Run(sd.name, func(b *testing.B) {
			if len(sd.runs) == 0 {
				b.Skipf("%s not measured: %v", sd.name, sd.err)
			}
			s, m := summarize(sd.runs), medianMem(sd.mems)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(s.perSec(), "rec/s")
			b.ReportMetric(s.perCPUSec(), "rec/cpu-s")
			if sd != ref && len(ref.runs) > 0 {
				r := summarize(ref.runs)
				b.ReportMetric(s.perSec()/r.perSec(), "x-"+ref.name+"-wall")
				b.ReportMetric(s.perCPUSec()/r.perCPUSec(), "x-"+ref.name+"-cpu")
			}
			b.ReportMetric(float64(m.peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(m.retained)/(1<<20), "retained-MiB")
		})
	}
}

// selected tells whether -bench.sides lets a side run.
func selected(name string) bool {
	return *flagSides == "" || slices.Contains(strings.Split(*flagSides, ","), name)
}

// preloadKeyed writes the keyed input and tallies what the stateful
// queries must end with.
func preloadKeyed(ctx context.Context, adm *kadm.Client, addr string, n, keys int64) (tally, error) {
	g := nexmark.NewGenerator(nexmark.Config{})
	var t tally
	seenKey := map[int64]struct{}{}
	seenWin := map[[2]int64]struct{}{}
	_, err := preload(ctx, adm, addr, n, func(i int64, b *nexmark.Bid) int64 {
		k := g.UniformKey(i, keys)
		t.bids++
		t.priceSum += b.Price
		seenKey[k] = struct{}{}
		seenWin[[2]int64{k, b.DateTime - b.DateTime%windowSize}] = struct{}{}
		return k
	})
	t.keys, t.windows = int64(len(seenKey)), int64(len(seenWin))
	return t, err
}

// verify reads a stateful query's output topic to its end, keeps the last
// value of every key (a key is k, plus the window for windowed output), and
// checks the folded result against the generator's tally: as many groups
// as distinct keys or key-windows, counts adding up to the input, and for
// the tumbling query sums adding up to the input's prices. It returns "ok"
// or what differs.
func verify(ctx context.Context, addr, topic string, windowed bool, want tally) string {
	type value struct {
		Cnt   int64 `json:"CNT"`
		Total int64 `json:"TOTAL"`
	}
	last := map[string]value{}
	var bad int
	err := readAll(ctx, addr, topic, func(r *kgo.Record) {
		if r.Value == nil {
			delete(last, string(r.Key))
			return
		}
		var v value
		if json.Unmarshal(r.Value, &v) != nil {
			bad++
			return
		}
		last[string(r.Key)] = v
	})
	if err != nil {
		return fmt.Sprintf("verify: %v", err)
	}
	var cnt, total int64
	for _, v := range last {
		cnt += v.Cnt
		total += v.Total
	}
	groups := want.keys
	if windowed {
		groups = want.windows
	}
	var diffs []string
	if int64(len(last)) != groups {
		diffs = append(diffs, fmt.Sprintf("%d groups, want %d", len(last), groups))
	}
	if cnt != want.bids {
		diffs = append(diffs, fmt.Sprintf("counts add to %d, want %d", cnt, want.bids))
	}
	if windowed && total != want.priceSum {
		diffs = append(diffs, fmt.Sprintf("sums add to %d, want %d", total, want.priceSum))
	}
	if bad > 0 {
		diffs = append(diffs, fmt.Sprintf("%d values not JSON", bad))
	}
	if len(diffs) == 0 {
		return "ok"
	}
	return fmt.Sprint(diffs)
}

// printSides prints the per-run table of the sides, then their medians and
// the ratios to the first side.
// readAll reads topic from its start to its current end, passing every
// record to each; it gives up after two minutes.
func readAll(ctx context.Context, addr, topic string, each func(*kgo.Record)) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("reading %s: %w", topic, ctx.Err())
		}
		fs.EachError(func(_ string, _ int32, e error) { err = e })
		if err != nil {
			return fmt.Errorf("reading %s: %w", topic, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= left[r.Partition] {
				delete(left, r.Partition)
			}
			each(r)
		})
	}
	return nil
}

func printSides(rounds int, sides []*side) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "run\tside\trecords\tout\twall\tcpu\trec/s\trec/cpu-s\tRSS at start\tpeak RSS\tretained\tcheck\t")
	for i := range rounds {
		for _, sd := range sides {
			if i >= len(sd.runs) {
				continue
			}
			r, m := sd.runs[i], sd.mems[i]
			note := sd.notes[i]
			if r.partial {
				note = "(partial)"
			}
			fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%v\t%v\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", i+1, sd.name, r.records, r.out,
				r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.perSec(), r.perCPUSec(),
				mib(m.start), mib(m.peak), mib(m.retained), note)
		}
	}
	w.Flush()
	ref := sides[0]
	var refSum run
	if len(ref.runs) > 0 {
		refSum = summarize(ref.runs)
	}
	for _, sd := range sides {
		if len(sd.runs) == 0 {
			fmt.Fprintf(os.Stdout, "%-12s not measured: %v\n", sd.name, sd.err)
			continue
		}
		s, m := summarize(sd.runs), medianMem(sd.mems)
		line := fmt.Sprintf("median %-12s %9.0f rec/s, %9.0f rec/cpu-s, peak RSS %s (%s at start), retained heap %s",
			sd.name+":", s.perSec(), s.perCPUSec(), mib(m.peak), mib(m.start), mib(m.retained))
		if sd != ref && len(ref.runs) > 0 {
			line += fmt.Sprintf(", x %s: %.2f wall, %.2f per CPU-second", ref.name, s.perSec()/refSum.perSec(), s.perCPUSec()/refSum.perCPUSec())
			if sd.target != "" {
				line += " " + sd.target
			}
		}
		fmt.Fprintln(os.Stdout, line)
		if sd.err != nil {
			fmt.Fprintf(os.Stdout, "%-12s stopped early: %v\n", sd.name, sd.err)
		}
	}
	fmt.Fprintln(os.Stdout)
}
