package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata golden files")

// testServer is a Server on a real ephemeral engine, serving on a loopback
// port through Serve (so HTTP/1.1 and h2c are both the real thing).
type testServer struct {
	*Server
	eng  *exec.Engine
	base string // http://127.0.0.1:port
}

func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	return startServerOn(t, cfg, exec.Config{})
}

// startServerOn is startServer with an engine configured by ecfg (made
// ephemeral, logging to the test).
func startServerOn(t testing.TB, cfg Config, ecfg exec.Config) *testServer {
	t.Helper()
	ecfg.Ephemeral, ecfg.Logf = true, t.Logf
	eng, err := exec.NewEngine(context.Background(), ecfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logf = t.Logf
	s := New(eng, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		eng.Close()
	})
	return &testServer{Server: s, eng: eng, base: "http://" + ln.Addr().String()}
}

type response struct {
	status int
	ctype  string
	body   []byte
}

func (ts *testServer) do(t testing.TB, method, path string, hdr http.Header, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctJSON)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: b}
}

func ksqlBody(sql string) string {
	b, _ := json.Marshal(map[string]any{"ksql": sql, "streamsProperties": map[string]any{}})
	return string(b)
}

func queryBody(field, sql string) string {
	props := "streamsProperties"
	if field == "sql" {
		props = "properties"
	}
	b, _ := json.Marshal(map[string]any{field: sql, props: map[string]any{"auto.offset.reset": "earliest"}})
	return string(b)
}

// TestEndpointsGolden runs a script of requests against one server and
// compares status, content type and indented body with testdata/endpoints.golden.
func TestEndpointsGolden(t *testing.T) {
	ts := startServer(t, Config{MaxStatements: 5, MaxBodyBytes: 4096})
	big := strings.Repeat("x", 5000)
	steps := []struct {
		name, method, path, body string
		accept                   string
		ctype                    string // "" sends application/json
	}{
		{"create stream", "POST", "/ksql", ksqlBody(`CREATE STREAM pageviews (page STRING KEY, user_id STRING, ms BIGINT, price DECIMAL(5,2), tags ARRAY<STRING>, loc STRUCT<city STRING, zip INT>) WITH (kafka_topic='pageviews', value_format='JSON', partitions=2);`), "", ""},
		{"create table and csas", "POST", "/ksql", ksqlBody(`CREATE TABLE users (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);
			CREATE STREAM enriched AS SELECT * FROM pageviews WHERE ms > 0;`), "", ""},
		{"insert values answers nothing", "POST", "/ksql", ksqlBody(`INSERT INTO pageviews (page, user_id, ms) VALUES ('home', 'u1', 10);`), "", ""},
		{"show streams and tables", "POST", "/ksql", ksqlBody(`SHOW STREAMS; LIST TABLES;`), ctJSON, ""},
		{"show queries", "POST", "/ksql", ksqlBody(`SHOW QUERIES;`), "", ""},
		{"show topics", "POST", "/ksql", ksqlBody(`SHOW TOPICS;`), "", ""},
		{"show properties with request properties", "POST", "/ksql", `{"ksql":"SHOW PROPERTIES;","streamsProperties":{"auto.offset.reset":"earliest"}}`, "", ""},
		{"describe", "POST", "/ksql", ksqlBody(`DESCRIBE pageviews;`), "", ""},
		{"describe extended table", "POST", "/ksql", ksqlBody(`DESCRIBE EXTENDED users;`), "", ""},
		{"describe streams", "POST", "/ksql", ksqlBody(`DESCRIBE STREAMS;`), "", ""},
		{"explain", "POST", "/ksql", ksqlBody(`EXPLAIN CSAS_ENRICHED_2;`), "", ""},
		{"status of all commands", "GET", "/status", "", "", ""},
		{"status of one command", "GET", "/status/stream/`PAGEVIEWS`/create", "", "", ""},
		{"status of an unknown command", "GET", "/status/stream/`NOPE`/create", "", "", ""},
		{"terminate and drop", "POST", "/ksql", ksqlBody(`TERMINATE CSAS_ENRICHED_2; DROP STREAM enriched DELETE TOPIC;`), "", ""},
		{"healthcheck", "GET", "/healthcheck", "", "", ""},
		{"inserts stream", "POST", "/inserts-stream", `{"target":"pageviews"}
{"PAGE":"a","USER_ID":"u2","MS":20,"PRICE":1.5,"TAGS":["x","y"],"LOC":{"city":"Paris","ZIP":75001}}

{"page":"b","nope":1}
[1,2]
{"page":"c","ms":"not a number"}
{"page":"d","ROWTIME":1234}
`, "", ""},
		{"inserts stream to unknown target", "POST", "/inserts-stream", `{"target":"nope"}` + "\n", "", ""},
		{"inserts stream without arguments", "POST", "/inserts-stream", ``, "", ""},
		// Errors.
		{"malformed json", "POST", "/ksql", `{"ksql": `, "", ""},
		{"trailing data", "POST", "/ksql", `{"ksql": "SHOW STREAMS;"} {}`, "", ""},
		{"missing ksql", "POST", "/ksql", `{}`, "", ""},
		{"body too large", "POST", "/ksql", ksqlBody("SHOW STREAMS; -- " + big), "", ""},
		{"too many statements", "POST", "/ksql", ksqlBody(strings.Repeat("SHOW STREAMS;", 6)), "", ""},
		{"syntax error", "POST", "/ksql", ksqlBody(`CREATE STREAMS x;`), "", ""},
		{"second statement fails", "POST", "/ksql", ksqlBody(`SHOW TABLES; DROP STREAM nope;`), "", ""},
		{"push query on /ksql", "POST", "/ksql", ksqlBody(`SELECT * FROM pageviews EMIT CHANGES;`), "", ""},
		{"run script refused", "POST", "/ksql", ksqlBody(`RUN SCRIPT '/etc/passwd';`), "", ""},
		{"query endpoint refuses DDL", "POST", "/query", `{"ksql":"DROP STREAM pageviews;"}`, "", ""},
		{"query endpoint: two statements", "POST", "/query", `{"ksql":"SELECT * FROM pageviews EMIT CHANGES; SELECT 1 FROM pageviews EMIT CHANGES;"}`, "", ""},
		{"query-stream: unknown column", "POST", "/query-stream", `{"sql":"SELECT nope FROM pageviews EMIT CHANGES;"}`, "", ""},
		{"query-stream: no sql", "POST", "/query-stream", `{"properties":{}}`, "", ""},
		{"close unknown query", "POST", "/close-query", `{"queryId":"nope"}`, "", ""},
		{"close without id", "POST", "/close-query", `{}`, "", ""},
		{"wrong method", "GET", "/ksql", "", "", ""},
		{"unknown path", "GET", "/nope", "", "", ""},
		{"unknown path with a body", "POST", "/ksql/nope", ksqlBody("SHOW STREAMS;"), "", ""},
		{"plain text body", "POST", "/ksql", "SHOW STREAMS;", "", "text/plain"},
		{"form body", "POST", "/query-stream", "sql=SELECT+1", "", "application/x-www-form-urlencoded"},
		{"malformed content type", "POST", "/ksql", ksqlBody("SHOW STREAMS;"), "", "json;;"},
		{"ksql v1 content type with charset", "POST", "/ksql", ksqlBody("SHOW TABLES;"), "", ctKsqlV1 + "; charset=utf-8"},
		{"ksql field of the wrong type", "POST", "/ksql", `{"ksql": 5}`, "", ""},
		{"request is an array", "POST", "/query-stream", `["SELECT 1;"]`, "", ""},
		{"not json", "POST", "/close-query", "garbage{", "", ""},
		{"inserts stream arguments too large", "POST", "/inserts-stream", `{"target":"` + big + `"}` + "\n", "", ""},
	}
	var out bytes.Buffer
	for _, st := range steps {
		hdr := http.Header{}
		if st.accept != "" {
			hdr.Set("Accept", st.accept)
		}
		if st.ctype != "" {
			hdr.Set("Content-Type", st.ctype)
		}
		r := ts.do(t, st.method, st.path, hdr, st.body)
		fmt.Fprintf(&out, "### %s\n%s %s\n%s\n----\n%d %s\n%s\n\n", st.name, st.method, st.path,
			truncate(st.body, 300), r.status, r.ctype, indent(r.body))
	}
	golden(t, filepath.Join("testdata", "endpoints.golden"), out.String())
}

func truncate(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	if len(s) > n {
		return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// indent pretty-prints JSON, or each line of newline-delimited JSON.
func indent(b []byte) string {
	var parts []string
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, line, "", "  "); err != nil {
			parts = append(parts, string(line))
			continue
		}
		parts = append(parts, buf.String())
	}
	return strings.Join(parts, "\n")
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *rewrite {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -rewrite to update); got:\n%s", path, got)
	}
}

func TestInfo(t *testing.T) {
	ts := startServer(t, Config{Version: "1.2.3", ServiceID: "svc_"})
	r := ts.do(t, "GET", "/info", nil, "")
	var info struct {
		KsqlServerInfo map[string]string
	}
	if err := json.Unmarshal(r.body, &info); err != nil || r.status != 200 {
		t.Fatalf("status %d, body %s, err %v", r.status, r.body, err)
	}
	got := info.KsqlServerInfo
	if got["version"] != "1.2.3" || got["ksqlServiceId"] != "svc_" || got["serverStatus"] != "RUNNING" || got["kafkaClusterId"] == "" {
		t.Errorf("info = %v", got)
	}
	if r.ctype != ctKsqlV1 {
		t.Errorf("content type %q, want %q", r.ctype, ctKsqlV1)
	}
}

// setupRows creates stream S with three rows.
func setupRows(t *testing.T, ts *testServer) {
	t.Helper()
	r := ts.do(t, "POST", "/ksql", nil, ksqlBody(`CREATE STREAM s (k STRING KEY, n INT, d DECIMAL(4,2), b BYTES, m MAP<STRING, INT>, ts TIMESTAMP) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		INSERT INTO s (k, n, d, b, m, ts) VALUES ('a', 1, 1.50, TO_BYTES('hi', 'utf8'), MAP('x' := 1), FROM_UNIXTIME(1000));
		INSERT INTO s (k, n) VALUES ('b', 2);
		INSERT INTO s (k, n) VALUES ('c', 3);`))
	if r.status != 200 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
}

// stripQueryIDs replaces transient query ids, which are random.
func stripQueryIDs(s string) string {
	var out strings.Builder
	for {
		i := strings.Index(s, "transient_")
		if i < 0 {
			out.WriteString(s)
			return out.String()
		}
		out.WriteString(s[:i] + "<queryId>")
		s = s[i:]
		j := strings.IndexAny(s, `"`)
		if j < 0 {
			j = len(s)
		}
		s = s[j:]
	}
}

func TestQueryEndpointsWithLimit(t *testing.T) {
	ts := startServer(t, Config{})
	setupRows(t, ts)
	cases := []struct {
		name, path, body, accept string
		want                     string
	}{
		{"query", "/query", queryBody("ksql", "SELECT * FROM s EMIT CHANGES LIMIT 2;"), "", // push-query headers mark no KEY, as ksqlDB's
			"[{\"header\":{\"queryId\":\"<queryId>\",\"schema\":\"`K` STRING, `N` INTEGER, `D` DECIMAL(4, 2), `B` BYTES, `M` MAP<STRING, INTEGER>, `TS` TIMESTAMP\"}},\n" +
				"{\"row\":{\"columns\":[\"a\",1,1.50,\"aGk=\",{\"x\":1},\"1970-01-01T00:00:01.000\"]}},\n" +
				"{\"row\":{\"columns\":[\"b\",2,null,null,null,null]}},\n" +
				"{\"finalMessage\":\"Limit Reached\"}]\n"},
		{"query-stream delimited", "/query-stream", queryBody("sql", "SELECT k, n FROM s EMIT CHANGES LIMIT 3;"), ctDelimited,
			`{"queryId":"<queryId>","columnNames":["K","N"],"columnTypes":["STRING","INTEGER"]}` + "\n" +
				`["a",1]` + "\n" + `["b",2]` + "\n" + `["c",3]` + "\n"},
		{"query-stream default is delimited", "/query-stream", queryBody("sql", "SELECT n FROM s EMIT CHANGES LIMIT 1;"), "",
			`{"queryId":"<queryId>","columnNames":["N"],"columnTypes":["INTEGER"]}` + "\n" + `[1]` + "\n"},
		{"query-stream json", "/query-stream", queryBody("sql", "SELECT k FROM s EMIT CHANGES LIMIT 2;"), ctJSON,
			`[{"queryId":"<queryId>","columnNames":["K"],"columnTypes":["STRING"]},` + "\n" + `["a"],` + "\n" + `["b"]]` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := http.Header{}
			if c.accept != "" {
				hdr.Set("Accept", c.accept)
			}
			r := ts.do(t, "POST", c.path, hdr, c.body)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if got := stripQueryIDs(string(r.body)); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// openStream starts a push query and returns its query id and a reader
// positioned after the header.
func openStream(t *testing.T, ctx context.Context, client *http.Client, base string) (string, *bufio.Reader, io.Closer) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/query-stream",
		strings.NewReader(queryBody("sql", "SELECT k FROM s EMIT CHANGES;")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading header: %v", err)
	}
	var hdr struct{ QueryID string }
	if err := json.Unmarshal(line, &hdr); err != nil || hdr.QueryID == "" {
		t.Fatalf("header %q: %v", line, err)
	}
	return hdr.QueryID, br, resp.Body
}

func TestCloseQuery(t *testing.T) {
	ts := startServer(t, Config{})
	setupRows(t, ts)
	id, br, body := openStream(t, context.Background(), http.DefaultClient, ts.base)
	defer body.Close()
	for _, want := range []string{`["a"]`, `["b"]`, `["c"]`} {
		line, err := br.ReadString('\n')
		if err != nil || strings.TrimSpace(line) != want {
			t.Fatalf("row %q, %v; want %s", line, err, want)
		}
	}
	r := ts.do(t, "POST", "/close-query", nil, fmt.Sprintf(`{"queryId":%q}`, id))
	if r.status != 200 {
		t.Fatalf("close-query: %d %s", r.status, r.body)
	}
	// The stream ends: the rest of the body is empty.
	rest, err := io.ReadAll(br)
	if err != nil || len(rest) != 0 {
		t.Fatalf("after close: %q, %v", rest, err)
	}
	// A second close finds nothing.
	if r := ts.do(t, "POST", "/close-query", nil, fmt.Sprintf(`{"queryId":%q}`, id)); r.status != 400 {
		t.Errorf("second close-query: %d %s", r.status, r.body)
	}
}

func TestClientDisconnectStopsQuery(t *testing.T) {
	ts := startServer(t, Config{})
	setupRows(t, ts)
	ctx, cancel := context.WithCancel(context.Background())
	id, _, body := openStream(t, ctx, http.DefaultClient, ts.base)
	cancel()
	body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts.mu.Lock()
		_, running := ts.queries[id]
		ts.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s still registered after the client left", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// h2cClient speaks only unencrypted HTTP/2 with prior knowledge.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}}
}

func TestHTTP2Cleartext(t *testing.T) {
	ts := startServer(t, Config{})
	setupRows(t, ts)
	client := h2cClient()
	defer client.CloseIdleConnections()

	resp, err := client.Get(ts.base + "/info")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("GET /info: %s, status %d", resp.Proto, resp.StatusCode)
	}

	// A push query, closed through /close-query over the same protocol.
	id, br, body := openStream(t, context.Background(), client, ts.base)
	defer body.Close()
	if line, err := br.ReadString('\n'); err != nil || strings.TrimSpace(line) != `["a"]` {
		t.Fatalf("first row %q, %v", line, err)
	}
	cresp, err := client.Post(ts.base+"/close-query", ctJSON, strings.NewReader(fmt.Sprintf(`{"queryId":%q}`, id)))
	if err != nil {
		t.Fatal(err)
	}
	cresp.Body.Close()
	if cresp.StatusCode != 200 {
		t.Fatalf("close-query: %d", cresp.StatusCode)
	}
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("stream after close: %v", err)
	}

	testInsertsDuplex(t, client, ts.base, 2)
}

func TestInsertsStreamFullDuplexHTTP1(t *testing.T) {
	ts := startServer(t, Config{})
	setupRows(t, ts)
	testInsertsDuplex(t, http.DefaultClient, ts.base, 1)
}

// testInsertsDuplex sends rows one at a time and reads each ack before
// sending the next: the server must answer while the request is still open.
func testInsertsDuplex(t *testing.T, client *http.Client, base string, proto int) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/inserts-stream", pr)
	req.Header.Set("Content-Type", ctJSON)
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		done <- result{resp, err}
	}()
	if _, err := io.WriteString(pw, `{"target":"S"}`+"\n"+`{"K":"x","N":10}`+"\n"); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	defer res.resp.Body.Close()
	if res.resp.ProtoMajor != proto {
		t.Errorf("protocol %s, want HTTP/%d", res.resp.Proto, proto)
	}
	br := bufio.NewReader(res.resp.Body)
	for seq := 0; seq < 3; seq++ {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("ack %d: %v", seq, err)
		}
		want := fmt.Sprintf(`{"status":"ok","seq":%d}`, seq)
		if strings.TrimSpace(line) != want {
			t.Fatalf("ack %q, want %s", line, want)
		}
		if seq < 2 {
			fmt.Fprintf(pw, `{"K":"y%d","N":%d}`+"\n", seq, seq)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the last row: %q, %v", rest, err)
	}
}

func TestBasicAuth(t *testing.T) {
	ts := startServer(t, Config{User: "alice", Password: "s3cret"})
	cases := []struct {
		name       string
		user, pass string
		want       int
	}{
		{"no credentials", "", "", 401},
		{"wrong password", "alice", "nope", 401},
		{"wrong user", "bob", "s3cret", 401},
		{"right", "alice", "s3cret", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.base+"/ksql", strings.NewReader(ksqlBody("SHOW STREAMS;")))
			if c.user != "" {
				req.SetBasicAuth(c.user, c.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, b)
			}
			if c.want == 401 {
				if resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(b), `"error_code":40100`) {
					t.Errorf("401 without challenge or error body: %v %s", resp.Header, b)
				}
			}
		})
	}
}

func TestPanicBecomes500(t *testing.T) {
	h := recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), t.Logf)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"@type":"generic_error"`) || !strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("got %d %s", rec.Code, rec.Body.String())
	}
}

func TestNumberValue(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{"1", "int32 1"},
		{"-2147483649", "int64 -2147483649"},
		{"1.50", "types.Decimal 1.50"},
		{"1e3", "float64 1000"},
		{"99999999999999999999", "types.Decimal 99999999999999999999"},
	}
	for _, c := range cases {
		v := numberValue(c.in)
		if got := fmt.Sprintf("%T %v", v, v); got != c.want {
			t.Errorf("numberValue(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
