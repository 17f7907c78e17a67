package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The join restart test: stream-stream joins (inner, and left with a grace
// period: unmatched records wait in the outer store) and a table-table join
// run in a `sluice run` process that is SIGKILLed halfway through the input
// and restarted on the same or an empty state directory. The stream joins'
// distinct results and the table join's final rows must equal those
// computed from the input (results after the last commit may repeat:
// at-least-once; none may be missing or wrong).

const joinApp = `SET 'auto.offset.reset'='earliest';
CREATE STREAM IF NOT EXISTS l (k STRING KEY, v BIGINT) WITH (kafka_topic='l', value_format='JSON', partitions=4);
CREATE STREAM IF NOT EXISTS r (k STRING KEY, w BIGINT) WITH (kafka_topic='r', value_format='JSON', partitions=4);
CREATE TABLE IF NOT EXISTS tl (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='tl', value_format='JSON', partitions=4);
CREATE TABLE IF NOT EXISTS tr (k STRING PRIMARY KEY, w BIGINT) WITH (kafka_topic='tr', value_format='JSON', partitions=4);
CREATE STREAM IF NOT EXISTS ss WITH (kafka_topic='ss') AS
  SELECT l.k AS k, l.v AS v, r.w AS w FROM l JOIN r WITHIN 1 MINUTE ON l.k = r.k;
CREATE STREAM IF NOT EXISTS lj WITH (kafka_topic='lj') AS
  SELECT l.k AS k, l.v AS v, r.w AS w FROM l LEFT JOIN r WITHIN 2 SECONDS GRACE PERIOD 1 MINUTE ON l.k = r.k;
CREATE TABLE IF NOT EXISTS tt WITH (kafka_topic='tt') AS
  SELECT tl.k AS k, tl.v AS v, tr.w AS w FROM tl JOIN tr ON tl.k = tr.k;
`

// joinRec is one input record: topic, key, value and time.
type joinRec struct {
	topic, k string
	n, ts    int64
}

// joinInput interleaves the four inputs; every stream record's value is
// unique, so a stream join result (v, w) names the pair that made it. The
// input spans about five minutes; records are out of order by up to two
// seconds, far less than the grace period, so what joins does not depend
// on the order in which the engine fetches partitions.
func joinInput() []joinRec {
	rnd := rand.New(rand.NewPCG(5, 8))
	topics := []string{"l", "r", "tl", "tr"}
	in := make([]joinRec, 6000)
	for i := range in {
		in[i] = joinRec{topic: topics[rnd.IntN(4)], k: fmt.Sprintf("k%02d", rnd.IntN(40)), n: int64(i),
			ts: restartT0 + int64(i)*joinStep - int64(rnd.IntN(2000))}
	}
	return in
}

const (
	joinStep = 50 // ms between consecutive input records
	// joinUnsure is how close to the end of the input an unmatched left
	// join record may still be waiting for its window to close (window
	// after + grace, and some slack for each task's own stream time).
	joinUnsure = 70_000
)

type joinRow struct {
	V *int64 `json:"V"`
	W *int64 `json:"W"`
}

func (r joinRow) String() string {
	f := func(p *int64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprint(*p)
	}
	return f(r.V) + "/" + f(r.W)
}

// joinExpect is what the join outputs must hold: the stream joins'
// results (distinct "k:v/w"), those that may also appear (unmatched left
// records near the end of the input), and the table join's final rows
// (key → "v/w").
type joinExpect struct {
	ss, lj, ljMaybe map[string]bool
	tt              map[string]string
}

func expectedJoins(in []joinRec) joinExpect {
	x := joinExpect{ss: map[string]bool{}, lj: map[string]bool{}, ljMaybe: map[string]bool{}, tt: map[string]string{}}
	byKey := map[string][2][]joinRec{}
	tl, tr := map[string]int64{}, map[string]int64{}
	var maxTs int64
	for _, r := range in {
		maxTs = max(maxTs, r.ts)
		switch r.topic {
		case "l", "r":
			side := 0
			if r.topic == "r" {
				side = 1
			}
			b := byKey[r.k]
			b[side] = append(b[side], r)
			byKey[r.k] = b
		case "tl":
			tl[r.k] = r.n
		case "tr":
			tr[r.k] = r.n
		}
	}
	within := func(a, b int64, d int64) bool { return a-b <= d && b-a <= d }
	for k, b := range byKey {
		for _, l := range b[0] {
			matched := false
			for _, r := range b[1] {
				if within(l.ts, r.ts, 60_000) {
					x.ss[fmt.Sprintf("%s:%d/%d", k, l.n, r.n)] = true
				}
				if within(l.ts, r.ts, 2_000) {
					matched = true
					x.lj[fmt.Sprintf("%s:%d/%d", k, l.n, r.n)] = true
				}
			}
			if !matched {
				u := fmt.Sprintf("%s:%d/null", k, l.n)
				if l.ts < maxTs-joinUnsure {
					x.lj[u] = true
				} else {
					x.ljMaybe[u] = true
				}
			}
		}
	}
	for k, v := range tl {
		if w, ok := tr[k]; ok {
			x.tt[k] = fmt.Sprintf("%d/%d", v, w)
		}
	}
	return x
}

func TestRestartJoins(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart test runs a broker and several engine processes")
	}
	in := joinInput()
	want := expectedJoins(in)
	t.Logf("input: %d records; expected %d inner and %d (+%d maybe) left stream join results, %d table join rows",
		len(in), len(want.ss), len(want.lj), len(want.ljMaybe), len(want.tt))
	for _, mode := range []restartMode{uninterrupted, killSameDir, killEmptyDir} {
		t.Run([]string{"uninterrupted", "sigkill_same_data_dir", "sigkill_empty_data_dir"}[mode], func(t *testing.T) {
			joinScenario(t, in, want, mode)
		})
	}
}

func joinScenario(t *testing.T, in []joinRec, want joinExpect, mode restartMode) {
	a := startApp(t, joinApp, 3)
	addr, app, dataDir, runner, groups := a.addr, a.file, a.dataDir, a.runner, a.groups
	out := &joinOutput{ss: map[string]bool{}, lj: map[string]bool{}, tt: map[string]string{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("ss", "lj", "tt"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	half := len(in) / 2
	if mode == uninterrupted {
		produceJoinInput(t, addr, in)
	} else {
		produceJoinInput(t, addr, in[:half])
		waitFor(t, restartDeadline, "every query to commit some of its input", func() bool {
			c := committedInput(kadm.NewClient(cl), groups)
			for _, g := range groups {
				n := int64(0)
				for _, o := range c[g] {
					n += o
				}
				if n == 0 {
					return false
				}
			}
			return true
		})
		if err := runner.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("killing sluice run: %v", err)
		}
		<-runner.done
		dir := dataDir
		if mode == killEmptyDir {
			dir = t.TempDir()
		}
		runner = startSluice(t, "run", app, "--bootstrap", addr, "--data-dir", dir)
		runner.waitOutput(t, "queries are running", 90*time.Second)
		produceJoinInput(t, addr, in[half:])
	}
	var diff string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl.PollFetches(ctx).EachRecord(out.apply)
		cancel()
		if diff = out.diff(want); diff == "" {
			break
		}
	}
	if diff != "" {
		t.Fatalf("join outputs differ from the expected ones: %s", diff)
	}
	runner.stop(t, syscall.SIGTERM, 60*time.Second)
}

// joinOutput collects the stream joins' distinct results and the table
// join's latest rows.
type joinOutput struct {
	ss, lj map[string]bool
	tt     map[string]string
	bad    []string
}

func (o *joinOutput) apply(rec *kgo.Record) {
	k := string(rec.Key)
	if rec.Value == nil {
		delete(o.tt, k)
		return
	}
	var row joinRow
	if err := json.Unmarshal(rec.Value, &row); err != nil {
		o.bad = append(o.bad, fmt.Sprintf("%s: %q: %v", rec.Topic, rec.Value, err))
		return
	}
	switch rec.Topic {
	case "ss":
		o.ss[k+":"+row.String()] = true
	case "lj":
		o.lj[k+":"+row.String()] = true
	default:
		o.tt[k] = row.String()
	}
}

// diff describes how the outputs differ from want ("": they match).
func (o *joinOutput) diff(want joinExpect) string {
	var ex []string
	set := func(name string, got, want, maybe map[string]bool) {
		for r := range want {
			if !got[r] {
				ex = append(ex, name+" missing "+r)
			}
		}
		for r := range got {
			if !want[r] && !maybe[r] {
				ex = append(ex, name+" unexpected "+r)
			}
		}
	}
	set("ss", o.ss, want.ss, nil)
	set("lj", o.lj, want.lj, want.ljMaybe)
	for k, v := range want.tt {
		if o.tt[k] != v {
			ex = append(ex, fmt.Sprintf("tt %s: got %q, want %q", k, o.tt[k], v))
		}
	}
	for k := range o.tt {
		if _, ok := want.tt[k]; !ok {
			ex = append(ex, fmt.Sprintf("tt %s: unexpected %q", k, o.tt[k]))
		}
	}
	if len(ex) == 0 && len(o.bad) == 0 {
		return ""
	}
	sort.Strings(ex)
	d := append(o.bad[:len(o.bad):len(o.bad)], fmt.Sprintf("%d differences", len(ex)))
	return strings.Join(append(d, ex[:min(len(ex), 10)]...), "; ")
}

// produceJoinInput writes records keyed by k (KAFKA format: the raw string)
// with JSON values, in order, partitioned by Kafka's key hash.
func produceJoinInput(t *testing.T, addr string, in []joinRec) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(in))
	for i, r := range in {
		field := "V"
		if r.topic == "r" || r.topic == "tr" {
			field = "W"
		}
		recs[i] = &kgo.Record{Topic: r.topic, Key: []byte(r.k), Value: fmt.Appendf(nil, `{%q:%d}`, field, r.n),
			Timestamp: time.UnixMilli(r.ts)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("producing the input: %v", err)
	}
}
