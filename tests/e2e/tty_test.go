package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// term drives sluice in a tmux pane, a real pseudo-terminal, on a private
// tmux server so that it never touches the user's sessions.
type term struct {
	t      *testing.T
	socket string
	env    []string
	exit   string // the file that receives sluice's exit code
}

func newTerm(t *testing.T, args ...string) *term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (make deps installs it): skipping the terminal tests")
	}
	home := t.TempDir()
	x := &term{
		t:      t,
		socket: fmt.Sprintf("sluice-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()),
		env:    testEnv(home),
		exit:   filepath.Join(home, "exit-code"),
	}
	// A shell records sluice's exit code in a file: tmux's own
	// #{pane_dead_status} is sometimes never filled in. The shell ignores
	// SIGINT so that Ctrl-C reaches only sluice, which re-enables it for
	// itself (os/signal.Notify does so for an inherited ignored SIGINT).
	quoted := []string{shQuote(sluiceBin)}
	for _, a := range args {
		quoted = append(quoted, shQuote(a))
	}
	script := fmt.Sprintf("trap '' INT; %s; echo $? > %s", strings.Join(quoted, " "), shQuote(x.exit))
	x.tmux("-f", "/dev/null", "start-server", ";",
		"set-option", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-s", "main", "-x", "160", "-y", "50", "sh", "-c", script)
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })
	return x
}

func (x *term) cmd(args ...string) *exec.Cmd {
	c := exec.Command("tmux", append([]string{"-L", x.socket}, args...)...)
	c.Env = x.env
	return c
}

func (x *term) tmux(args ...string) string {
	x.t.Helper()
	out, err := x.cmd(args...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// typeText types s literally. A ';' at the end of a tmux argument separates
// tmux commands, so semicolons go as their own escaped argument.
func (x *term) typeText(s string) {
	x.t.Helper()
	parts := strings.Split(s, ";")
	for i, p := range parts {
		if p != "" {
			x.tmux("send-keys", "-t", "main", "-l", p)
		}
		if i < len(parts)-1 {
			x.tmux("send-keys", "-t", "main", `\;`)
		}
	}
}

func (x *term) key(k string) { x.t.Helper(); x.tmux("send-keys", "-t", "main", k) }

func (x *term) screen() string {
	x.t.Helper()
	return x.tmux("capture-pane", "-p", "-t", "main", "-S", "-500")
}

// waitScreen waits until cond holds for the screen.
func (x *term) waitScreen(what string, cond func(string) bool) string {
	x.t.Helper()
	var s string
	end := time.Now().Add(60 * time.Second)
	for {
		s = x.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(end) {
			x.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (x *term) waitPrompts(n int) string {
	x.t.Helper()
	return x.waitScreen(fmt.Sprintf("%d prompts", n), func(s string) bool {
		return strings.Count(s, "sluice>") >= n
	})
}

// waitExit waits for sluice to leave and returns its exit code.
func (x *term) waitExit() string {
	x.t.Helper()
	var code string
	waitFor(x.t, 60*time.Second, "sluice to exit", func() bool {
		b, err := os.ReadFile(x.exit)
		code = strings.TrimSpace(string(b))
		return err == nil && code != ""
	})
	return code
}

// TestTerminalEditing checks the parts of the REPL that need no engine: the
// prompt, a statement over several lines, Ctrl-C clearing the line, and
// Ctrl-D leaving with exit code 0.
func TestTerminalEditing(t *testing.T) {
	x := newTerm(t, "--ephemeral", "--history", filepath.Join(t.TempDir(), "hist"))
	x.waitPrompts(1)

	x.typeText("SHOW")
	x.key("Enter")
	x.waitScreen("continuation prompt", func(s string) bool { return strings.Contains(s, "     ->") })
	x.typeText("  STREAMS;")
	x.key("Enter")
	x.waitPrompts(2)

	x.typeText("SELECT half typed")
	x.key("C-c")
	s := x.waitPrompts(3)
	if !strings.Contains(s, "^C") {
		t.Errorf("Ctrl-C did not show ^C:\n%s", s)
	}
	// The cleared text must not leak into the next statement.
	x.typeText("SHOW TABLES;")
	x.key("Enter")
	s = x.waitPrompts(4)
	if strings.Contains(s, "half typedSHOW") || strings.Contains(s, "half typed SHOW") {
		t.Errorf("Ctrl-C did not clear the line:\n%s", s)
	}

	x.key("C-d")
	if code := x.waitExit(); code != "0" {
		t.Errorf("exit code after Ctrl-D = %s, want 0; screen:\n%s", code, x.screen())
	}
}

// TestTerminalPushQueryCancel checks that Ctrl-C stops a push query and
// leaves the shell usable, and that exit leaves.
func TestTerminalPushQueryCancel(t *testing.T) {
	x := newTerm(t, "--ephemeral", "--history", filepath.Join(t.TempDir(), "hist"))
	x.waitPrompts(1)

	x.typeText("CREATE STREAM s (v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	x.key("Enter")
	x.waitPrompts(2)
	x.typeText("INSERT INTO s (v) VALUES ('first');")
	x.key("Enter")
	x.waitPrompts(3)
	x.typeText("SET 'auto.offset.reset'='earliest';")
	x.key("Enter")
	x.waitPrompts(4)

	x.typeText("SELECT v FROM s EMIT CHANGES;")
	x.key("Enter")
	x.waitScreen("the pushed row", func(s string) bool { return strings.Contains(s, "|first ") })
	x.key("C-c")
	x.waitScreen("Query terminated", func(s string) bool { return strings.Contains(s, "Query terminated") })
	x.waitPrompts(5)

	// Still alive: another statement runs.
	x.typeText("SHOW STREAMS;")
	x.key("Enter")
	x.waitScreen("SHOW STREAMS output", func(s string) bool {
		i := strings.LastIndex(s, "SHOW STREAMS;")
		return i >= 0 && strings.Contains(s[i:], "S ") && strings.Count(s, "sluice>") >= 6
	})

	x.typeText("exit")
	x.key("Enter")
	if code := x.waitExit(); code != "0" {
		t.Errorf("exit code after exit = %s, want 0; screen:\n%s", code, x.screen())
	}
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestTerminalRemoteShell drives `sluice shell --server URL` in a terminal
// against a `sluice server` process: statements, a pull query, and a push
// query that Ctrl-C stops (the shell closes it on the server) while the
// shell stays usable.
func TestTerminalRemoteShell(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := startSluice(t, "server", "--ephemeral", "--listen", addr)
	srv.waitOutput(t, "Server listening on", 30*time.Second)
	x := newTerm(t, "shell", "--server", "http://"+addr, "--history", filepath.Join(t.TempDir(), "hist"))
	prompts := 1
	x.waitPrompts(prompts)
	run := func(stmt string) string {
		t.Helper()
		x.typeText(stmt)
		x.key("Enter")
		prompts++
		return x.waitPrompts(prompts)
	}

	run("CREATE STREAM s (v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);")
	run("INSERT INTO s (v) VALUES ('first');")
	run("SET 'auto.offset.reset'='earliest';")
	if s := run("CREATE TABLE counts AS SELECT v, COUNT(*) AS n FROM s GROUP BY v EMIT CHANGES;"); !strings.Contains(s, "Created query with ID") {
		t.Fatalf("CREATE TABLE AS over REST:\n%s", s)
	}

	x.typeText("SELECT v FROM s EMIT CHANGES;")
	x.key("Enter")
	x.waitScreen("the pushed row", func(s string) bool { return strings.Contains(s, "|first ") })
	x.key("C-c")
	x.waitScreen("Query terminated", func(s string) bool { return strings.Contains(s, "Query terminated") })
	prompts++
	x.waitPrompts(prompts)

	// The table fills asynchronously: ask until the row is there.
	const pull = "SELECT v, n FROM counts WHERE v='first';"
	waitFor(t, 30*time.Second, "the pull query to find the row", func() bool {
		s := run(pull)
		out := s[strings.LastIndex(s, pull):]
		return strings.Contains(out, "|first ") && strings.Contains(out, "|1 ")
	})

	x.typeText("exit")
	x.key("Enter")
	if code := x.waitExit(); code != "0" {
		t.Errorf("exit code after exit = %s, want 0; screen:\n%s", code, x.screen())
	}
	srv.stop(t, syscall.SIGTERM, 30*time.Second)
}
