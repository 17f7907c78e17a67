package server

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// postPaths are the endpoints that read a request body.
var postPaths = []string{"/ksql", "/query", "/query-stream", "/close-query", "/inserts-stream"}

// FuzzRequests sends arbitrary bodies with arbitrary content types to every
// endpoint that reads one: whatever arrives, the answer is a 2xx, or a 4xx
// with a ksqlDB error entity that says what is wrong; never a 5xx or a
// dropped connection, and the server keeps answering.
func FuzzRequests(f *testing.F) {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	bodies := []string{
		"", "{", "null", "[]", "{}", "\"ksql\"", deep,
		`{"ksql":null,"sql":null,"queryId":null,"target":null}`,
		`{"ksql":"SELECT","streamsProperties":{"a":[1,{"b":null}],"c":1e400}}`,
		`{"ksql":"` + strings.Repeat(";", 3000) + `"}`,
		`{"ksql":"` + strings.Repeat("SHOW STREAMS;", 20) + `"}`,
		`{"ksql":"\u0000\ud800"}`,
		`{"sql":"SELECT * FROM nope EMIT CHANGES;","properties":{"auto.offset.reset":7}}`,
		`{"sql":"PRINT 'x' FROM BEGINNING;"}`,
		`{"ksql":"RUN SCRIPT '/etc/passwd';"}`,
		`{"queryId":5}`,
		"{\"target\":\"nope\"}\n{}\n",
		"{\"target\":{}}\n",
	}
	for i := range postPaths {
		for _, b := range bodies {
			f.Add(uint8(i), "", b)
		}
		f.Add(uint8(i), "text/plain", "SHOW STREAMS;")
		f.Add(uint8(i), "application/json; charset=\"", "{}")
	}
	ts := startServer(f, Config{MaxBodyBytes: 64 << 10, MaxStatements: 10})
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{}).DialContext}}
	f.Fuzz(func(t *testing.T, path uint8, ctype, body string) {
		p := postPaths[int(path)%len(postPaths)]
		if strings.ContainsFunc(ctype, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			t.Skip("the client cannot send control characters in a header")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "POST", ts.base+p, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header["Content-Type"] = []string{ctype}
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s %q: %v", p, body, err)
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("POST %s (%s) %.200q: %s %s", p, ctype, body, resp.Status, b)
		case resp.StatusCode >= 400:
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("POST %s %.200q: reading the error: %v", p, body, err)
			}
			var e struct {
				Type    string `json:"@type"`
				Code    int    `json:"error_code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Type == "" || e.Code/100 != resp.StatusCode || e.Message == "" {
				t.Fatalf("POST %s %.200q: %s with no ksqlDB error entity: %s", p, body, resp.Status, b)
			}
		}
		// A push query that was accepted runs until its body is closed.
		resp.Body.Close()
		if r := ts.do(t, "GET", "/status", nil, ""); r.status != http.StatusOK {
			t.Fatalf("after POST %s %.200q the server answers /status with %d %s", p, body, r.status, r.body)
		}
	})
}

// TestLoopbackByDefault: with no Listen, the API is reachable from this
// machine only.
func TestLoopbackByDefault(t *testing.T) {
	s := New(nil, Config{})
	host, _, err := net.SplitHostPort(s.cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("default listen address %s is not a loopback address", s.cfg.Listen)
	}
}
