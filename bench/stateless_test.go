// Package bench holds Sluice's end-to-end benchmarks: an embedded broker is
// preloaded with Nexmark bids, then a hand-written franz-go loop and a Sluice
// query process the same input, and the ratio of their throughputs is the
// figure of merit (see README.md).
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/bench/nexmark"
	"github.com/sluicedb/sluice/exec/kafka"
)

var (
	flagEvents  = flag.Int("bench.events", 1_000_000, "bid records preloaded into topic bid")
	flagRuns    = flag.Int("bench.runs", 5, "measured runs of each side (raw loop and query, alternating)")
	flagTimeout = flag.Duration("bench.timeout", 30*time.Second, "longest one run may take; a slower run reports its partial rate")
	flagLinger  = flag.Duration("bench.linger", 5*time.Millisecond, "producer linger of the preload and the raw loop")
)

const (
	bidTopic      = "bid"
	bidPartitions = 4
)

// bidDDL declares the generator's layout: auction is the 8-byte big-endian
// KAFKA BIGINT key (nexmark.AppendKey); the JSON value also carries
// "auction", which the value schema simply does not list.
const bidDDL = `SET 'auto.offset.reset'='earliest';
CREATE STREAM bid (auction BIGINT KEY, bidder BIGINT, price BIGINT, channel STRING,
  url STRING, dateTime BIGINT, extra STRING)
  WITH (kafka_topic='bid', value_format='JSON', key_format='KAFKA');`

// q1SQL is Nexmark q1 (currency conversion) plus a filter that keeps 5/6 of
// the bids (log-uniform prices over 100..1e8). %s is the per-run stream name.
const q1SQL = `CREATE STREAM %s AS SELECT auction, bidder, price * 908 / 1000 AS price_eur, channel, dateTime
  FROM bid WHERE price > 1000;`

// run is one measured pass over the whole input.
type run struct {
	records int64 // input records processed
	out     int64 // records written
	wall    time.Duration
	cpu     time.Duration
	partial bool // stopped at -bench.timeout
}

func (r run) perSec() float64    { return float64(r.records) / r.wall.Seconds() }
func (r run) perCPUSec() float64 { return float64(r.records) / r.cpu.Seconds() }

// BenchmarkStateless compares a Sluice filter/project query (Nexmark q1 with
// a filter) against a raw franz-go consume→produce loop over the same
// preloaded topic and the same in-process broker. Each side runs
// -bench.runs times, alternating, and reports medians; the q1 sub-benchmark
// also reports the ratio query/raw. The process CPU time counts every thread,
// including the in-process broker's, for both sides alike.
func BenchmarkStateless(b *testing.B) {
	ctx := context.Background()
	n := int64(*flagEvents)
	addr, adm := startBench(b)

	t0 := time.Now()
	wantOut, err := preload(ctx, adm, addr, n, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("preloaded %d bids into %s (%d partitions) in %v", n, bidTopic, bidPartitions, time.Since(t0).Round(time.Millisecond))

	var raws, queries []run
	var queryErr error
	for i := 1; i <= *flagRuns; i++ {
		r, err := rawRun(ctx, adm, addr, n, fmt.Sprintf("raw_out_%d", i))
		if err != nil {
			b.Fatalf("raw run %d: %v", i, err)
		}
		raws = append(raws, r)
		if err := dropOutputs(ctx, adm); err != nil {
			b.Fatal(err)
		}
		if queryErr == nil {
			q, err := queryRun(ctx, adm, addr, n, i)
			if err != nil {
				queryErr = err
			} else {
				queries = append(queries, q)
			}
			if err := dropOutputs(ctx, adm); err != nil {
				b.Fatal(err)
			}
		}
	}

	raw := summarize(raws)
	b.Run("raw", func(b *testing.B) {
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(raw.perSec(), "rec/s")
		b.ReportMetric(raw.perCPUSec(), "rec/cpu-s")
	})
	var q run
	if len(queries) > 0 {
		q = summarize(queries)
	}
	b.Run("q1", func(b *testing.B) {
		if len(queries) == 0 {
			b.Skipf("query side not measured: %v", queryErr)
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(q.perSec(), "rec/s")
		b.ReportMetric(q.perCPUSec(), "rec/cpu-s")
		b.ReportMetric(q.perSec()/raw.perSec(), "x-raw-wall")
		b.ReportMetric(q.perCPUSec()/raw.perCPUSec(), "x-raw-cpu")
	})
	printSummary(n, wantOut, raws, queries, queryErr)
}

// startBench starts the benchmark's own in-process broker and an admin
// client on it, both closed when b ends, and runs b with the garbage
// collector target bin/sluice uses (cmd/sluice: gcPercent) unless GOGC
// says otherwise: every side of a benchmark runs under it.
func startBench(b *testing.B) (addr string, adm *kadm.Client) {
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(400)
		b.Cleanup(func() { debug.SetGCPercent(prev) })
	}
	broker, err := kafka.StartBroker(kafka.BrokerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(broker.Close)
	addr = broker.Addr()
	adm, admClose, err := newAdmin(addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(admClose)
	return addr, adm
}

func newAdmin(addr string) (*kadm.Client, func(), error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return nil, nil, fmt.Errorf("admin client: %w", err)
	}
	return kadm.NewClient(cl), cl.Close, nil
}

func createTopic(ctx context.Context, adm *kadm.Client, name string, partitions int32) error {
	resp, err := adm.CreateTopic(ctx, partitions, -1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

// dropOutputs deletes every topic but the input and the other inputs named
// in keep, so that each run starts from fresh output topics and the
// in-memory broker does not accumulate gigabytes over the runs.
func dropOutputs(ctx context.Context, adm *kadm.Client, keep ...string) error {
	td, err := adm.ListTopics(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var drop []string
	for _, t := range td.Names() {
		if t != bidTopic && !slices.Contains(keep, t) {
			drop = append(drop, t)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	resps, err := adm.DeleteTopics(ctx, drop...)
	if err != nil {
		return fmt.Errorf("delete topics %v: %w", drop, err)
	}
	for _, r := range resps {
		// A topic deleted a moment ago can still be listed.
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("delete topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

func producerOpts(addr string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ProducerLinger(*flagLinger),
		kgo.MaxBufferedRecords(100_000),
		// The engine produces uncompressed; the baseline does the same.
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}
}

// errOnce keeps the first asynchronous produce error.
type errOnce struct {
	mu  sync.Mutex
	err error
}

func (e *errOnce) set(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

func (e *errOnce) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// preload writes n generated bids into the bid topic, record timestamps set
// to the bids' event times. It returns how many bids pass q1's filter, so
// the summary can flag a query that wrote the wrong number of rows. keyOf,
// when not nil, replaces the auction as the key of bid n (the stateful
// benchmarks key the same bids by a uniform key) and sees every bid.
func preload(ctx context.Context, adm *kadm.Client, addr string, n int64, keyOf func(n int64, b *nexmark.Bid) int64) (int64, error) {
	g := nexmark.NewGenerator(nexmark.Config{})
	var pass int64
	err := produceAll(ctx, adm, addr, bidTopic, n, func(i int64, key, value []byte) ([]byte, []byte, int64) {
		key, value, bid := g.AppendBid(key, value, i)
		if keyOf != nil {
			key = nexmark.AppendKey(key[:0], keyOf(i, &bid))
		}
		if bid.Price > 1000 {
			pass++
		}
		return key, value, bid.DateTime
	})
	return pass, err
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawRun is the baseline: consume the whole input from the start (direct
// partition consumption, no group) and produce every record unchanged to
// out, then flush. It includes client start-up, as the query side does.
func rawRun(ctx context.Context, adm *kadm.Client, addr string, n int64, out string) (run, error) {
	if err := createTopic(ctx, adm, out, bidPartitions); err != nil {
		return run{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, *flagTimeout)
	defer cancel()
	runtime.GC()
	start, cpu0 := time.Now(), cpuTime()
	defer labelSide("raw")()

	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(bidTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return run{}, fmt.Errorf("consumer: %w", err)
	}
	defer cons.Close()
	prod, err := kgo.NewClient(producerOpts(addr)...)
	if err != nil {
		return run{}, fmt.Errorf("producer: %w", err)
	}
	defer prod.Close()

	var perr errOnce
	done := func(_ *kgo.Record, err error) { perr.set(err) }
	var seen int64
	partial := false
	for seen < n {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			partial = true
			break
		}
		if err := fs.Err(); err != nil {
			return run{}, fmt.Errorf("consume: %w", err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen++
			prod.Produce(ctx, &kgo.Record{Topic: out, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}, done)
		})
	}
	fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = prod.Flush(fctx)
	fcancel()
	if err == nil {
		err = perr.get()
	}
	if err != nil {
		return run{}, fmt.Errorf("produce: %w", err)
	}
	return run{records: seen, out: seen, wall: time.Since(start), cpu: cpuTime() - cpu0, partial: partial}, nil
}

// labelSide tags the calling goroutine, and so every goroutine it starts
// (clients, engine, query tasks), with side=<side> in CPU profiles: `go tool
// pprof -tagfocus side=q1` shows one side alone. The in-process broker and
// the GC workers stay untagged. It returns the function that removes the tag.
func labelSide(side string) func() {
	prev := context.Background()
	pprof.SetGoroutineLabels(pprof.WithLabels(prev, pprof.Labels("side", side)))
	return func() { pprof.SetGoroutineLabels(prev) }
}

// engineLog keeps the engine's last messages, to explain a failed run.
type engineLog struct {
	mu     sync.Mutex
	lines  []string
	failed bool
}

func (l *engineLog) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.Contains(line, "failed") {
		l.failed = true
	}
	l.lines = append(l.lines, line)
	if len(l.lines) > 5 {
		l.lines = l.lines[1:]
	}
}

func (l *engineLog) state() (bool, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed, strings.Join(l.lines, "; ")
}

// queryRun times q1 with runQuery: a fresh engine (own service id, so its
// command topic, catalog and consumer group are new), from the statement's
// execution until the query's group has committed the input's end offsets.
func queryRun(ctx context.Context, adm *kadm.Client, addr string, n int64, i int) (run, error) {
	name := fmt.Sprintf("q1_%d", i)
	r, _, err := runQuery(ctx, adm, addr, n, querySpec{
		side:  "q1",
		svc:   fmt.Sprintf("bench%d_", i),
		setup: bidDDL,
		sql:   fmt.Sprintf(q1SQL, name),
		name:  name,
	})
	return r, err
}

// findGroup finds the query's consumer group by listing groups rather than
// by rebuilding the engine's naming rule (ksqlDB's
// _confluent-ksql-<service>query_<id>), so a renaming cannot silently make
// the benchmark wait forever. "" means it does not exist yet.
func findGroup(ctx context.Context, adm *kadm.Client, svc, queryID string) (string, error) {
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return "", fmt.Errorf("list groups: %w", err)
	}
	for _, g := range groups.Groups() {
		if strings.Contains(g, svc) && strings.Contains(g, queryID) {
			return g, nil
		}
	}
	return "", nil
}

// committed sums the group's committed offsets on the inputs, each capped at
// the partition's end offset (ends: by topic, then partition).
func committed(ctx context.Context, adm *kadm.Client, group string, ends map[string]map[int32]int64) (int64, error) {
	offs, err := adm.FetchOffsets(ctx, group)
	if err == nil {
		err = offs.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("committed offsets of %s: %w", group, err)
	}
	var sum int64
	for topic, parts := range ends {
		for p, end := range parts {
			if o, ok := offs.Lookup(topic, p); ok && o.At > 0 {
				sum += min(o.At, end)
			}
		}
	}
	return sum, nil
}

// summarize returns the run with the median throughput and the median CPU
// efficiency combined: wall and CPU medians are taken independently, as
// performance.md's tables do.
func summarize(rs []run) run {
	walls := make([]float64, len(rs))
	cpus := make([]float64, len(rs))
	for i, r := range rs {
		walls[i], cpus[i] = r.perSec(), r.perCPUSec()
	}
	// Express the medians as a run of 1e6 records, so perSec and
	// perCPUSec give them back.
	const m = 1e6
	return run{records: m, wall: time.Duration(m / median(walls) * 1e9), cpu: time.Duration(m / median(cpus) * 1e9)}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printSummary(n, wantOut int64, raws, queries []run, queryErr error) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(os.Stdout, "\nStateless benchmark: %d bids, %d partitions, GOMAXPROCS %d, load average %s\n",
		n, bidPartitions, runtime.GOMAXPROCS(0), loadAvg())
	fmt.Fprintln(w, "run\tside\trecords\tout\twall\tcpu\trec/s\trec/cpu-s\t")
	line := func(i int, side string, r run) {
		note := ""
		if r.partial {
			note = " (partial)"
		}
		fmt.Fprintf(w, "%d\t%s\t%d\t%d\t%v\t%v\t%.0f\t%.0f\t%s\n", i, side, r.records, r.out,
			r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.perSec(), r.perCPUSec(), note)
	}
	for i := range raws {
		line(i+1, "raw", raws[i])
		if i < len(queries) {
			line(i+1, "q1", queries[i])
		}
	}
	w.Flush()
	raw := summarize(raws)
	fmt.Fprintf(os.Stdout, "median raw: %.0f rec/s, %.0f rec/cpu-s\n", raw.perSec(), raw.perCPUSec())
	if len(queries) == 0 {
		fmt.Fprintf(os.Stdout, "q1 not measured: %v\n\n", queryErr)
		return
	}
	q := summarize(queries)
	fmt.Fprintf(os.Stdout, "median q1:  %.0f rec/s, %.0f rec/cpu-s\n", q.perSec(), q.perCPUSec())
	fmt.Fprintf(os.Stdout, "q1/raw:     %.2f wall, %.2f per CPU-second (target >= 0.50)\n", q.perSec()/raw.perSec(), q.perCPUSec()/raw.perCPUSec())
	for i, r := range queries {
		if !r.partial && r.out != wantOut {
			fmt.Fprintf(os.Stdout, "WARNING: q1 run %d wrote %d records, want %d (bids with price > 1000)\n", i+1, r.out, wantOut)
		}
	}
	if queryErr != nil {
		fmt.Fprintf(os.Stdout, "q1 stopped early: %v\n", queryErr)
	}
	fmt.Fprintln(os.Stdout)
}

// loadAvg is the 1/5/15-minute load average, recorded because the machine
// may be shared and wall-clock figures depend on it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
