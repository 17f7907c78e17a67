package exec

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
)

// commandRecords reads the whole command topic.
func commandRecords(t *testing.T, cl *kafka.Client, topic string) []kafka.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	end, err := cl.EndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := cl.NewPartitionConsumer(topic, kafka.Offsets{0: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var out []kafka.Record
	for len(out) == 0 || out[len(out)-1].Offset+1 < end[0] {
		recs, err := cons.Poll(ctx)
		if err != nil {
			t.Fatalf("reading %s: %v", topic, err)
		}
		out = append(out, recs...)
	}
	return out
}

func queryIDs(c *catalog.Catalog) []string {
	var ids []string
	for _, q := range c.Queries() {
		ids = append(ids, q.ID)
	}
	slices.Sort(ids)
	return ids
}

// The command topic is compacted, and each command has a key of its own:
// compacting it (a source dropped and created again included) loses no
// command, so a restart brings back the same catalog and query ids.
func TestCommandTopicCompacted(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Config{DataDir: dir})
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM a (id INT KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		DROP STREAM a;
		CREATE STREAM a (id INT KEY, y STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
		CREATE STREAM b AS SELECT id, y FROM a;
		CREATE STREAM c AS SELECT id, UCASE(y) AS y FROM a;`)
	ids := queryIDs(e.Catalog())
	ctx := context.Background()
	cfg, err := e.client.TopicConfig(ctx, e.cmds.topic)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["cleanup.policy"] != "compact" {
		t.Errorf("command topic cleanup.policy=%q, want compact", cfg["cleanup.policy"])
	}
	recs := commandRecords(t, e.client, e.cmds.topic)
	keys := map[string]bool{}
	for _, r := range recs {
		if len(r.Key) == 0 || keys[string(r.Key)] {
			t.Errorf("command %d has key %q, empty or not unique", r.Offset, r.Key)
		}
		keys[string(r.Key)] = true
	}
	e.broker.Compact()
	if n := len(commandRecords(t, e.client, e.cmds.topic)); n != len(recs) {
		t.Errorf("compaction left %d of %d commands", n, len(recs))
	}
	s.Close()
	e.Close()

	e = newTestEngine(t, Config{DataDir: dir})
	defer e.Close()
	if got := queryIDs(e.Catalog()); !slices.Equal(got, ids) {
		t.Errorf("queries after the restart: %v, want %v", got, ids)
	}
	if a := e.Catalog().Source("A"); a == nil || a.Schema.Columns[1].Name != "Y" {
		t.Errorf("stream A after the restart: %+v", a)
	}
}

// A command topic left by an older version (default cleanup policy,
// unkeyed records) is used as it is: its commands are replayed, new ones
// are added, and its configuration is not changed.
func TestCommandTopicFromOlderVersion(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	cl, err := kafka.Dial(ctx, []string{b.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const topic = "_confluent-ksql-default__command_topic"
	if err := cl.CreateTopic(ctx, topic, 1, map[string]string{"retention.ms": "-1"}); err != nil {
		t.Fatal(err)
	}
	old := `{"statement":"CREATE STREAM old (id INT KEY, v STRING) WITH (kafka_topic='old', value_format='JSON', partitions=1);"}`
	if _, _, err := cl.Produce(ctx, &kafka.Record{Topic: topic, Partition: 0, Value: []byte(old)}); err != nil {
		t.Fatal(err)
	}

	cfg := Config{Bootstrap: []string{b.Addr()}, DataDir: t.TempDir()}
	e := newTestEngine(t, cfg)
	s := NewSession()
	mustExec(t, e, s, `CREATE STREAM newer AS SELECT id, v FROM old;`)
	s.Close()
	e.Close()
	e = newTestEngine(t, cfg)
	defer e.Close()
	if e.Catalog().Source("OLD") == nil || e.Catalog().Source("NEWER") == nil || len(e.Catalog().Queries()) != 1 {
		t.Errorf("after the restart: OLD %v, NEWER %v, queries %v",
			e.Catalog().Source("OLD"), e.Catalog().Source("NEWER"), queryIDs(e.Catalog()))
	}
	tc, err := cl.TopicConfig(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if tc["cleanup.policy"] != "delete" {
		t.Errorf("the older command topic's cleanup.policy became %q", tc["cleanup.policy"])
	}
}
