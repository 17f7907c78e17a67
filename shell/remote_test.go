package shell

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/exec"
)

// A push query that fails after some rows: the server ends /query-stream
// with an error object. The remote shell prints the rows, then the error,
// as the embedded shell prints a failed query's error.
func TestRemoteStreamError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/query-stream" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.ksqlapi.delimited.v1")
		_, _ = io.WriteString(w, `{"queryId":"q1","columnNames":["ID","V"],"columnTypes":["BIGINT","STRING"]}
[1,"HELLO"]
{"unknown":"objects are skipped"}
{"@type":"generic_error","error_code":50000,"message":"query failed: boom"}
[2,"NEVER"]
`)
	}))
	defer srv.Close()
	var out, errOut strings.Builder
	sh := New(&Remote{Base: srv.URL, Client: srv.Client()}, &out, &errOut)
	err := sh.Run(context.Background(), "SELECT id, v FROM s EMIT CHANGES;")
	var re *RemoteError
	if !errors.As(err, &re) || re.Code != 50000 || re.Message != "query failed: boom" {
		t.Fatalf("Run returned %v (%T), want the server's error 50000", err, err)
	}
	if !strings.Contains(out.String(), "|HELLO ") || strings.Contains(out.String(), "NEVER") {
		t.Errorf("rows printed:\n%s", out.String())
	}
	if strings.Contains(out.String(), msgLimitReached) {
		t.Errorf("a failed query printed %q:\n%s", msgLimitReached, out.String())
	}
	if errOut.String() != "query failed: boom\n" {
		t.Errorf("error output %q, want the server's message", errOut.String())
	}
}

// SHOW QUERIES through a server shows a failed query's reason, from the
// queryErrors a Sluice server lists, as the shell does in-process.
func TestRemoteShowQueriesShowsReason(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.ksql.v1+json")
		w.Write([]byte(`[{"@type":"queries","statementText":"SHOW QUERIES;","warnings":[],"queries":[
			{"id":"CSAS_A_1","queryType":"PERSISTENT","state":"RUNNING","statusCount":{"RUNNING":1},"sinks":["A"],"sinkKafkaTopics":["a"],"queryString":"CREATE STREAM a AS SELECT * FROM s;"},
			{"id":"CTAS_T_2","queryType":"PERSISTENT","state":"ERROR","statusCount":{"ERROR":1},"sinks":["T"],"sinkKafkaTopics":["T"],"queryString":"CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id;",
			 "queryErrors":[{"timestamp":1700000000000,"errorMessage":"task for partition 0: disk full","type":"UNKNOWN"}]}]}]`))
	}))
	defer srv.Close()
	r := &Remote{Base: srv.URL}
	res, err := r.Execute(context.Background(), exec.NewSession(), "SHOW QUERIES;")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || len(res[0].Rows) != 2 {
		t.Fatalf("results %+v", res)
	}
	for i, want := range []string{"RUNNING", "ERROR: task for partition 0: disk full"} {
		if got := res[0].Rows[i][2]; got != want {
			t.Errorf("row %d status %q, want %q", i, got, want)
		}
	}
}
