package server

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	// sluiceBin is the sluice binary, built once in TestMain.
	sluiceBin string
	// buildErr is why it could not be built; only the process test fails.
	buildErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sluice-server-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if !testing.Short() {
			sluiceBin = filepath.Join(dir, "sluice")
			build := exec.Command("go", "build", "-o", sluiceBin, "github.com/sluicedb/sluice/cmd/sluice")
			if out, err := build.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("building sluice: %v\n%s", err, out)
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// TestServerProcess starts `sluice server` as its own process, talks to it
// over the network, and stops it with SIGTERM.
func TestServerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the sluice binary")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sluiceBin, "server", "--ephemeral", "--listen", "127.0.0.1:0",
		"--broker-listen", "127.0.0.1:0", "--service-id", "proc_", "--user", "u", "--password", "p")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	// The server prints the broker's address, then its own.
	sc := bufio.NewScanner(stdout)
	var base, broker string
	for base == "" && sc.Scan() {
		line := sc.Text()
		if a, ok := strings.CutPrefix(line, "Broker listening on "); ok {
			broker = a
		}
		if a, ok := strings.CutPrefix(line, "Server listening on "); ok {
			base = a
		}
	}
	if base == "" || broker == "" {
		t.Fatalf("no addresses printed (server %q, broker %q); stderr:\n%s", base, broker, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	post := func(path, body string, auth bool) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctJSON)
		if auth {
			req.SetBasicAuth("u", "p")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/ksql", ksqlBody("SHOW STREAMS;"), false); code != 401 {
		t.Errorf("without credentials: %d %s", code, body)
	}
	code, body := post("/ksql", ksqlBody(`CREATE STREAM s (k STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		INSERT INTO s (k, n) VALUES ('a', 1);`), true)
	if code != 200 || !strings.Contains(body, `"commandId":"stream/`+"`S`"+`/create"`) {
		t.Fatalf("CREATE: %d %s", code, body)
	}
	code, body = post("/query-stream", queryBody("sql", "SELECT k, n FROM s EMIT CHANGES LIMIT 1;"), true)
	if code != 200 || !strings.HasSuffix(body, "\n[\"a\",1]\n") {
		t.Fatalf("query-stream: %d %q", code, body)
	}

	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/info", nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ksqlServiceId":"proc_"`) {
		t.Errorf("/info: %d %s", resp.StatusCode, b)
	}

	// The embedded broker is exposed to other Kafka clients.
	conn, err := net.DialTimeout("tcp", broker, 10*time.Second)
	if err != nil {
		t.Errorf("broker at %s: %v", broker, err)
	} else {
		conn.Close()
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "sluice server: stopped") {
		t.Errorf("no clean-stop message; stderr:\n%s", stderr.String())
	}
}
