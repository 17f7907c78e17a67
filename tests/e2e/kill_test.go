package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The kill test: a windowed aggregation and a stream-table join run on a
// `sluice server` process against `sluice broker` while a producer writes
// keyed events; the server is SIGKILLed at random moments and restarted on
// the same data directory. A verifier then reads the committed output.
// Under exactly_once_v2 every event must appear once in the join's output
// and the aggregates must equal those computed from the input; under
// at_least_once nothing may be missing.
//
// The short form runs in `go test`; SLUICE_FAULTS=long (make test-faults)
// runs the long form: 100,000 events and 10 kills per guarantee.

const (
	killAccounts = 50
	killRegions  = 5
	killT0       = 1_700_000_000_000
	killWindow   = 10_000 // ms, the tumbling window of wagg
)

type killParams struct {
	events, kills int
}

func killForm(t *testing.T) killParams {
	if os.Getenv("SLUICE_FAULTS") == "long" {
		return killParams{events: 100_000, kills: 10}
	}
	if testing.Short() {
		t.Skip("the kill test runs a broker and restarts a server several times")
	}
	return killParams{events: 6_000, kills: 3}
}

func killApp() []string {
	return []string{
		`CREATE STREAM ev (k STRING KEY, seq BIGINT, v BIGINT) WITH (kafka_topic='src', value_format='JSON', partitions=4);`,
		`CREATE TABLE accts (id STRING PRIMARY KEY, region STRING) WITH (kafka_topic='accts', value_format='JSON', partitions=4);`,
		`CREATE TABLE wagg WITH (kafka_topic='wagg') AS SELECT k, COUNT(*) AS c, SUM(v) AS s FROM ev
		   WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 1 HOUR) GROUP BY k EMIT CHANGES;`,
		`CREATE STREAM enriched WITH (kafka_topic='enriched') AS SELECT e.k AS k, e.seq AS seq, e.v AS v, a.region AS region
		   FROM ev e JOIN accts a ON e.k = a.id EMIT CHANGES;`,
	}
}

type killEvent struct {
	acct   string
	seq, v int64
	ts     int64
}

func killInput(n int) []killEvent {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	in := make([]killEvent, n)
	for i := range in {
		in[i] = killEvent{acct: fmt.Sprintf("a%03d", r.IntN(killAccounts)), seq: int64(i), v: int64(r.IntN(1000)), ts: killT0 + int64(i)*2}
	}
	return in
}

func region(acct string) string {
	var n int
	fmt.Sscanf(acct, "a%d", &n)
	return fmt.Sprintf("r%d", n%killRegions)
}

func TestKillExactlyOnce(t *testing.T) { killScenario(t, "exactly_once_v2") }

func TestKillAtLeastOnce(t *testing.T) { killScenario(t, "at_least_once") }

// startKillApp creates the kill test's application on the server at srvURL
// and writes the accounts table its join reads; it returns a client of the
// broker at addr (closed when the test ends).
func startKillApp(ctx context.Context, t *testing.T, srvURL, addr string, props map[string]any) *kgo.Client {
	t.Helper()
	for _, stmt := range killApp() {
		postKSQL(t, srvURL, stmt, props)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	var accts []*kgo.Record
	for i := range killAccounts {
		a := fmt.Sprintf("a%03d", i)
		accts = append(accts, &kgo.Record{Topic: "accts", Key: []byte(a), Value: fmt.Appendf(nil, `{"REGION":%q}`, region(a)), Timestamp: time.UnixMilli(killT0 - 1000)})
	}
	if err := cl.ProduceSync(ctx, accts...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return cl
}

// killAggregates computes the windowed aggregation's table from its input.
func killAggregates(in []killEvent) map[string]agg {
	want := map[string]agg{}
	for _, e := range in {
		k := windowedKey(e.acct, e.ts-e.ts%killWindow)
		a := want[k]
		want[k] = agg{C: a.C + 1, S: a.S + e.v}
	}
	return want
}

func killScenario(t *testing.T, guarantee string) {
	form := killForm(t)
	begin := time.Now()
	addr := startBroker(t)
	dataDir := t.TempDir()
	port := freePort(t)
	srvURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	start := func() *proc {
		p := startSluice(t, "server", "--bootstrap", addr, "--data-dir", dataDir, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
		p.waitOutput(t, "Server listening on", 90*time.Second)
		return p
	}
	srv := start()
	props := map[string]any{"processing.guarantee": guarantee, "auto.offset.reset": "earliest"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cl := startKillApp(ctx, t, srvURL, addr, props)

	in := killInput(form.events)
	// The producer spreads the input over the kills, so that every restart
	// finds new records and some transactions die half written.
	var wg sync.WaitGroup
	var prodErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		const batch = 500
		pause := time.Duration(form.kills) * 2500 * time.Millisecond / time.Duration(max(1, len(in)/batch))
		for i := 0; i < len(in); i += batch {
			var recs []*kgo.Record
			for _, e := range in[i:min(i+batch, len(in))] {
				recs = append(recs, &kgo.Record{Topic: "src", Key: []byte(e.acct),
					Value: fmt.Appendf(nil, `{"SEQ":%d,"V":%d}`, e.seq, e.v), Timestamp: time.UnixMilli(e.ts)})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				prodErr = err
				return
			}
			time.Sleep(pause)
		}
	}()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for k := range form.kills {
		time.Sleep(time.Duration(500+r.IntN(2000)) * time.Millisecond)
		if srv.exited() {
			t.Fatalf("sluice server exited (%v)\nstderr:\n%s", srv.err, srv.stderr.String())
		}
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-srv.done
		t.Logf("kill %d at %v", k+1, time.Since(begin).Round(time.Millisecond))
		srv = start()
	}
	wg.Wait()
	if prodErr != nil {
		t.Fatalf("producing the input: %v", prodErr)
	}
	t.Logf("input of %d events written after %v; %d kills survived", len(in), time.Since(begin).Round(time.Millisecond), form.kills)

	rd := newKillReader(t, addr)
	wantAgg := killAggregates(in)
	exact := guarantee != "at_least_once"
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if srv.exited() {
			t.Fatalf("sluice server exited (%v)\nstderr:\n%s", srv.err, srv.stderr.String())
		}
		if err := rd.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		missing, dups, wrong := rd.check(in)
		aggDiff := diffTables(map[string]table{"wagg": rd.wagg}, map[string]table{"wagg": wantAgg})
		if !exact {
			aggDiff = rd.aggMissing(wantAgg)
		}
		if missing == 0 && aggDiff == "" && (!exact || dups == 0) && wrong == 0 {
			t.Logf("%s: %d events checked, %d join outputs read: 0 lost, %d duplicated; %d windowed aggregates equal the input's; %v in all",
				guarantee, len(in), rd.joined, dups, len(wantAgg), time.Since(begin).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after the deadline: %d events missing from the join, %d duplicated, %d wrong; aggregates:\n%s\nserver stderr (tail):\n%s",
				guarantee, missing, dups, wrong, aggDiff, tail(srv.stderr.String(), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if exact {
		// Nothing may arrive after the result is complete: wait until both
		// queries have committed all their input, then read again.
		groups := queryGroups(t, rd.adm)
		waitFor(t, time.Minute, "the queries to commit all their input", func() bool {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return settled(c, rd.adm, groups)
		})
		if err := rd.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if _, dups, _ := rd.check(in); dups != 0 {
			t.Fatalf("%d duplicated join outputs after the queries settled", dups)
		}
		if d := diffTables(map[string]table{"wagg": rd.wagg}, map[string]table{"wagg": wantAgg}); d != "" {
			t.Fatalf("aggregates changed after the queries settled:\n%s", d)
		}
	}
	srv.stop(t, syscall.SIGTERM, 60*time.Second)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func postKSQL(t *testing.T, base, stmt string, props map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"ksql": stmt, "streamsProperties": props})
	resp, err := http.Post(base+"/ksql", "application/vnd.ksql.v1+json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", stmt, resp.StatusCode, b)
	}
}

// queryGroups lists the persistent queries' consumer groups.
func queryGroups(t *testing.T, adm *kadm.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ls, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range ls.Groups() {
		if strings.HasPrefix(g, "_confluent-ksql-default_query_") && !strings.HasSuffix(g, "-start") {
			out = append(out, g)
		}
	}
	if len(out) != 2 {
		t.Fatalf("expected 2 query groups, found %v", out)
	}
	return out
}

// killReader reads the committed output of the kill test's queries.
type killReader struct {
	cl     *kgo.Client
	adm    *kadm.Client
	pos    map[string]map[int32]int64
	seqs   map[int64]int // join outputs per event
	bad    map[int64]bool
	joined int
	wagg   table
}

func newKillReader(t *testing.T, addr string) *killReader {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("enriched", "wagg"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords(),
		kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &killReader{cl: cl, adm: kadm.NewClient(cl), seqs: map[int64]int{}, bad: map[int64]bool{}, wagg: table{},
		pos: map[string]map[int32]int64{"enriched": {}, "wagg": {}}}
}

// catchUp reads up to the last stable offsets as of the call.
func (r *killReader) catchUp(ctx context.Context) error {
	ends, err := r.adm.ListCommittedOffsets(ctx, "enriched", "wagg")
	if err != nil {
		return err
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
			return ctx.Err()
		}
		var ferr error
		fs.EachError(func(topic string, p int32, err error) { ferr = fmt.Errorf("fetch %s[%d]: %w", topic, p, err) })
		if ferr != nil {
			return ferr
		}
		fs.EachRecord(func(rec *kgo.Record) {
			if ferr == nil {
				ferr = r.apply(rec)
			}
		})
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

func (r *killReader) apply(rec *kgo.Record) error {
	r.pos[rec.Topic][rec.Partition] = rec.Offset + 1
	if rec.Attrs.IsControl() {
		return nil
	}
	if rec.Topic == "wagg" {
		if len(rec.Key) < 8 {
			return fmt.Errorf("wagg@%d: short windowed key %q", rec.Offset, rec.Key)
		}
		n := len(rec.Key) - 8
		k := windowedKey(string(rec.Key[:n]), int64(binary.BigEndian.Uint64(rec.Key[n:])))
		var a agg
		if err := json.Unmarshal(rec.Value, &a); err != nil {
			return fmt.Errorf("wagg@%d: %q: %w", rec.Offset, rec.Value, err)
		}
		r.wagg[k] = a
		return nil
	}
	var v struct {
		SEQ    int64
		V      int64
		REGION string
	}
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		return fmt.Errorf("enriched@%d: %q: %w", rec.Offset, rec.Value, err)
	}
	r.joined++
	r.seqs[v.SEQ]++
	if v.REGION != region(string(rec.Key)) {
		r.bad[v.SEQ] = true
	}
	return nil
}

// check counts input events absent from the join output, extra copies, and
// outputs with a wrong joined value.
func (r *killReader) check(in []killEvent) (missing, dups, wrong int) {
	for _, e := range in {
		switch n := r.seqs[e.seq]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	return missing, dups, len(r.bad)
}

// aggMissing describes windows absent from wagg or counting fewer records
// than the input holds (at-least-once may count some twice).
func (r *killReader) aggMissing(want table) string {
	var b strings.Builder
	n := 0
	for k, w := range want {
		if g, ok := r.wagg[k]; !ok || g.C < w.C {
			if n < 8 {
				fmt.Fprintf(&b, "  %s: got %s, want %s\n", k, showAgg(r.wagg, k), showAgg(want, k))
			}
			n++
		}
	}
	if n > 0 {
		return fmt.Sprintf("%d windows missing records:\n%s", n, b.String())
	}
	return ""
}
