package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestVersionAndHelp(t *testing.T) {
	r := runSluice(t, 30*time.Second, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sluice ") {
		t.Errorf("version: code %d, stdout %q", r.code, r.stdout)
	}
	for _, sub := range []string{"shell", "run", "broker", "test", "version"} {
		r := runSluice(t, 30*time.Second, "", sub, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: sluice") {
			t.Errorf("%s --help: code %d, stdout %q, stderr %q", sub, r.code, r.stdout, r.stderr)
		}
	}
	r = runSluice(t, 30*time.Second, "", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "sluice broker") {
		t.Errorf("--help: code %d, stdout %q", r.code, r.stdout)
	}
	r = runSluice(t, 30*time.Second, "", "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestUnreachableBroker(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	r := runSluice(t, 90*time.Second, "SHOW STREAMS;\n", "--bootstrap", addr, "--data-dir", t.TempDir())
	if r.code == 0 {
		t.Errorf("sluice against an unreachable broker exited 0\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Error("no error message on stderr")
	}
}

func TestShellStdinFailureExitCode(t *testing.T) {
	r := runSluice(t, 60*time.Second, "SELEC nonsense;\n", "--ephemeral")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Error("the failing statement printed no error")
	}
}

// TestShellStdin runs the quickstart through piped stdin and checks what a
// user sees: messages, a table, a push query's rows and its end, and the
// error of a bad statement, which makes the exit code 1.
func TestShellStdin(t *testing.T) {
	script := `CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA')
  AS SELECT UCASE(v) AS v FROM input;
INSERT INTO input (v) VALUES ('hello');
INSERT INTO input (v) VALUES ('kafka');
INSERT INTO input (v) VALUES ('sluice');
SHOW STREAMS;
SET 'auto.offset.reset'='earliest';
SELECT v FROM trans EMIT CHANGES LIMIT 3;
SELECT nope FROM trans EMIT CHANGES;
`
	r := runSluice(t, 120*time.Second, script, "--ephemeral")
	if r.code != 1 {
		t.Errorf("exit code %d, want 1 (one statement fails)", r.code)
	}
	for _, want := range []string{"TRANS", "trans-topic", "|V ", "|HELLO ", "|KAFKA ", "|SLUICE ", "Limit Reached"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !strings.Contains(r.stderr, "NOPE") {
		t.Errorf("stderr lacks the error about NOPE")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// TestTestCommand runs `sluice test` on a passing and a failing file.
func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.sql")
	bad := filepath.Join(dir, "bad.sql")
	writeFile(t, good, "--@test: fails to parse as expected\n--@expected.message: line 1:1\nSELEC 1;\n")
	writeFile(t, bad, "--@test: expects an error that never comes\n--@expected.message: nothing\n-- no statements\n")
	r := runSluice(t, 90*time.Second, "", "test", bad)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL ") || !strings.HasSuffix(r.stdout, "0 passed, 1 failed\n") {
		t.Errorf("failing file: code %d, stdout:\n%s", r.code, r.stdout)
	}
	r = runSluice(t, 90*time.Second, "", "test", "-v", good)
	if r.code != 0 || !strings.HasSuffix(r.stdout, "1 passed, 0 failed\n") {
		t.Errorf("passing file: code %d, stdout:\n%s", r.code, r.stdout)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrokerAndRun runs the quickstart across processes: a standalone
// broker, a headless `sluice run` executing the query, records produced with
// a plain Kafka client, and the result read back by a third sluice through a
// push query.
func TestBrokerAndRun(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	broker := startSluice(t, "broker", "--listen", addr)
	broker.waitOutput(t, "Broker listening on "+addr, 30*time.Second)

	app := filepath.Join(t.TempDir(), "app.sql")
	writeFile(t, app, `CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA') AS SELECT UCASE(v) AS v FROM input;
`)
	runner := startSluice(t, "run", app, "--bootstrap", addr, "--data-dir", t.TempDir())
	runner.waitOutput(t, "queries are running", 90*time.Second)

	produce(t, addr, "input-topic", "hello", "kafka", "sluice")

	reader := `SET 'auto.offset.reset'='earliest';
CREATE STREAM IF NOT EXISTS trans_view (v STRING) WITH (kafka_topic='trans-topic', value_format='KAFKA');
SELECT v FROM trans_view EMIT CHANGES LIMIT 3;
`
	r := runSluice(t, 120*time.Second, reader, "--bootstrap", addr, "--data-dir", t.TempDir())
	for _, want := range []string{"|HELLO ", "|KAFKA ", "|SLUICE ", "Limit Reached"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("reader output lacks %q", want)
		}
	}
	if r.code != 0 || t.Failed() {
		t.Errorf("reader exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}

	runner.stop(t, syscall.SIGTERM, 60*time.Second)
	broker.stop(t, syscall.SIGTERM, 30*time.Second)
}

// produce writes unkeyed string values, as the KAFKA format stores a STRING.
func produce(t *testing.T, addr, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, v := range values {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("producing to %s: %v", topic, err)
		}
	}
}

// TestRemoteShell drives `sluice server` with the shell in remote mode
// (`sluice shell --server URL`), as separate processes.
func TestRemoteShell(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := startSluice(t, "server", "--ephemeral", "--listen", addr)
	srv.waitOutput(t, "Server listening on", 30*time.Second)

	// RUN SCRIPT reads a file on the client's side and sends its statements.
	file := filepath.Join(t.TempDir(), "more.sql")
	writeFile(t, file, "CREATE STREAM from_script (id INT KEY, v STRING) WITH (kafka_topic='fs', value_format='JSON', partitions=1);\n")
	script := `CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
INSERT INTO s (id, v) VALUES (1, 'remote');
RUN SCRIPT '` + file + `';
SHOW STREAMS;
SET 'auto.offset.reset'='earliest';
SELECT id, UCASE(v) AS v FROM s EMIT CHANGES LIMIT 1;
`
	r := runSluice(t, 60*time.Second, script, "shell", "--server", "http://"+addr)
	for _, want := range []string{"Stream created", "|S ", "|FROM_SCRIPT ", "|REMOTE", "Limit Reached"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("remote shell output lacks %q", want)
		}
	}
	if r.code != 0 || t.Failed() {
		t.Errorf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	bad := runSluice(t, 30*time.Second, "SELECT nope FROM s EMIT CHANGES;\n", "shell", "--server", "http://"+addr)
	if bad.code != 1 || !strings.Contains(bad.stderr, "NOPE") {
		t.Errorf("unknown column over REST: exit %d, stderr %q", bad.code, bad.stderr)
	}
	srv.stop(t, syscall.SIGTERM, 30*time.Second)
}
