package e2e

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The REST restart test: the restart test's application, plus a source
// table, is created over POST /ksql on a `sluice server` process; the server
// is SIGKILLed halfway through the input and started again on the same data
// directory. The catalog comes back from the command topic and the queries
// from their committed offsets and state: the final tables must equal those
// computed from the input (what an uninterrupted run produces), and the
// catalog listed over REST must be the same before and after.

// restAppExtra adds a plain source table to the application, so that a
// CREATE TABLE without a query also has to come back.
const restAppExtra = `CREATE TABLE IF NOT EXISTS cats (cat STRING PRIMARY KEY, label STRING)
  WITH (kafka_topic='cats', value_format='JSON', partitions=1);
`

// catalogListing is what SHOW STREAMS, SHOW TABLES and SHOW QUERIES answer,
// without what may rightly change across a restart (query states).
type catalogListing struct {
	Streams []json.RawMessage `json:"streams"`
	Tables  []json.RawMessage `json:"tables"`
	Queries []struct {
		ID              string   `json:"id"`
		QueryString     string   `json:"queryString"`
		QueryType       string   `json:"queryType"`
		Sinks           []string `json:"sinks"`
		SinkKafkaTopics []string `json:"sinkKafkaTopics"`
	} `json:"queries"`
}

func listCatalog(t *testing.T, n *node) catalogListing {
	t.Helper()
	body := post(t, n.url+"/ksql", map[string]any{"ksql": "SHOW STREAMS; SHOW TABLES; SHOW QUERIES;"})
	var entities []catalogListing
	if err := json.Unmarshal(body, &entities); err != nil || len(entities) != 3 {
		t.Fatalf("SHOW STREAMS, TABLES, QUERIES on %s: %v\n%s", n.url, err, body)
	}
	return catalogListing{Streams: entities[0].Streams, Tables: entities[1].Tables, Queries: entities[2].Queries}
}

func TestRestartServerOverREST(t *testing.T) {
	if testing.Short() {
		t.Skip("the REST restart test runs a broker and two server processes")
	}
	begin := time.Now()
	in := restartInput()
	want := expectedTables(in)
	addr := startBroker(t)
	dataDir := t.TempDir()
	n := startServer(t, addr, dataDir)

	app := restAppExtra + restartApp[strings.Index(restartApp, "CREATE"):]
	resp := post(t, n.url+"/ksql", map[string]any{"ksql": app,
		"streamsProperties": map[string]any{"auto.offset.reset": "earliest"}})
	var groups []string
	for _, m := range createdQueryID.FindAllStringSubmatch(string(resp), -1) {
		groups = append(groups, queryGroup(m[1]))
	}
	if len(groups) != 2 {
		t.Fatalf("expected two persistent queries, got:\n%s", resp)
	}
	before := listCatalog(t, n)
	if len(before.Queries) != 2 || len(before.Tables) != 3 || len(before.Streams) == 0 {
		t.Fatalf("the catalog after the CREATE statements: %+v", before)
	}
	t.Logf("server up and application created after %v", time.Since(begin).Round(time.Millisecond))

	rd := newOutputReader(t, addr)
	killAtHalf(t, n.p, rd, groups, in, addr, nil)
	restarted := time.Now()
	n = startServer(t, addr, dataDir)
	t.Logf("restarted server up after %v", time.Since(restarted).Round(time.Millisecond))
	if after := listCatalog(t, n); !reflect.DeepEqual(after, before) {
		t.Errorf("the catalog differs after the restart:\nbefore %s\nafter  %s", showListing(before), showListing(after))
	}
	produceInput(t, addr, in[half(in):])

	waitTables(t, rd, groups, want, n.p)
	t.Logf("tables complete from their topics after %v", time.Since(begin).Round(time.Millisecond))
	// The restored state answers pull queries too.
	if diff := diffTables(pullTables(t, n), want); diff != "" {
		t.Errorf("pull queries after the restart differ from the input's tables:\n%s", diff)
	}
	n.p.stop(t, syscall.SIGTERM, 60*time.Second)
}

func showListing(l catalogListing) string {
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Sprintf("%+v", l)
	}
	return string(b)
}
