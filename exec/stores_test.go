package exec

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/state/rocks"
)

// queryOf returns the running query that writes a source.
func queryOf(t *testing.T, e *Engine, source string) *runningQuery {
	t.Helper()
	src := e.cat.Source(source)
	if src == nil {
		t.Fatalf("no source %s", source)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queries[src.Sink]
	if q == nil {
		t.Fatalf("no running query writes %s", source)
	}
	return q
}

// Window and session store changelogs are compacted and deleted after the
// store's retention plus windowstore.changelog.additional.retention.ms, as
// Kafka Streams creates them; key-value store changelogs are only
// compacted; repartition topics keep everything until read.
func TestChangelogTopicConfigs(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `CREATE STREAM s (id INT KEY, g STRING, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);
		CREATE STREAM r (id INT KEY, w INT) WITH (kafka_topic='r', value_format='JSON', partitions=2);
		CREATE TABLE plain AS SELECT g, COUNT(*) AS n FROM s GROUP BY g;
		CREATE TABLE tumbling AS SELECT id, COUNT(*) AS n FROM s
			WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 HOURS, GRACE PERIOD 10 SECONDS) GROUP BY id;
		CREATE TABLE hopping AS SELECT id, COUNT(*) AS n FROM s
			WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY id EMIT FINAL;
		CREATE TABLE session AS SELECT id, COUNT(*) AS n FROM s WINDOW SESSION (30 SECONDS) GROUP BY id;
		CREATE STREAM joined AS SELECT s.id, v, w FROM s JOIN r WITHIN 1 MINUTE GRACE PERIOD 5 SECONDS ON s.id = r.id;
		SET 'windowstore.changelog.additional.retention.ms' = '1000';
		CREATE TABLE short AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 0 SECONDS) GROUP BY id;`)
	const day = 86_400_000
	kv := map[string]string{"cleanup.policy": "compact"}
	windowed := func(retention int64) map[string]string {
		return map[string]string{"cleanup.policy": "compact,delete", "retention.ms": strconv.FormatInt(retention, 10)}
	}
	repartition := map[string]string{"cleanup.policy": "delete", "retention.ms": "-1"}
	var joinThis, joinOther string
	for _, p := range queryOf(t, e, "JOINED").plan.Topology.Procs {
		if len(p.JoinStores) >= 2 {
			joinThis, joinOther = p.JoinStores[0], p.JoinStores[1]
		}
	}
	cases := []struct {
		source string
		want   map[string]map[string]string // by topic name after the query's prefix
	}{
		{"PLAIN", map[string]map[string]string{
			"Aggregate-GroupBy-repartition":             repartition,
			"Aggregate-Aggregate-Materialize-changelog": kv,
			"Aggregate-Positions-changelog":             kv,
		}},
		// RETENTION is longer than size + grace: it decides.
		{"TUMBLING", map[string]map[string]string{
			"Aggregate-Aggregate-Materialize-changelog": windowed(2*3_600_000 + day),
			"Aggregate-Positions-changelog":             kv,
		}},
		{"HOPPING", map[string]map[string]string{
			"Aggregate-Aggregate-Materialize-changelog": windowed(10_000 + day),
		}},
		// No GRACE PERIOD: ksqlDB's 24-hour default.
		{"SESSION", map[string]map[string]string{
			"Aggregate-Aggregate-Materialize-changelog": windowed(30_000 + day + day),
		}},
		// The join's window stores keep before + after + grace.
		{"JOINED", map[string]map[string]string{
			joinThis + "-changelog":  windowed(125_000 + day),
			joinOther + "-changelog": windowed(125_000 + day),
		}},
		{"SHORT", map[string]map[string]string{
			"Aggregate-Aggregate-Materialize-changelog": windowed(1000 + 1000),
		}},
	}
	ctx := context.Background()
	for _, c := range cases {
		q := queryOf(t, e, c.source)
		prefix := e.internalPrefix(q.id)
		topics := slices.Sorted(maps.Keys(c.want))
		for _, name := range topics {
			got, err := e.client.TopicConfigs(ctx, prefix+name)
			if err != nil {
				t.Fatalf("%s: %v", c.source, err)
			}
			if !maps.Equal(got, c.want[name]) {
				t.Errorf("%s: topic %s: configs %v, want %v", c.source, name, got, c.want[name])
			}
		}
	}
}

// logLines collects an engine's operational log.
type logLines struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.t.Logf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) matching(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

// With sluice.state.checkpoint.interval.ms, a query checkpoints its local
// stores that often, even once its input has gone quiet; the next start on
// the same state directory keeps them and replays only the changelog
// records after the checkpoint.
func TestCheckpointIntervalAndRestoreFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	mustExec(t, e, s, `SET 'sluice.state.checkpoint.interval.ms' = '1000';
		CREATE STREAM input (id STRING KEY, v INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
		CREATE TABLE agg AS SELECT id, COUNT(*) AS cnt FROM input GROUP BY id;
		INSERT INTO input (id, v) VALUES ('a', 1);
		INSERT INTO input (id, v) VALUES ('b', 1);`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	q := queryOf(t, e, "AGG")
	taskDir := filepath.Join(e.StateDir(), q.id, "0")
	topic := e.internalPrefix(q.id) + "Aggregate-Aggregate-Materialize-changelog"
	end, err := e.client.EndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if end[0] == 0 {
		t.Fatalf("%s is empty", topic)
	}
	// No more input: the checkpoint of what was committed comes anyway.
	for {
		ckpt, ok, err := rocks.ReadCheckpoint(taskDir)
		if err != nil {
			t.Fatal(err)
		}
		if ok && ckpt[topic] == end[0] {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no checkpoint of %s at offset %d in %s: %v", topic, end[0], taskDir, ckpt)
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.Close()
	e.Close()

	logs := &logLines{t: t}
	e, err = NewEngine(context.Background(), Config{DataDir: dir, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s = NewSession()
	defer s.Close()
	checkPulls(t, e, s, "AGG", []pullCase{{`SELECT * FROM agg;`, `[a 1] [b 1]`}})
	want := fmt.Sprintf("query %s task 0: local state kept from its checkpoint; 0 changelog records restored after it", q.id)
	if got := logs.matching("task 0:"); len(got) != 1 || got[0] != want {
		t.Errorf("restore log %q, want [%s]", got, want)
	}
}

// Bad values of the state properties fail the statement that would start
// the query.
func TestStatePropertiesMustBeValid(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{`SET 'windowstore.changelog.additional.retention.ms' = 'a day';`, `invalid windowstore.changelog.additional.retention.ms "a day"`},
		{`SET 'sluice.state.checkpoint.interval.ms' = '-1';`, `invalid sluice.state.checkpoint.interval.ms "-1"`},
	} {
		e := newTestEngine(t, Config{})
		s := NewSession()
		mustExec(t, e, s, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`+c.set)
		_, err := e.Execute(context.Background(), s, `CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;`)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %s", c.set, err, c.want)
		}
		s.Close()
		e.Close()
	}
}

// A changelog partition's restore shows in the query's restore progress
// while it runs: one partition restoring, and the records between each
// record read and the end offset remaining; none once it stops, whether it
// read to the end or was abandoned.
func TestRestoreProgress(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	ctx := context.Background()
	const topic = "progress-changelog"
	if err := e.client.CreateTopic(ctx, topic, 1, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, _, err := e.client.Produce(ctx, &kafka.Record{Topic: topic, Partition: 0,
			Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	var p restoreProgress
	check := func(what string, partitions, remaining int64) {
		t.Helper()
		if got, rem := p.partitions.Load(), p.remaining.Load(); got != partitions || rem != remaining {
			t.Errorf("%s: %d partitions restoring, %d records remaining; want %d, %d", what, got, rem, partitions, remaining)
		}
	}
	// From offset 1: records 1..4, the end offset is 5.
	n := int64(0)
	for r, err := range e.readChangelog(topic, 0, 1, &p) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		check(fmt.Sprintf("at record %s", r.Key), 1, 4-n)
	}
	if n != 4 {
		t.Fatalf("read %d records, want 4", n)
	}
	check("after the restore", 0, 0)
	for range e.readChangelog(topic, 0, 0, &p) {
		check("at the first record", 1, 4)
		break
	}
	check("after an abandoned restore", 0, 0)
	for range e.readChangelog(topic, 0, 5, &p) {
		t.Fatal("a restore from the end offset read a record")
	}
	check("after a restore with nothing to read", 0, 0)
}
