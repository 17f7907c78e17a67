package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedb/sluice/exec"
)

// querySpec is one persistent query to time, over topics of the
// benchmark's own broker.
type querySpec struct {
	side   string   // profile label (labelSide) and error prefix, e.g. "q1"
	svc    string   // service id: a new one per run gives a new command topic, catalog and group
	setup  string   // untimed statements: SETs and the inputs' DDL
	sql    string   // the timed statement (a CSAS or CTAS)
	name   string   // the source the statement creates
	inputs []string // the topics the query reads; nil means bidTopic alone
}

// memUse is the process's memory over one run. start and peak come from
// /proc/self/status: the resident set when the run started (VmRSS) and its
// high-water mark during the run (VmHWM, reset at the start). They cover the
// whole process: Go heap and its GC headroom (GOGC=400), RocksDB's C
// allocations, and the in-process broker's in-memory topics; and the freed
// heap the Go runtime keeps resident between runs (returning it before each
// run would add page faults to the timed part). retained
// tries to isolate the query: the growth of the Go live heap from the start
// to the end of the run (both after a forced GC) minus the growth of the
// bytes the broker holds in topics other than the input (outputs,
// changelogs). RocksDB's own memory is not Go heap and shows only in RSS.
// Zero where /proc is unavailable.
type memUse struct {
	start, peak int64 // bytes
	retained    int64 // bytes
}

// queryInfo is what runQuery learns besides the timing.
type queryInfo struct {
	mem   memUse
	topic string // the output topic
}

// runQuery starts a fresh engine (own service id, so its command topic,
// catalog and consumer group are new), runs spec.setup, and times spec.sql
// from its execution until the query's group has committed the input's end
// offsets. The engine commits only after the outputs of the consumed
// records are acknowledged, so that point means: everything consumed,
// processed and flushed. n is the number of records in the inputs.
func runQuery(ctx context.Context, adm *kadm.Client, addr string, n int64, spec querySpec) (run, queryInfo, error) {
	defer labelSide(spec.side)()
	var elog engineLog
	e, err := exec.NewEngine(ctx, exec.Config{Bootstrap: []string{addr}, Ephemeral: true, ServiceID: spec.svc, Logf: elog.logf})
	if err != nil {
		return run{}, queryInfo{}, fmt.Errorf("start engine: %w", err)
	}
	defer e.Close()
	s := exec.NewSession()
	defer s.Close()
	if _, err := e.Execute(ctx, s, spec.setup); err != nil {
		return run{}, queryInfo{}, fmt.Errorf("%s setup: %w", spec.side, err)
	}
	inputs := spec.inputs
	if len(inputs) == 0 {
		inputs = []string{bidTopic}
	}
	ends, err := adm.ListEndOffsets(ctx, inputs...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return run{}, queryInfo{}, fmt.Errorf("end offsets of %v: %w", inputs, err)
	}
	want := map[string]map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if want[o.Topic] == nil {
			want[o.Topic] = map[int32]int64{}
		}
		want[o.Topic][o.Partition] = o.Offset
	})

	broker0 := brokerBytes(ctx, adm)
	runtime.GC()
	heap0 := liveHeap()
	resetPeakRSS()
	var info queryInfo
	info.mem.start = procStatus("VmRSS")
	start, cpu0 := time.Now(), cpuTime()
	res, err := e.Execute(ctx, s, spec.sql)
	if err != nil {
		return run{}, queryInfo{}, fmt.Errorf("start %s: %w", spec.side, err)
	}
	queryID := ""
	for _, r := range res {
		if r.QueryID != "" {
			queryID = r.QueryID
		}
	}
	if queryID == "" {
		return run{}, queryInfo{}, fmt.Errorf("start %s: no query id in the result", spec.side)
	}

	var group string
	var done int64
	partial := false
	deadline := start.Add(*flagTimeout)
	for {
		if failed, last := elog.state(); failed {
			return run{}, queryInfo{}, fmt.Errorf("query %s failed: %s", queryID, last)
		}
		if group == "" {
			group, err = findGroup(ctx, adm, spec.svc, queryID)
			if err != nil {
				return run{}, queryInfo{}, err
			}
		}
		if group != "" {
			done, err = committed(ctx, adm, group, want)
			if err != nil {
				return run{}, queryInfo{}, err
			}
			if done == n {
				break
			}
		}
		if time.Now().After(deadline) {
			if done == 0 {
				_, last := elog.state()
				return run{}, queryInfo{}, fmt.Errorf("query %s (group %q) committed nothing within %v; engine log: %s", queryID, group, *flagTimeout, last)
			}
			partial = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := run{records: done, wall: time.Since(start), cpu: cpuTime() - cpu0, partial: partial}
	info.mem.peak = procStatus("VmHWM")
	runtime.GC()
	info.mem.retained = (liveHeap() - heap0) - (brokerBytes(ctx, adm) - broker0)

	info.topic = strings.ToUpper(spec.name)
	if src := e.Catalog().Source(strings.ToUpper(spec.name)); src != nil {
		info.topic = src.Topic
	}
	if outEnds, err := adm.ListEndOffsets(ctx, info.topic); err == nil {
		outEnds.Each(func(o kadm.ListedOffset) { r.out += o.Offset })
	}
	return r, info, nil
}

// produceAll creates topic (bidPartitions partitions) and writes n records
// to it through one lingering producer, waiting until all are acknowledged.
// next appends record i's key and value to the buffers it is given and
// returns them with the record's timestamp (epoch ms); it may reuse the
// buffers, as their bytes are copied.
func produceAll(ctx context.Context, adm *kadm.Client, addr, topic string, n int64, next func(i int64, key, value []byte) ([]byte, []byte, int64)) error {
	if err := createTopic(ctx, adm, topic, bidPartitions); err != nil {
		return err
	}
	cl, err := kgo.NewClient(producerOpts(addr)...)
	if err != nil {
		return fmt.Errorf("producer for %s: %w", topic, err)
	}
	defer cl.Close()
	var perr errOnce
	done := func(_ *kgo.Record, err error) { perr.set(err) }
	// Keys and values are copied into shared slabs: two allocations per
	// record would make the untimed preload needlessly slow.
	var slab, kbuf, vbuf []byte
	for i := range n {
		var ts int64
		kbuf, vbuf, ts = next(i, kbuf[:0], vbuf[:0])
		if cap(slab)-len(slab) < len(kbuf)+len(vbuf) {
			slab = make([]byte, 0, max(1<<20, len(kbuf)+len(vbuf)))
		}
		start := len(slab)
		slab = append(append(slab, kbuf...), vbuf...)
		mid := start + len(kbuf)
		key := slab[start:mid:mid]
		val := slab[mid:len(slab):len(slab)]
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: key, Value: val, Timestamp: time.UnixMilli(ts)}, done)
		if i%100_000 == 0 {
			if err := perr.get(); err != nil {
				return fmt.Errorf("produce to %s: %w", topic, err)
			}
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush %s: %w", topic, err)
	}
	if err := perr.get(); err != nil {
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	return nil
}

// resetPeakRSS restarts the VmHWM high-water mark from the current resident
// set (Linux >= 4.0), so that a run's peak is its own and not that of the
// preload or an earlier run. Where that is refused, VmHWM stays the
// process-lifetime peak.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatus returns a field of /proc/self/status given in kB, in bytes (0
// if missing).
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		if f := strings.Fields(rest); len(f) > 0 {
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// liveHeap is the Go heap in use; right after a GC, the live heap.
func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// brokerBytes is the size of every topic but the input on the broker
// (DescribeLogDirs), 0 if the broker cannot tell.
func brokerBytes(ctx context.Context, adm *kadm.Client) int64 {
	dirs, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		return 0
	}
	var sum int64
	dirs.Each(func(d kadm.DescribedLogDir) {
		d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
			if p.Topic != bidTopic {
				sum += p.Size
			}
		})
	})
	return sum
}

// medianMem is the median of each memory figure over the runs.
func medianMem(ms []memUse) memUse {
	starts := make([]float64, len(ms))
	peaks := make([]float64, len(ms))
	rets := make([]float64, len(ms))
	for i, m := range ms {
		starts[i], peaks[i], rets[i] = float64(m.start), float64(m.peak), float64(m.retained)
	}
	return memUse{start: int64(median(starts)), peak: int64(median(peaks)), retained: int64(median(rets))}
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
