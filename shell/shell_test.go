package shell

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// fakeEngine answers statements by their first word, so shell behaviour can be
// tested without a running engine.
type fakeEngine struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeEngine) Execute(ctx context.Context, s *exec.Session, sql string) ([]exec.Result, error) {
	f.mu.Lock()
	f.seen = append(f.seen, sql)
	f.mu.Unlock()
	word := strings.ToUpper(strings.TrimSuffix(strings.Fields(sql)[0], ";"))
	switch word {
	case "CREATE":
		return []exec.Result{{Kind: exec.ResultMessage, Statement: sql, Message: "Stream created"}}, nil
	case "SHOW":
		return []exec.Result{{
			Kind:    exec.ResultTable,
			Columns: []string{"Stream Name", "Kafka Topic"},
			Types:   []*types.Type{types.TString, types.TString},
			Rows:    [][]any{{"INPUT", "input-topic"}, {"TRANS", "trans-topic"}},
		}}, nil
	case "SET":
		s.Properties["auto.offset.reset"] = "earliest"
		return []exec.Result{{Kind: exec.ResultMessage, Message: "Successfully changed local property"}}, nil
	case "SELECT":
		return []exec.Result{limitedStream(ctx)}, nil
	case "BAD":
		return nil, ast.Errorf(ast.SyntaxError, ast.Pos{Line: 1, Col: 0}, "mismatched input 'BAD'")
	case "FAILSTREAM":
		r := limitedStream(ctx)
		r.Err = func() error { return errors.New("query failed: boom") }
		return []exec.Result{r}, nil
	case "HANG":
		return []exec.Result{endlessStream(ctx)}, nil
	}
	return nil, fmt.Errorf("fake: unexpected statement %q", sql)
}

func limitedStream(ctx context.Context) exec.Result {
	ch := make(chan []any, 2)
	ch <- []any{int64(1), "HELLO"}
	ch <- []any{int64(2), "WORLD"}
	close(ch)
	return exec.Result{
		Kind: exec.ResultStream, Columns: []string{"ID", "V"},
		Types:  []*types.Type{types.TBigint, types.TString},
		Stream: ch, Cancel: func() {}, Err: func() error { return nil },
	}
}

// endlessStream sends one row and then waits for Cancel, as a push query
// without LIMIT does.
func endlessStream(ctx context.Context) exec.Result {
	ch := make(chan []any)
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(ch)
		select {
		case ch <- []any{"first"}:
		case <-stop:
			return
		}
		<-stop
	}()
	return exec.Result{
		Kind: exec.ResultStream, Columns: []string{"V"}, Types: []*types.Type{types.TString},
		Stream: ch, Cancel: func() { once.Do(func() { close(stop) }) },
		Err: func() error { return nil },
	}
}

func TestRunScript(t *testing.T) {
	script := `-- the quickstart, against a fake engine
CREATE STREAM input (v STRING)
  WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
SHOW STREAMS; SET 'auto.offset.reset'='earliest';
BAD statement;
SELECT id, v FROM trans EMIT CHANGES LIMIT 2;
FAILSTREAM;
SHOW STREAMS`
	var out strings.Builder
	f := &fakeEngine{}
	sh := New(f, &out, &out)
	failed, err := sh.RunScript(context.Background(), strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	if failed != 2 {
		t.Errorf("failed = %d, want 2", failed)
	}
	if len(f.seen) != 7 {
		t.Errorf("executed %d statements, want 7: %q", len(f.seen), f.seen)
	}
	if got := sh.Session().Properties["auto.offset.reset"]; got != "earliest" {
		t.Errorf("session property not kept: %q", got)
	}
	golden(t, "script.golden", out.String())
}

func TestRunScriptExit(t *testing.T) {
	var out strings.Builder
	f := &fakeEngine{}
	sh := New(f, &out, &out)
	failed, err := sh.RunScript(context.Background(), strings.NewReader("CREATE STREAM a (v INT) WITH (kafka_topic='a');\nexit\nSHOW STREAMS;\n"))
	if err != nil || failed != 0 {
		t.Fatalf("failed=%d err=%v", failed, err)
	}
	if len(f.seen) != 1 {
		t.Errorf("statements after exit ran: %q", f.seen)
	}
}

// syncBuffer lets the test read output while the shell writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInterruptCancelsPushQuery(t *testing.T) {
	var out syncBuffer
	sh := New(&fakeEngine{}, &out, &out)
	if sh.Interrupt() {
		t.Error("Interrupt reported a running statement while idle")
	}
	done := make(chan error, 1)
	go func() { done <- sh.Run(context.Background(), "HANG;") }()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "|first") {
		if time.Now().After(deadline) {
			t.Fatalf("first row never printed; output:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !sh.Interrupt() {
		t.Error("Interrupt found nothing running")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cancelled push query returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("push query did not stop after Interrupt")
	}
	if !strings.HasSuffix(out.String(), "Query terminated\n") {
		t.Errorf("output does not end with Query terminated:\n%s", out.String())
	}
}

func TestRunScriptContextCancel(t *testing.T) {
	var out syncBuffer
	sh := New(&fakeEngine{}, &out, &out)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		failed, _ := sh.RunScript(ctx, strings.NewReader("HANG;\nSHOW STREAMS;\n"))
		done <- failed
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "|first") {
		if time.Now().After(deadline) {
			t.Fatalf("first row never printed; output:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunScript did not return after cancel")
	}
	if strings.Contains(out.String(), "Stream Name") {
		t.Error("statement after a cancelled script still ran")
	}
}

func TestIsExit(t *testing.T) {
	for in, want := range map[string]bool{"exit": true, " QUIT; ": true, "exit;\n": true, "exits": false, "SELECT exit": false} {
		if got := isExit(in); got != want {
			t.Errorf("isExit(%q) = %v", in, got)
		}
	}
}
