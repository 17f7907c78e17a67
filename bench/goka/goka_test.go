// Package gokabench runs the keyed count of Sluice's BenchmarkWindowed
// (bench/windowed_test.go, side keyed_count) with goka v1.1.15, a Go Kafka
// Streams library (sarama client, LevelDB storage), over the same input on
// the same kind of in-process broker. It is its own Go module so that the
// main module does not depend on goka, sarama or LevelDB. See
// ../README.md.
package gokabench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/storage"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/bench/nexmark"
	"github.com/sluicedb/sluice/exec/kafka"
)

var (
	flagEvents  = flag.Int("bench.events", 1_000_000, "bid records preloaded into topic bid")
	flagKeys    = flag.Int64("bench.keys", 100_000, "distinct keys (uniform), as in Sluice's BenchmarkWindowed")
	flagRuns    = flag.Int("bench.runs", 3, "measured runs")
	flagTimeout = flag.Duration("bench.timeout", 2*time.Minute, "longest one run may take; a slower run reports its partial rate")
	flagVerify  = flag.Bool("bench.verify", true, "after each run, read the group table back and check the final counts (untimed)")
	flagSluice  = flag.String("sluice", "", "output of Sluice's BenchmarkWindowed (go test -bench output); when set, the ratio of its keyed_count to goka is printed")
)

const (
	inputTopic = "bid"
	partitions = 4
)

// run is one measured pass over the whole input.
type run struct {
	records int64         // input records committed by the group
	wall    time.Duration // processor start to the group's commit of the input's end
	lastCB  time.Duration // processor start to the last callback
	cpu     time.Duration
	out     int64 // records in the group table topic
	partial bool
	peak    int64 // VmHWM over the run, bytes
	start   int64 // VmRSS at the start, bytes
	// retained is the Go live heap's growth over the run (forced GCs at both
	// ends) minus that of the broker's non-input topics: goka's state, as
	// LevelDB (goleveldb) is Go code. Measured as Sluice's runQuery does.
	retained int64
	check    string
}

func (r run) perSec() float64    { return float64(r.records) / r.wall.Seconds() }
func (r run) perCPUSec() float64 { return float64(r.records) / r.cpu.Seconds() }

// BenchmarkGokaKeyedCount counts bids per key with a goka processor:
// goka.DefineGroup with goka.Input (codec.Bytes: the value is not decoded)
// and goka.Persist(codec.Int64), LevelDB storage (goka's default), every
// update written to the group table topic. Timing runs from processor start
// (group join included) until the group has committed the input's end
// offsets, as Sluice's runQuery does; CPU is the whole process's, in-process
// broker included.
func BenchmarkGokaKeyedCount(b *testing.B) {
	// Sluice's benchmarks run under GOGC=400 (bin/sluice's setting); goka
	// gets the same.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	ctx := context.Background()
	n := int64(*flagEvents)
	broker, err := kafka.StartBroker(kafka.BrokerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	addr := broker.Addr()
	adm, admClose, err := newAdmin(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer admClose()

	t0 := time.Now()
	keys, err := preload(ctx, adm, addr, n, *flagKeys)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("preloaded %d bids with %d distinct keys into %s in %v", n, keys, inputTopic, time.Since(t0).Round(time.Millisecond))

	configureGoka()
	var runs []run
	var runErr error
	for i := 1; i <= *flagRuns; i++ {
		r, err := gokaRun(ctx, adm, addr, n, keys, i)
		if err != nil {
			runErr = fmt.Errorf("run %d: %w", i, err)
			break
		}
		runs = append(runs, r)
		if err := dropOutputs(ctx, adm); err != nil {
			b.Fatal(err)
		}
	}
	if len(runs) == 0 {
		b.Fatal(runErr)
	}
	s := summarize(runs)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(s.perSec(), "rec/s")
	b.ReportMetric(s.perCPUSec(), "rec/cpu-s")
	b.ReportMetric(float64(s.records)/s.lastCB.Seconds(), "rec/s-to-last-callback")
	b.ReportMetric(float64(s.peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(s.retained)/(1<<20), "retained-MiB")
	printSummary(n, keys, runs, runErr)
}

// configureGoka sets goka's global sarama config: the defaults of goka's
// examples, reading the input from the start, and no compression because
// Sluice produces uncompressed (goka's default is snappy).
func configureGoka() {
	cfg := goka.DefaultConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Producer.Compression = sarama.CompressionNone
	goka.ReplaceGlobalConfig(cfg)
}

func gokaRun(ctx context.Context, adm *kadm.Client, addr string, n, keys int64, i int) (run, error) {
	dir, err := os.MkdirTemp("", "goka-bench-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(dir)
	ends, err := endOffsets(ctx, adm, inputTopic)
	if err != nil {
		return run{}, err
	}

	group := goka.Group(fmt.Sprintf("count_%d", i))
	var calls atomic.Int64
	var lastCall atomic.Int64 // unix ns of the last callback
	cb := func(ctx goka.Context, _ any) {
		var c int64
		if v := ctx.Value(); v != nil {
			c = v.(int64)
		}
		ctx.SetValue(c + 1)
		calls.Add(1)
		lastCall.Store(time.Now().UnixNano())
	}
	tmc := goka.NewTopicManagerConfig()
	tmc.Table.Replication = 1
	tmc.Stream.Replication = 1

	broker0 := brokerBytes(ctx, adm)
	runtime.GC()
	heap0 := liveHeap()
	resetPeakRSS()
	r := run{start: procStatus("VmRSS")}
	start, cpu0 := time.Now(), cpuTime()
	p, err := goka.NewProcessor([]string{addr},
		goka.DefineGroup(group,
			goka.Input(goka.Stream(inputTopic), new(codec.Bytes), cb),
			goka.Persist(new(codec.Int64)),
		),
		goka.WithStorageBuilder(storage.DefaultBuilder(dir)),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithTopicManagerConfig(tmc)),
		goka.WithConsumerGroupBuilder(goka.DefaultConsumerGroupBuilder),
		goka.WithLogger(quiet{}),
	)
	if err != nil {
		return run{}, fmt.Errorf("new processor: %w", err)
	}
	pctx, stop := context.WithCancel(ctx)
	var perr error
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		perr = p.Run(pctx)
	}()
	stopped := func() error {
		stop()
		<-exited
		if perr != nil && !errors.Is(perr, context.Canceled) {
			return fmt.Errorf("processor: %w", perr)
		}
		return nil
	}

	deadline := start.Add(*flagTimeout)
	for {
		done, err := committed(ctx, adm, string(group), ends)
		if err != nil {
			stopped()
			return run{}, err
		}
		r.records = done
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			r.partial = true
			break
		}
		select {
		case <-exited:
			return run{}, fmt.Errorf("processor stopped after %d records: %w", done, perr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	r.wall, r.cpu = time.Since(start), cpuTime()-cpu0
	r.peak = procStatus("VmHWM")
	runtime.GC()
	r.retained = (liveHeap() - heap0) - (brokerBytes(ctx, adm) - broker0)
	if l := lastCall.Load(); l > 0 {
		r.lastCB = time.Unix(0, l).Sub(start)
	}
	if err := stopped(); err != nil {
		return run{}, err
	}
	table := string(goka.GroupTable(group))
	if outEnds, err := endOffsets(ctx, adm, table); err == nil {
		for _, o := range outEnds {
			r.out += o
		}
	}
	if c := calls.Load(); c != r.records && !r.partial {
		r.check = fmt.Sprintf("%d callbacks for %d records", c, r.records)
	} else if *flagVerify && !r.partial {
		r.check = verify(ctx, addr, table, n, keys)
	}
	return r, nil
}

// quiet drops goka's log lines (one per rebalance), which would interleave
// with the benchmark's output.
type quiet struct{}

func (quiet) Print(...any)          {}
func (quiet) Println(...any)        {}
func (quiet) Printf(string, ...any) {}

// preload writes the first n Nexmark bids into the input topic, keyed by
// nexmark.UniformKey as a KAFKA BIGINT (8 bytes big-endian), record
// timestamps set to the bids' event times: the input of Sluice's
// BenchmarkWindowed, byte for byte. It returns the number of distinct keys.
func preload(ctx context.Context, adm *kadm.Client, addr string, n, keys int64) (int64, error) {
	resp, err := adm.CreateTopic(ctx, partitions, -1, nil, inputTopic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return 0, fmt.Errorf("create topic %s: %w", inputTopic, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(100_000), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		return 0, fmt.Errorf("preload client: %w", err)
	}
	defer cl.Close()
	g := nexmark.NewGenerator(nexmark.Config{})
	var mu sync.Mutex
	var perr error
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			perr = err
			mu.Unlock()
		}
	}
	seen := map[int64]struct{}{}
	var slab, kbuf, vbuf []byte
	for i := range n {
		var bid nexmark.Bid
		_, vbuf, bid = g.AppendBid(kbuf[:0], vbuf[:0], i)
		k := g.UniformKey(i, keys)
		seen[k] = struct{}{}
		kbuf = nexmark.AppendKey(kbuf[:0], k)
		if cap(slab)-len(slab) < len(kbuf)+len(vbuf) {
			slab = make([]byte, 0, 1<<20)
		}
		s := len(slab)
		slab = append(append(slab, kbuf...), vbuf...)
		mid := s + len(kbuf)
		cl.Produce(ctx, &kgo.Record{Topic: inputTopic, Key: slab[s:mid:mid], Value: slab[mid:len(slab):len(slab)],
			Timestamp: time.UnixMilli(bid.DateTime)}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, fmt.Errorf("preload flush: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if perr != nil {
		return 0, fmt.Errorf("preload: %w", perr)
	}
	return int64(len(seen)), nil
}

// verify reads the group table topic to its end, keeps the last count of
// every key, and checks that there are as many keys as in the input and
// that the counts add up to n. It returns "ok" or what differs.
func verify(ctx context.Context, addr, topic string, n, keys int64) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return fmt.Sprintf("verify: %v", err)
	}
	defer cl.Close()
	ends, err := endOffsets(ctx, kadm.NewClient(cl), topic)
	if err != nil {
		return fmt.Sprintf("verify: %v", err)
	}
	left := map[int32]int64{}
	for p, o := range ends {
		if o > 0 {
			left[p] = o
		}
	}
	last := map[string]int64{}
	bad := 0
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Sprintf("verify: reading %s: %v", topic, ctx.Err())
		}
		fs.EachError(func(_ string, _ int32, e error) { err = e })
		if err != nil {
			return fmt.Sprintf("verify: reading %s: %v", topic, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= left[r.Partition] {
				delete(left, r.Partition)
			}
			c, err := strconv.ParseInt(string(r.Value), 10, 64)
			if err != nil {
				bad++
				return
			}
			last[string(r.Key)] = c
		})
	}
	var sum int64
	for _, c := range last {
		sum += c
	}
	var diffs []string
	if int64(len(last)) != keys {
		diffs = append(diffs, fmt.Sprintf("%d keys, want %d", len(last), keys))
	}
	if sum != n {
		diffs = append(diffs, fmt.Sprintf("counts add to %d, want %d", sum, n))
	}
	if bad > 0 {
		diffs = append(diffs, fmt.Sprintf("%d values not integers", bad))
	}
	if len(diffs) == 0 {
		return "ok"
	}
	return fmt.Sprint(diffs)
}

func newAdmin(addr string) (*kadm.Client, func(), error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return nil, nil, fmt.Errorf("admin client: %w", err)
	}
	return kadm.NewClient(cl), cl.Close, nil
}

func endOffsets(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// committed sums the group's committed offsets on the input, each capped at
// the partition's end offset (0 before the group exists).
func committed(ctx context.Context, adm *kadm.Client, group string, ends map[int32]int64) (int64, error) {
	offs, err := adm.FetchOffsets(ctx, group)
	if err == nil {
		err = offs.Error()
	}
	if errors.Is(err, kerr.GroupIDNotFound) {
		return 0, nil // not joined yet
	}
	if err != nil {
		return 0, fmt.Errorf("committed offsets of %s: %w", group, err)
	}
	var sum int64
	for p, end := range ends {
		if o, ok := offs.Lookup(inputTopic, p); ok && o.At > 0 {
			sum += min(o.At, end)
		}
	}
	return sum, nil
}

// dropOutputs deletes every topic but the input (the group tables).
func dropOutputs(ctx context.Context, adm *kadm.Client) error {
	td, err := adm.ListTopics(ctx)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var drop []string
	for _, t := range td.Names() {
		if t != inputTopic {
			drop = append(drop, t)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	if _, err := adm.DeleteTopics(ctx, drop...); err != nil {
		return fmt.Errorf("delete topics %v: %w", drop, err)
	}
	return nil
}

func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// brokerBytes is the size of every topic but the input (DescribeLogDirs).
func brokerBytes(ctx context.Context, adm *kadm.Client) int64 {
	dirs, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return 0
	}
	var sum int64
	dirs.Each(func(d kadm.DescribedLogDir) {
		d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
			if p.Topic != inputTopic {
				sum += p.Size
			}
		})
	})
	return sum
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS restarts VmHWM from the current resident set (Linux >= 4.0).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatus returns a kB field of /proc/self/status in bytes (0 if missing).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			if fs := strings.Fields(rest); len(fs) > 0 {
				kb, _ := strconv.ParseInt(fs[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// summarize combines the medians of rec/s (to the commit and to the last
// callback), rec/cpu-s and peak memory.
func summarize(rs []run) run {
	var walls, cpus, peaks, cbs, rets []float64
	for _, r := range rs {
		rets = append(rets, float64(r.retained))
		cbs = append(cbs, float64(r.records)/r.lastCB.Seconds())
		walls = append(walls, r.perSec())
		cpus = append(cpus, r.perCPUSec())
		peaks = append(peaks, float64(r.peak))
	}
	const m = 1e6
	return run{records: m, wall: time.Duration(m / median(walls) * 1e9), cpu: time.Duration(m / median(cpus) * 1e9),
		lastCB: time.Duration(m / median(cbs) * 1e9), peak: int64(median(peaks)), retained: int64(median(rets))}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func printSummary(n, keys int64, runs []run, runErr error) {
	fmt.Printf("\ngoka keyed count: %d bids, %d keys (uniform), %d partitions, LevelDB, GOMAXPROCS %d, load average %s\n",
		n, keys, partitions, runtime.GOMAXPROCS(0), loadAvg())
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "run\trecords\tout\twall\tlast callback\tcpu\trec/s\trec/cpu-s\tRSS at start\tpeak RSS\tretained\tcheck\t")
	for i, r := range runs {
		check := r.check
		if r.partial {
			check = "(partial)"
		}
		fmt.Fprintf(w, "%d\t%d\t%d\t%v\t%v\t%v\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", i+1, r.records, r.out,
			r.wall.Round(time.Millisecond), r.lastCB.Round(time.Millisecond), r.cpu.Round(time.Millisecond),
			r.perSec(), r.perCPUSec(), mib(r.start), mib(r.peak), mib(r.retained), check)
	}
	w.Flush()
	s := summarize(runs)
	fmt.Printf("median goka:  %9.0f rec/s, %9.0f rec/cpu-s, peak RSS %s, retained heap %s; %.0f rec/s to the last callback (before the group's next auto-commit)\n",
		s.perSec(), s.perCPUSec(), mib(s.peak), mib(s.retained), float64(s.records)/s.lastCB.Seconds())
	if runErr != nil {
		fmt.Printf("stopped early: %v\n", runErr)
	}
	if *flagSluice != "" {
		wall, cpu, err := sluiceKeyedCount(*flagSluice)
		if err != nil {
			fmt.Printf("sluice/goka: %v\n", err)
		} else {
			fmt.Printf("median sluice keyed_count: %9.0f rec/s, %9.0f rec/cpu-s (BenchmarkWindowed/keyed_count)\n", wall, cpu)
			fmt.Printf("sluice/goka: %.1fx wall, %.1fx per CPU-second (target >= 5)\n", wall/s.perSec(), cpu/s.perCPUSec())
		}
	}
	fmt.Println()
}

// sluiceKeyedCount reads the rec/s and rec/cpu-s of Sluice's
// BenchmarkWindowed/keyed_count from go test -bench output: a line
// "BenchmarkWindowed/keyed_count-N 1 0 ns/op <v> rec/s <v> rec/cpu-s ...".
func sluiceKeyedCount(path string) (wall, cpu float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "BenchmarkWindowed/keyed_count") {
			continue
		}
		for i := 1; i+1 < len(f); i++ {
			v, perr := strconv.ParseFloat(f[i], 64)
			if perr != nil {
				continue
			}
			switch f[i+1] {
			case "rec/s":
				wall = v
			case "rec/cpu-s":
				cpu = v
			}
		}
		if wall > 0 && cpu > 0 {
			return wall, cpu, nil
		}
	}
	return 0, 0, fmt.Errorf("no BenchmarkWindowed/keyed_count figures in %s", path)
}

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
