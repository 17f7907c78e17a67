package e2e

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var brokerListening = regexp.MustCompile(`Broker listening on (\S+)`)

// TestBrokerListenScaleOut: server A runs the embedded broker and exposes it
// (--broker-listen); server B joins it with --bootstrap and the same service
// id. Each follows the command topic (A's stream is seen by B, B's query
// runs on A), and the query's partitions are shared through its consumer
// group, so every input record is written to the output once.
func TestBrokerListenScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two server processes")
	}
	a := startNode(t, "", "--broker-listen", "127.0.0.1:0")
	m := brokerListening.FindStringSubmatch(a.p.stdout.String())
	if m == nil {
		t.Fatalf("no broker address in %q", a.p.stdout.String())
	}
	addr := m[1]
	b := startServer(t, addr, "")

	post(t, a.url+"/ksql", map[string]any{"ksql": `CREATE STREAM src (k STRING KEY, cat STRING, v BIGINT)
		WITH (kafka_topic='src', value_format='JSON', partitions=4);`})
	waitListed(t, b, "SHOW STREAMS;", `"SRC"`)
	resp := post(t, b.url+"/ksql", map[string]any{"ksql": "CREATE STREAM dst WITH (kafka_topic='dst') AS SELECT k, v FROM src;",
		"streamsProperties": map[string]any{"auto.offset.reset": "earliest"}})
	id := createdQueryID.FindStringSubmatch(string(resp))
	if id == nil {
		t.Fatalf("no query created: %s", resp)
	}
	waitListed(t, a, "SHOW QUERIES;", id[1])

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	group := queryGroup(id[1])
	waitFor(t, 60*time.Second, "both servers to share the query's partitions", func() bool {
		o := owners(t, adm, group)
		return len(o[a.url]) > 0 && len(o[b.url]) > 0 && len(o[a.url])+len(o[b.url]) == 4
	})

	in := restartInput()[:400]
	produceInput(t, addr, in)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitFor(t, 60*time.Second, "the query to commit all its input", func() bool {
		return settled(ctx, adm, []string{group})
	})
	// Outputs are flushed before their input is committed: dst is complete.
	ends, err := adm.ListEndOffsets(ctx, "dst")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(l kadm.ListedOffset) { total += l.Offset })
	if total != int64(len(in)) {
		t.Errorf("dst holds %d records for %d input records (owners %v)", total, len(in), owners(t, adm, group))
	}
}
