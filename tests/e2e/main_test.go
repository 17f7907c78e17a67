// Package e2e runs the sluice binary as a separate process: through piped
// stdin, through a pseudo-terminal (tmux), and as a broker plus a headless
// runner talking over the network.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sluiceBin is the binary built once for all tests.
var sluiceBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		sluiceBin = filepath.Join(dir, "sluice")
		build := exec.Command("go", "build", "-o", sluiceBin, "github.com/sluicedb/sluice/cmd/sluice")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building sluice: %v\n", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// testEnv keeps the binary away from the real home directory (history,
// default data dir).
func testEnv(home string) []string {
	env := []string{"HOME=" + home, "TERM=xterm"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "TERM=") {
			env = append(env, kv)
		}
	}
	return env
}

// result is the outcome of one finished sluice process.
type result struct {
	stdout, stderr string
	code           int
}

// runSluice runs sluice to completion with the given stdin, failing the test
// if it does not finish within the deadline.
func runSluice(t *testing.T, deadline time.Duration, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, sluiceBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = testEnv(t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("sluice %s did not finish within %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), deadline, out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running sluice: %v", err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// syncBuffer collects a running process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// proc is a background sluice process.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startSluice(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(sluiceBin, args...), done: make(chan struct{})}
	p.cmd.Env = testEnv(t.TempDir())
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting sluice %v: %v", args, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitOutput waits until the process's stdout or stderr contains want.
func (p *proc) waitOutput(t *testing.T, want string, deadline time.Duration) {
	t.Helper()
	waitFor(t, deadline, fmt.Sprintf("output %q", want), func() bool {
		if p.exited() && !strings.Contains(p.stdout.String()+p.stderr.String(), want) {
			t.Fatalf("sluice exited (%v) before printing %q\nstdout:\n%s\nstderr:\n%s", p.err, want, p.stdout.String(), p.stderr.String())
		}
		return strings.Contains(p.stdout.String(), want) || strings.Contains(p.stderr.String(), want)
	})
}

// stop sends sig and waits for a clean exit.
func (p *proc) stop(t *testing.T, sig os.Signal, deadline time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling sluice: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(deadline):
		t.Fatalf("sluice did not stop within %v after %v\nstderr:\n%s", deadline, sig, p.stderr.String())
	}
	if p.err != nil {
		t.Errorf("sluice exited with %v after %v\nstdout:\n%s\nstderr:\n%s", p.err, sig, p.stdout.String(), p.stderr.String())
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, deadline time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", deadline, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
