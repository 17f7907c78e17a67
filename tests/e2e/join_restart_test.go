package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The join restart test: a stream-stream and a table-table join run in a
// `sluice run` process that is SIGKILLed halfway through the input and
// restarted on the same or an empty state directory. The stream join's
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
CREATE TABLE IF NOT EXISTS tt WITH (kafka_topic='tt') AS
  SELECT tl.k AS k, tl.v AS v, tr.w AS w FROM tl JOIN tr ON tl.k = tr.k;
`

// joinRec is one input record: topic, key, value and time.
type joinRec struct {
	topic, k string
	n, ts    int64
}

// joinInput interleaves the four inputs; every stream record's value is
// unique, so a stream join result (v, w) names the pair that made it. All
// times fit in the 1 minute window: every same-key pair of l and r joins.
func joinInput() []joinRec {
	rnd := rand.New(rand.NewPCG(5, 8))
	topics := []string{"l", "r", "tl", "tr"}
	in := make([]joinRec, 6000)
	for i := range in {
		in[i] = joinRec{topic: topics[rnd.IntN(4)], k: fmt.Sprintf("k%02d", rnd.IntN(40)), n: int64(i),
			ts: restartT0 + int64(i)*5 - int64(rnd.IntN(2000))}
	}
	return in
}

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

// expectedJoins computes the stream join's distinct results and the table
// join's final rows (key → "v/w").
func expectedJoins(in []joinRec) (ss map[string]bool, tt map[string]string) {
	ss, tt = map[string]bool{}, map[string]string{}
	byKey := map[string][2][]int64{}
	tl, tr := map[string]int64{}, map[string]int64{}
	for _, r := range in {
		switch r.topic {
		case "l", "r":
			side := 0
			if r.topic == "r" {
				side = 1
			}
			b := byKey[r.k]
			b[side] = append(b[side], r.n)
			byKey[r.k] = b
		case "tl":
			tl[r.k] = r.n
		case "tr":
			tr[r.k] = r.n
		}
	}
	for k, b := range byKey {
		for _, v := range b[0] {
			for _, w := range b[1] {
				ss[fmt.Sprintf("%s:%d/%d", k, v, w)] = true
			}
		}
	}
	for k, v := range tl {
		if w, ok := tr[k]; ok {
			tt[k] = fmt.Sprintf("%d/%d", v, w)
		}
	}
	return ss, tt
}

func TestRestartJoins(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart test runs a broker and several engine processes")
	}
	in := joinInput()
	ss, tt := expectedJoins(in)
	t.Logf("input: %d records; expected %d stream join results, %d table join rows", len(in), len(ss), len(tt))
	for _, mode := range []restartMode{uninterrupted, killSameDir, killEmptyDir} {
		t.Run([]string{"uninterrupted", "sigkill_same_data_dir", "sigkill_empty_data_dir"}[mode], func(t *testing.T) {
			joinScenario(t, in, ss, tt, mode)
		})
	}
}

func joinScenario(t *testing.T, in []joinRec, wantSS map[string]bool, wantTT map[string]string, mode restartMode) {
	addr := startBroker(t)
	app := filepath.Join(t.TempDir(), "app.sql")
	writeFile(t, app, joinApp)
	dataDir := t.TempDir()
	runner := startSluice(t, "run", app, "--bootstrap", addr, "--data-dir", dataDir)
	runner.waitOutput(t, "queries are running", 90*time.Second)
	var groups []string
	for _, m := range createdQuery.FindAllStringSubmatch(runner.stdout.String(), -1) {
		groups = append(groups, "_confluent-ksql-default_query_"+m[1])
	}
	if len(groups) != 2 {
		t.Fatalf("expected two persistent queries, stdout:\n%s", runner.stdout.String())
	}
	out := &joinOutput{ss: map[string]bool{}, tt: map[string]string{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("ss", "tt"),
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
		if diff = out.diff(wantSS, wantTT); diff == "" {
			break
		}
	}
	if diff != "" {
		t.Fatalf("join outputs differ from the expected ones: %s", diff)
	}
	runner.stop(t, syscall.SIGTERM, 60*time.Second)
}

// joinOutput collects the stream join's distinct results and the table
// join's latest rows.
type joinOutput struct {
	ss  map[string]bool
	tt  map[string]string
	bad []string
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
	if rec.Topic == "ss" {
		o.ss[k+":"+row.String()] = true
		return
	}
	o.tt[k] = row.String()
}

func (o *joinOutput) diff(wantSS map[string]bool, wantTT map[string]string) string {
	var d []string
	d = append(d, o.bad...)
	missing, extra := 0, 0
	var ex []string
	for r := range wantSS {
		if !o.ss[r] {
			missing++
			ex = append(ex, "missing "+r)
		}
	}
	for r := range o.ss {
		if !wantSS[r] {
			extra++
			ex = append(ex, "unexpected "+r)
		}
	}
	for k, v := range wantTT {
		if o.tt[k] != v {
			ex = append(ex, fmt.Sprintf("tt %s: got %q, want %q", k, o.tt[k], v))
		}
	}
	for k := range o.tt {
		if _, ok := wantTT[k]; !ok {
			ex = append(ex, fmt.Sprintf("tt %s: unexpected %q", k, o.tt[k]))
		}
	}
	if len(ex) == 0 {
		return ""
	}
	sort.Strings(ex)
	d = append(d, fmt.Sprintf("%d stream results missing, %d unexpected", missing, extra))
	d = append(d, ex[:min(len(ex), 10)]...)
	return strings.Join(d, "; ")
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
