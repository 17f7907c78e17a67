package e2e

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The restart test: stateful queries run in a `sluice run` process against a
// standalone broker; the process is SIGKILLed halfway through the input and
// restarted on the same state directory, or on an empty one (state must then
// come back from the changelog topics). The final tables must equal those
// computed directly from the input, which is also what an uninterrupted run
// must produce, so all three scenarios are held to the same expectation.

const (
	restartRecords = 20000
	restartKeys    = 100
	restartCats    = 7
	// restartT0 is a window boundary, so that window starts are easy to read.
	restartT0 = 1_700_000_000_000
	// restartStep and restartJitter keep the input's whole event-time span
	// (about 43 s) under the 1 minute grace period: no record is ever late,
	// whatever the order in which the engine fetches the four partitions, so
	// the expected tables do not depend on fetch interleaving. Within a
	// partition records still arrive out of order by up to restartJitter.
	restartStep   = 2    // ms between consecutive records
	restartJitter = 3000 // ms a record's timestamp may lag behind its slot
	// restartDeadline bounds how long a scenario waits for its tables.
	restartDeadline = 60 * time.Second
)

// restartApp is the SQL file `sluice run` executes. IF NOT EXISTS makes
// re-running it after a restart harmless: the catalog, and with it the
// persistent queries, come back from the command topic, and the file's
// statements then find everything in place (without it the second run fails
// with "already exists" and stops).
//
// The queries checkpoint their local state every second (rather than every
// 10 s), so that the same-data-dir restart finds a checkpoint and restores
// from it plus the changelog records after it.
const restartApp = `SET 'auto.offset.reset'='earliest';
SET 'sluice.state.checkpoint.interval.ms'='1000';
CREATE STREAM IF NOT EXISTS src (k STRING KEY, cat STRING, v BIGINT)
  WITH (kafka_topic='src', value_format='JSON', partitions=4);
CREATE TABLE IF NOT EXISTS w WITH (kafka_topic='w') AS
  SELECT k, COUNT(*) AS c, SUM(v) AS s FROM src
  WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 1 MINUTE)
  GROUP BY k EMIT CHANGES;
CREATE TABLE IF NOT EXISTS g WITH (kafka_topic='g') AS
  SELECT cat, COUNT(*) AS c, SUM(v) AS s FROM src GROUP BY cat EMIT CHANGES;
`

const restartWindowSize = 10_000 // ms, the tumbling window of table w

// restartTopics are the output topics of restartApp: w is windowed.
var restartTopics = map[string]bool{"w": true, "g": false}

type inputRecord struct {
	k, cat string
	v, ts  int64
}

// agg is one row of an output table: COUNT(*) and SUM(v).
type agg struct {
	C int64 `json:"C"`
	S int64 `json:"S"`
}

// table maps a row's key (for windowed rows "key@windowStart") to its value.
type table map[string]agg

// restartInput is a fixed pseudo-random input: the same on every run.
func restartInput() []inputRecord {
	r := rand.New(rand.NewPCG(20240601, 7))
	in := make([]inputRecord, restartRecords)
	for i := range in {
		in[i] = inputRecord{
			k:   fmt.Sprintf("k%03d", r.IntN(restartKeys)),
			cat: fmt.Sprintf("cat%d", r.IntN(restartCats)),
			v:   int64(r.IntN(1000) - 200),
			ts:  restartT0 + int64(i)*restartStep - int64(r.IntN(restartJitter)),
		}
	}
	return in
}

// expectedTables computes the final tables from the input directly.
func expectedTables(in []inputRecord) map[string]table {
	w, g := table{}, table{}
	for _, r := range in {
		start := r.ts - r.ts%restartWindowSize
		wk := windowedKey(r.k, start)
		a := w[wk]
		w[wk] = agg{C: a.C + 1, S: a.S + r.v}
		a = g[r.cat]
		g[r.cat] = agg{C: a.C + 1, S: a.S + r.v}
	}
	return map[string]table{"w": w, "g": g}
}

func windowedKey(k string, start int64) string { return fmt.Sprintf("%s@%d", k, start) }

type restartMode int

const (
	uninterrupted restartMode = iota
	killSameDir
	killEmptyDir
)

func TestRestartStatefulQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart test runs a broker and several engine processes")
	}
	in := restartInput()
	want := expectedTables(in)
	t.Logf("input: %d records, expected %d windowed rows in w and %d rows in g", len(in), len(want["w"]), len(want["g"]))
	t.Run("uninterrupted", func(t *testing.T) { restartScenario(t, in, want, uninterrupted) })
	t.Run("sigkill_same_data_dir", func(t *testing.T) { restartScenario(t, in, want, killSameDir) })
	t.Run("sigkill_empty_data_dir", func(t *testing.T) { restartScenario(t, in, want, killEmptyDir) })
}

var createdQuery = regexp.MustCompile(`Created query with ID (\S+)`)

// runningApp is an application file run by `sluice run` on a broker of
// its own, with the consumer groups of its persistent queries.
type runningApp struct {
	addr, file, dataDir string
	runner              *proc
	groups              []string
}

// startApp starts a broker and `sluice run` on sql, which must create
// queries persistent queries.
func startApp(t *testing.T, sql string, queries int) runningApp {
	t.Helper()
	a := runningApp{addr: startBroker(t), file: filepath.Join(t.TempDir(), "app.sql"), dataDir: t.TempDir()}
	writeFile(t, a.file, sql)
	a.runner = startSluice(t, "run", a.file, "--bootstrap", a.addr, "--data-dir", a.dataDir)
	a.runner.waitOutput(t, "queries are running", 90*time.Second)
	for _, m := range createdQuery.FindAllStringSubmatch(a.runner.stdout.String(), -1) {
		// ksqlDB's consumer group naming: _confluent-ksql-<service id>query_<id>.
		a.groups = append(a.groups, "_confluent-ksql-default_query_"+m[1])
	}
	if len(a.groups) != queries {
		t.Fatalf("expected %d persistent queries, stdout:\n%s", queries, a.runner.stdout.String())
	}
	return a
}

// restartScenario runs one scenario against its own broker. `sluice run` has
// no --service-id, so engines sharing a broker would share the command topic
// and replay each other's queries; a broker per scenario keeps them apart.
func restartScenario(t *testing.T, in []inputRecord, want map[string]table, mode restartMode) {
	begin := time.Now()
	a := startApp(t, restartApp, 2)
	addr, app, dataDir, runner, groups := a.addr, a.file, a.dataDir, a.runner, a.groups
	t.Logf("engine up after %v; queries %v", time.Since(begin).Round(time.Millisecond), groups)

	rd := newOutputReader(t, addr)
	var sizes map[string]int64 // per query, changelog records at the kill
	if mode == uninterrupted {
		produceInput(t, addr, in)
	} else {
		restartDir := dataDir
		if mode == killEmptyDir {
			restartDir = t.TempDir()
		}
		runner, sizes = crashAndRestart(t, runner, rd, groups, in, addr, app, dataDir, restartDir)
	}
	produced := time.Now()
	waitTables(t, rd, groups, want, runner)
	t.Logf("tables complete %v after the last input record (%v in all)", time.Since(produced).Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	if mode != uninterrupted {
		checkRestores(t, runner, groups, sizes, mode == killSameDir)
	}
	runner.stop(t, syscall.SIGTERM, 60*time.Second)
}

// crashAndRestart feeds the first half of the input to runner, SIGKILLs it
// partway (see killAtHalf) once its tasks have checkpointed their state in
// dataDir, starts a new `sluice run` on restartDir, and feeds the rest. It
// returns the new process and the number of records in each query's
// changelogs at the kill.
func crashAndRestart(t *testing.T, runner *proc, rd *outputReader, groups []string, in []inputRecord, addr, app, dataDir, restartDir string) (*proc, map[string]int64) {
	killAtHalf(t, runner, rd, groups, in, addr, func() { waitCheckpoints(t, runner, dataDir, groups) })
	sizes := changelogSizes(t, rd.adm, groups)
	restarted := time.Now()
	runner = startSluice(t, "run", app, "--bootstrap", addr, "--data-dir", restartDir)
	runner.waitOutput(t, "queries are running", 90*time.Second)
	t.Logf("restarted engine up after %v; its statements said: %q", time.Since(restarted).Round(time.Millisecond), runner.stdout.String())
	// The queries come back from the command topic: the file's CREATE ...
	// IF NOT EXISTS statements must not start second copies of them.
	if m := createdQuery.FindString(runner.stdout.String()); m != "" {
		t.Errorf("the restarted run started a new query (%s) instead of resuming the replayed ones", m)
	}
	produceInput(t, addr, in[half(in):])
	return runner, sizes
}

// restartPartitions is the number of partitions of restartApp's input, and
// so of the tasks of each query.
const restartPartitions = 4

// queryID is the id of the query whose consumer group is g.
func queryID(g string) string { return strings.TrimPrefix(g, "_confluent-ksql-default_query_") }

// waitCheckpoints waits until every task of every query has written a
// checkpoint of its local state in dataDir.
func waitCheckpoints(t *testing.T, p *proc, dataDir string, groups []string) {
	t.Helper()
	waitFor(t, restartDeadline, "every task to checkpoint its state", func() bool {
		if p.exited() {
			t.Fatalf("sluice %s exited (%v)\nstderr:\n%s", p.cmd.Args[1], p.err, p.stderr.String())
		}
		for _, g := range groups {
			for part := range restartPartitions {
				if _, err := os.Stat(filepath.Join(dataDir, "state", queryID(g), strconv.Itoa(part), "checkpoint")); err != nil {
					return false
				}
			}
		}
		return true
	})
}

// changelogSizes sums, per query, the end offsets of its changelog topics.
func changelogSizes(t *testing.T, adm *kadm.Client, groups []string) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("listing topics: %v", err)
	}
	sizes := map[string]int64{}
	for _, g := range groups {
		var logs []string
		for _, name := range topics.Names() {
			if strings.HasPrefix(name, g+"-") && strings.HasSuffix(name, "-changelog") {
				logs = append(logs, name)
			}
		}
		ends, err := adm.ListEndOffsets(ctx, logs...)
		if err != nil {
			t.Fatalf("listing the end offsets of %v: %v", logs, err)
		}
		ends.Each(func(l kadm.ListedOffset) { sizes[queryID(g)] += l.Offset })
	}
	return sizes
}

// restoreLine is what the engine logs when a task's stores are open after
// a restart.
var restoreLine = regexp.MustCompile(`query (\S+) task (\d+): (local state kept from its checkpoint|no checkpoint, local state rebuilt); (\d+) changelog records restored`)

// checkRestores checks, from the restarted engine's log, how each task got
// its state back: on the same data dir, from its local state plus the
// changelog records after the checkpoint, fewer than the changelogs hold
// (sizes, per query); on an empty one, from the changelogs alone.
func checkRestores(t *testing.T, p *proc, groups []string, sizes map[string]int64, fromCheckpoint bool) {
	t.Helper()
	restored, tasks := map[string]int64{}, map[string]int{}
	for _, m := range restoreLine.FindAllStringSubmatch(p.stderr.String(), -1) {
		if kept := m[3] == "local state kept from its checkpoint"; kept != fromCheckpoint {
			t.Errorf("restarted task: %q", m[0])
		}
		n, _ := strconv.ParseInt(m[4], 10, 64)
		restored[m[1]] += n
		tasks[m[1]]++
	}
	for _, g := range groups {
		id := queryID(g)
		t.Logf("query %s: %d tasks restored %d changelog records; its changelogs held %d at the kill", id, tasks[id], restored[id], sizes[id])
		if tasks[id] != restartPartitions {
			t.Errorf("query %s: %d tasks logged their restore, want %d\nstderr:\n%s", id, tasks[id], restartPartitions, p.stderr.String())
		}
		if fromCheckpoint && restored[id] >= sizes[id] {
			t.Errorf("query %s: restored %d changelog records of %d: not from its checkpoint", id, restored[id], sizes[id])
		}
	}
}

func half(in []inputRecord) int { return len(in) / 2 }

// killAtHalf feeds the first half of the input to the engine process p and
// SIGKILLs it. The kill comes once every query has committed part of its
// input (so state must survive the crash) and then committed has run (if
// not nil), as soon as it has written output for more: records processed,
// and perhaps written out, but not committed must not be counted twice
// after the restart.
func killAtHalf(t *testing.T, p *proc, rd *outputReader, groups []string, in []inputRecord, addr string, committed func()) {
	t.Helper()
	begin := time.Now()
	quarter := len(in) / 4
	produceInput(t, addr, in[:quarter])
	waitFor(t, restartDeadline, "every query to commit some of its input", func() bool {
		if p.exited() {
			t.Fatalf("sluice %s exited (%v)\nstderr:\n%s", p.cmd.Args[1], p.err, p.stderr.String())
		}
		c := committedInput(rd.adm, groups)
		for _, g := range groups {
			if c[g]["src"] == 0 {
				return false
			}
		}
		return true
	})
	if committed != nil {
		committed()
	}
	before := committedInput(rd.adm, groups)
	readOutput(t, rd)
	seen := rd.records
	produceInput(t, addr, in[quarter:half(in)])
	waitFor(t, restartDeadline, "output for the second quarter of the input", func() bool {
		readOutput(t, rd)
		return rd.records > seen
	})
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing sluice %s: %v", p.cmd.Args[1], err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("sluice %s did not die after SIGKILL", p.cmd.Args[1])
	}
	readOutput(t, rd)
	t.Logf("SIGKILL %v after the first input record, with %d of %d records produced; %d output records written; records committed per query and input topic before the second quarter %v, at the kill %v",
		time.Since(begin).Round(time.Millisecond), half(in), len(in), rd.records, before, committedInput(rd.adm, groups))
}

// startBroker starts `sluice broker` and returns its address.
func startBroker(t *testing.T) string {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	b := startSluice(t, "broker", "--listen", addr)
	b.waitOutput(t, "Broker listening on "+addr, 30*time.Second)
	return addr
}

// produceInput writes records keyed by k (KAFKA format: the raw string) with
// JSON values and explicit timestamps, partitioned by Kafka's key hash.
func produceInput(t *testing.T, addr string, in []inputRecord) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("src"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(in))
	for i, r := range in {
		recs[i] = &kgo.Record{
			Key:       []byte(r.k),
			Value:     fmt.Appendf(nil, `{"CAT":%q,"V":%d}`, r.cat, r.v),
			Timestamp: time.UnixMilli(r.ts),
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing the input: %v", err)
	}
}

// outputReader follows the output topics from their beginning and keeps the
// latest value of every key.
type outputReader struct {
	cl      *kgo.Client
	adm     *kadm.Client
	pos     map[string]map[int32]int64 // next offset per topic and partition
	tables  map[string]table
	records int
}

func newOutputReader(t *testing.T, addr string) *outputReader {
	t.Helper()
	topics := make([]string, 0, len(restartTopics))
	for topic := range restartTopics {
		topics = append(topics, topic)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Should the engine write transactionally, aborted rows must not
		// count, and the commit markers (kept, and skipped in apply) move
		// the position up to the last stable offset that catchUp waits for.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	r := &outputReader{cl: cl, adm: kadm.NewClient(cl), pos: map[string]map[int32]int64{}, tables: map[string]table{}}
	for _, topic := range topics {
		r.pos[topic] = map[int32]int64{}
		r.tables[topic] = table{}
	}
	return r
}

// catchUp reads until every partition of the output topics is consumed up
// to its last stable offset as of the call.
func (r *outputReader) catchUp(ctx context.Context) error {
	topics := make([]string, 0, len(r.pos))
	for topic := range r.pos {
		topics = append(topics, topic)
	}
	ends, err := r.adm.ListCommittedOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("listing the output topics' end offsets: %w", err)
	}
	behind := func() bool {
		lag := false
		ends.Each(func(l kadm.ListedOffset) {
			lag = lag || l.Err == nil && r.pos[l.Topic][l.Partition] < l.Offset
		})
		return lag
	}
	for behind() {
		fs := r.cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("reading the output topics: %w", ctx.Err())
		}
		var derr error
		fs.EachError(func(topic string, p int32, err error) {
			derr = fmt.Errorf("fetching %s[%d]: %w", topic, p, err)
		})
		if derr != nil {
			return derr
		}
		fs.EachRecord(func(rec *kgo.Record) {
			if derr == nil {
				derr = r.apply(rec)
			}
		})
		if derr != nil {
			return derr
		}
	}
	return nil
}

func (r *outputReader) apply(rec *kgo.Record) error {
	r.pos[rec.Topic][rec.Partition] = rec.Offset + 1
	if rec.Attrs.IsControl() {
		return nil
	}
	r.records++
	key := string(rec.Key)
	if restartTopics[rec.Topic] {
		// Kafka Streams' time-windowed key: the key's bytes, then the window
		// start as an 8-byte big-endian integer.
		if len(rec.Key) < 8 {
			return fmt.Errorf("%s[%d]@%d: windowed key %q is shorter than 8 bytes", rec.Topic, rec.Partition, rec.Offset, rec.Key)
		}
		n := len(rec.Key) - 8
		key = windowedKey(string(rec.Key[:n]), int64(binary.BigEndian.Uint64(rec.Key[n:])))
	}
	if rec.Value == nil {
		delete(r.tables[rec.Topic], key)
		return nil
	}
	var a agg
	if err := json.Unmarshal(rec.Value, &a); err != nil {
		return fmt.Errorf("%s[%d]@%d: value %q: %w", rec.Topic, rec.Partition, rec.Offset, rec.Value, err)
	}
	r.tables[rec.Topic][key] = a
	return nil
}

// readOutput brings rd up to date with the output topics.
func readOutput(t *testing.T, rd *outputReader) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := rd.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// committedInput reports, per query group and topic it reads (the source
// and any repartition topic), how many records the group has committed as
// processed: the sum over the topic's partitions. Groups it cannot read are
// absent.
func committedInput(adm *kadm.Client, groups []string) map[string]map[string]int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[string]map[string]int64{}
	for _, g := range groups {
		offs, err := adm.FetchOffsets(ctx, g)
		if err != nil {
			continue
		}
		out[g] = map[string]int64{}
		offs.Each(func(o kadm.OffsetResponse) {
			if o.Err == nil {
				out[g][o.Topic] += o.At
			}
		})
	}
	return out
}

// settled tells whether every query group has committed every partition of
// every topic it reads (the source and any repartition topic) up to its end.
// Outputs are flushed before input offsets are committed, so once settled
// the output topics hold everything the queries will ever write for this
// input. A group without commits is never settled (the deadline applies).
func settled(ctx context.Context, adm *kadm.Client, groups []string) bool {
	for _, g := range groups {
		offs, err := adm.FetchOffsets(ctx, g)
		if err != nil || len(offs["src"]) == 0 {
			return false
		}
		topics := make([]string, 0, len(offs))
		for topic := range offs {
			topics = append(topics, topic)
		}
		ends, err := adm.ListEndOffsets(ctx, topics...)
		if err != nil {
			return false
		}
		all := true
		ends.Each(func(l kadm.ListedOffset) {
			o, ok := offs.Lookup(l.Topic, l.Partition)
			all = all && l.Err == nil && ok && o.Err == nil && o.At == l.Offset
		})
		if !all {
			return false
		}
	}
	return true
}

// waitTables polls the output tables until they equal want. It fails with a
// diff at the deadline, or earlier once the queries have committed all their
// input on two consecutive polls without the output changing: from then on
// the tables are final.
func waitTables(t *testing.T, rd *outputReader, groups []string, want map[string]table, runners ...*proc) {
	t.Helper()
	end := time.Now().Add(restartDeadline)
	prevSettled, prevRecords := false, -1
	for {
		for _, runner := range runners {
			if runner.exited() {
				t.Fatalf("sluice %s exited (%v)\nstderr:\n%s", runner.cmd.Args[1], runner.err, runner.stderr.String())
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		// Check the commits before reading, so that a settled state covers
		// everything read afterwards.
		done := settled(ctx, rd.adm, groups)
		err := rd.catchUp(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		diff := diffTables(rd.tables, want)
		if diff == "" {
			return
		}
		switch {
		case done && prevSettled && rd.records == prevRecords:
			t.Fatalf("the queries consumed all their input but the tables differ from the expected ones (%d output records read):\n%s", rd.records, diff)
		case time.Now().After(end):
			t.Fatalf("the tables did not reach the expected contents within %v (%d output records read, queries settled: %v):\n%s", restartDeadline, rd.records, done, diff)
		}
		prevSettled, prevRecords = done, rd.records
		time.Sleep(250 * time.Millisecond)
	}
}

// diffTables describes how got differs from want: counts per table and the
// first few differing keys in key order; "" when they are equal.
func diffTables(got, want map[string]table) string {
	var b strings.Builder
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g, w := got[name], want[name]
		keys := map[string]bool{}
		for k := range g {
			keys[k] = true
		}
		for k := range w {
			keys[k] = true
		}
		var differ []string
		for k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			if gok != wok || gv != wv {
				differ = append(differ, k)
			}
		}
		if len(differ) == 0 {
			continue
		}
		sort.Strings(differ)
		fmt.Fprintf(&b, "table %s: %d of %d keys differ (got %d rows, want %d)\n", name, len(differ), len(keys), len(g), len(w))
		for i, k := range differ {
			if i == 8 {
				fmt.Fprintf(&b, "  ...\n")
				break
			}
			fmt.Fprintf(&b, "  %s: got %s, want %s\n", k, showAgg(g, k), showAgg(w, k))
		}
	}
	return b.String()
}

func showAgg(t table, k string) string {
	a, ok := t[k]
	if !ok {
		return "(absent)"
	}
	return fmt.Sprintf("C=%d S=%d", a.C, a.S)
}
