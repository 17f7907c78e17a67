package shell

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
