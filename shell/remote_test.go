package shell

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicedb/sluice/exec"
)

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
