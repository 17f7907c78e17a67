package exec

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
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

func TestChangelogExtraRetentionMustBeValid(t *testing.T) {
	e := newTestEngine(t, Config{})
	defer e.Close()
	s := NewSession()
	defer s.Close()
	mustExec(t, e, s, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		SET 'windowstore.changelog.additional.retention.ms' = 'a day';`)
	_, err := e.Execute(context.Background(), s, `CREATE TABLE t AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;`)
	if err == nil || !strings.Contains(err.Error(), `invalid windowstore.changelog.additional.retention.ms "a day"`) {
		t.Fatalf("err = %v", err)
	}
}
