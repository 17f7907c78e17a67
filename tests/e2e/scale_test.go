package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// The scale-out test: three `sluice server` processes with one service id
// share the restart test's queries (a windowed CTAS and a GROUP BY table
// over a 4-partition stream); one is SIGKILLed during the input and a
// fourth joins later. The tables, read from their topics and through pull
// queries to every surviving server, must equal those computed from the
// input, and the late server must own a share of the partitions.

// scaleSession is the servers' group session timeout: short, so that the
// survivors take over a killed server's partitions quickly.
const scaleSession = "3s"

var (
	listening      = regexp.MustCompile(`Server listening on (http://\S+)`)
	createdQueryID = regexp.MustCompile(`Created query with ID (\w+)`)
)

type node struct {
	p   *proc
	url string
}

// startServer starts `sluice server` on broker with the scale-out test's
// service id; dataDir "" is a fresh directory.
func startServer(t *testing.T, broker, dataDir string) *node {
	t.Helper()
	return startNode(t, dataDir, "--bootstrap", broker)
}

// startNode starts `sluice server` with the scale-out test's service id and
// the given Kafka flags; dataDir "" is a fresh directory.
func startNode(t *testing.T, dataDir string, kafka ...string) *node {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	args := append([]string{"server", "--service-id", "scale_", "--data-dir", dataDir,
		"--listen", "127.0.0.1:0", "--session-timeout", scaleSession}, kafka...)
	p := startSluice(t, args...)
	p.waitOutput(t, "Server listening on", 60*time.Second)
	m := listening.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no listening address in %q", p.stdout.String())
	}
	return &node{p: p, url: m[1]}
}

// waitListed waits until what n answers to stmt (a SHOW statement)
// mentions every one of want: what another server accepted reaches n
// through the command topic.
func waitListed(t *testing.T, n *node, stmt string, want ...string) {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for {
		out := string(post(t, n.url+"/ksql", map[string]any{"ksql": stmt}))
		missing := slices.IndexFunc(want, func(w string) bool { return !strings.Contains(out, w) })
		if missing < 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s on %s does not list %s: %s\nstderr:\n%s", stmt, n.url, want[missing], out, n.p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queryGroup is a persistent query's consumer group, named as ksqlDB
// names it: _confluent-ksql-<service id>query_<id>.
func queryGroup(id string) string { return "_confluent-ksql-scale_query_" + id }

// post sends a JSON body and returns the response body, failing on a
// non-200 status.
func post(t *testing.T, url string, body any) []byte {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %s\n%s", url, b, resp.Status, out)
	}
	return out
}

// pullTable runs a pull query over /query and returns its rows.
func pullTable(t *testing.T, n *node, sql string) [][]json.RawMessage {
	t.Helper()
	body := post(t, n.url+"/query", map[string]any{"ksql": sql, "streamsProperties": map[string]any{}})
	var items []struct {
		Row *struct {
			Columns []json.RawMessage `json:"columns"`
		} `json:"row"`
		ErrorMessage any `json:"errorMessage"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("%s on %s: %v\n%s", sql, n.url, err, body)
	}
	var rows [][]json.RawMessage
	for _, it := range items {
		if it.ErrorMessage != nil {
			t.Fatalf("%s on %s: %s", sql, n.url, body)
		}
		if it.Row != nil {
			rows = append(rows, it.Row.Columns)
		}
	}
	return rows
}

// pullTables reads both output tables from one server by pull queries.
func pullTables(t *testing.T, n *node) map[string]table {
	t.Helper()
	got := map[string]table{"w": {}, "g": {}}
	num := func(raw json.RawMessage) int64 {
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("pull query on %s: %s is not an integer", n.url, raw)
		}
		return v
	}
	str := func(raw json.RawMessage) string {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("pull query on %s: %s is not a string", n.url, raw)
		}
		return v
	}
	for _, r := range pullTable(t, n, "SELECT K, WINDOWSTART, C, S FROM w;") {
		got["w"][windowedKey(str(r[0]), num(r[1]))] = agg{C: num(r[2]), S: num(r[3])}
	}
	for _, r := range pullTable(t, n, "SELECT CAT, C, S FROM g;") {
		got["g"][str(r[0])] = agg{C: num(r[1]), S: num(r[2])}
	}
	return got
}

// owners maps each server URL to the partitions of src it holds in group.
func owners(t *testing.T, adm *kadm.Client, group string) map[string][]int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dgs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatalf("describing %s: %v", group, err)
	}
	out := map[string][]int32{}
	for _, m := range dgs[group].Members {
		meta, ok := m.Join.AsConsumer()
		if !ok {
			continue
		}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, tp := range a.Topics {
				if tp.Topic == "src" {
					out[string(meta.UserData)] = append(out[string(meta.UserData)], tp.Partitions...)
				}
			}
		}
	}
	return out
}

func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("the scale-out test runs a broker and four server processes")
	}
	begin := time.Now()
	in := restartInput()
	want := expectedTables(in)
	addr := startBroker(t)
	nodes := []*node{startServer(t, addr, ""), startServer(t, addr, ""), startServer(t, addr, "")}
	app := restartApp[strings.Index(restartApp, "CREATE"):]
	resp := post(t, nodes[0].url+"/ksql", map[string]any{"ksql": app,
		"streamsProperties": map[string]any{"auto.offset.reset": "earliest"}})
	var groups, ids []string
	for _, m := range createdQueryID.FindAllStringSubmatch(string(resp), -1) {
		ids = append(ids, m[1])
		groups = append(groups, queryGroup(m[1]))
	}
	if len(groups) != 2 {
		t.Fatalf("expected two persistent queries, got:\n%s", resp)
	}
	// Every server runs every query: each learns them from the command topic.
	for _, n := range nodes {
		waitListed(t, n, "SHOW QUERIES;", ids...)
	}
	rd := newOutputReader(t, addr)
	waitFor(t, 60*time.Second, "three servers to share every query's partitions", func() bool {
		for _, g := range groups {
			if len(owners(t, rd.adm, g)) != 3 {
				return false
			}
		}
		return true
	})
	t.Logf("three servers share the queries after %v: %v", time.Since(begin).Round(time.Millisecond), owners(t, rd.adm, groups[0]))

	quarter, half := len(in)/4, len(in)/2
	produceInput(t, addr, in[:quarter])
	waitFor(t, restartDeadline, "every query to commit some of its input", func() bool {
		c := committedInput(rd.adm, groups)
		for _, g := range groups {
			if c[g]["src"] == 0 {
				return false
			}
		}
		return true
	})
	produceInput(t, addr, in[quarter:half])
	victim := nodes[1]
	if err := victim.p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.p.done
	t.Logf("killed %s after %v; committed %v", victim.url, time.Since(begin).Round(time.Millisecond), committedInput(rd.adm, groups))
	produceInput(t, addr, in[half:])
	late := startServer(t, addr, "")
	survivors := []*node{nodes[0], nodes[2], late}

	waitTables(t, rd, groups, want, nodes[0].p, nodes[2].p, late.p)
	t.Logf("tables complete from their topics after %v", time.Since(begin).Round(time.Millisecond))
	for _, g := range groups {
		waitFor(t, 30*time.Second, "the late server to own a share of "+g, func() bool {
			o := owners(t, rd.adm, g)
			_, dead := o[victim.url]
			return len(o[late.url]) > 0 && !dead
		})
	}
	t.Logf("owners after the late join: %v", owners(t, rd.adm, groups[0]))

	for _, n := range survivors {
		if diff := diffTables(pullTables(t, n), want); diff != "" {
			t.Errorf("pull queries on %s differ from the input's tables:\n%s", n.url, diff)
		}
		// A key lookup goes to the key's owner, wherever it is asked.
		rows := pullTable(t, n, "SELECT CAT, C, S FROM g WHERE CAT='cat3';")
		w := want["g"]["cat3"]
		if len(rows) != 1 || string(rows[0][1]) != fmt.Sprint(w.C) || string(rows[0][2]) != fmt.Sprint(w.S) {
			t.Errorf("key lookup on %s: got %s, want cat3 C=%d S=%d", n.url, rows, w.C, w.S)
		}
	}
	// Metrics: the survivors together consumed the input; the late server
	// restored the state of the partitions it took over from changelogs.
	var consumed float64
	for _, n := range survivors {
		consumed += metric(t, n, "sluice_query_records_consumed_total", ids[1])
	}
	if consumed == 0 {
		t.Errorf("no records consumed by the surviving servers according to /metrics")
	}
	if r := metric(t, late, "sluice_query_state_restored_records_total", ids[1]); r == 0 {
		t.Errorf("the late server restored no state for %s according to /metrics", ids[1])
	}
	t.Logf("pull queries agree on every server; %v in all", time.Since(begin).Round(time.Millisecond))
}

// metric scrapes one query's metric from a server's /metrics.
func metric(t *testing.T, n *node, name, query string) float64 {
	t.Helper()
	resp, err := http.Get(n.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + name + `\{query_id="` + query + `"\} (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s for %s in the metrics of %s:\n%s", name, query, n.url, body)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
