package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A server-level processing.guarantee, from --config and --property (the
// flag wins), makes a query started without SET transactional: its
// transactional id is registered with the broker, while a query whose
// request overrides the guarantee back to at_least_once has none.
func TestServerPropertyGuarantee(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a broker and a server")
	}
	addr := startBroker(t)
	conf := filepath.Join(t.TempDir(), "ksql-server.properties")
	if err := os.WriteFile(conf, []byte("# as in ksqlDB's ksql-server.properties\nksql.streams.processing.guarantee=at_least_once\nksql.streams.auto.offset.reset=earliest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	srvURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	srv := startSluice(t, "server", "--bootstrap", addr, "--data-dir", t.TempDir(), "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--config", conf, "--property", "ksql.streams.processing.guarantee=exactly_once_v2")
	srv.waitOutput(t, "Server listening on", 90*time.Second)

	postKSQL(t, srvURL, `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`, nil)
	postKSQL(t, srvURL, `CREATE STREAM eos WITH (kafka_topic='eos') AS SELECT id, v * 2 AS v FROM s;`, nil)
	postKSQL(t, srvURL, `CREATE STREAM alos WITH (kafka_topic='alos') AS SELECT id, v FROM s;`,
		map[string]any{"processing.guarantee": "at_least_once"})

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "s", Key: []byte{0, 0, 0, 1}, Value: []byte(`{"V":21}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// The record reaches read_committed readers of the transactional output
	// (auto.offset.reset=earliest came from the file).
	rd, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("eos"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var got []string
	for len(got) == 0 {
		fs := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("no output in topic eos\nserver stderr:\n%s", srv.stderr.String())
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if got[0] != `{"V":42}` {
		t.Fatalf("eos output %q, want {\"V\":42}", got)
	}

	txns, err := kadm.NewClient(cl).ListTransactions(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range txns {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var eos, alos bool
	for _, id := range ids {
		eos = eos || strings.HasPrefix(id, "_confluent-ksql-default_query_CSAS_EOS_")
		alos = alos || strings.HasPrefix(id, "_confluent-ksql-default_query_CSAS_ALOS_")
	}
	if !eos || alos {
		t.Fatalf("transactional ids %q: want one of CSAS_EOS (server guarantee exactly_once_v2), none of CSAS_ALOS (overridden)", ids)
	}
	srv.stop(t, syscall.SIGTERM, 60*time.Second)
}
