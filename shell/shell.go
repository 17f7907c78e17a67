// Package shell is Sluice's REPL: it reads statements (interactively through
// readline, or from a script), runs them on an engine and renders the results
// as ksqlDB's CLI does. It knows the engine only through the Executor
// interface, so it can sit in front of an in-process engine or a remote one.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/chzyer/readline"

	"github.com/sluicedb/sluice/exec"
)

// Executor runs statements; *exec.Engine implements it.
type Executor interface {
	Execute(ctx context.Context, s *exec.Session, sql string) ([]exec.Result, error)
}

var _ Executor = (*exec.Engine)(nil)

// Shell runs statements against an Executor and renders their results.
// A Shell is not safe for concurrent use.
type Shell struct {
	exec    Executor
	session *exec.Session
	// Out receives results; Err receives error messages. They may be the same.
	Out io.Writer
	Err io.Writer

	mu     sync.Mutex
	cancel func() // cancels what is running now; guarded by mu
}

// New returns a shell with a fresh session writing to out and errOut.
func New(e Executor, out, errOut io.Writer) *Shell {
	return &Shell{exec: e, session: exec.NewSession(), Out: out, Err: errOut}
}

// Session is the shell's session (SET/UNSET properties live there).
func (s *Shell) Session() *exec.Session { return s.session }

// Messages printed at the end of a push query, as ksqlDB's CLI prints them.
const (
	msgLimitReached = "Limit Reached"
	msgTerminated   = "Query terminated"
)

// Run executes one complete statement and renders its results. The returned
// error has already been printed to Err; it is returned so that callers can
// count failures.
func (s *Shell) Run(ctx context.Context, stmt string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.setCancel(cancel)
	defer s.setCancel(nil)

	results, err := s.exec.Execute(ctx, s.session, stmt)
	for i := range results {
		if rerr := s.render(ctx, &results[i]); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		fmt.Fprintln(s.Err, errorText(err))
	}
	return err
}

func errorText(err error) string {
	if errors.Is(err, context.Canceled) {
		return "Statement cancelled"
	}
	return err.Error()
}

func (s *Shell) setCancel(f func()) {
	s.mu.Lock()
	s.cancel = f
	s.mu.Unlock()
}

// Interrupt cancels what the shell is running now (a push query or a slow
// statement) and reports whether anything was running. It is what Ctrl-C
// does while a statement runs, and is safe to call from any goroutine.
func (s *Shell) Interrupt() bool {
	s.mu.Lock()
	f := s.cancel
	s.mu.Unlock()
	if f == nil {
		return false
	}
	f()
	return true
}

func (s *Shell) render(ctx context.Context, r *exec.Result) error {
	switch r.Kind {
	case exec.ResultMessage:
		if r.Message != "" {
			fmt.Fprintln(s.Out, r.Message)
		}
		return nil
	case exec.ResultTable:
		if len(r.Columns) == 0 {
			if r.Message != "" {
				fmt.Fprintln(s.Out, r.Message)
			}
			return nil
		}
		if r.Message != "" {
			fmt.Fprintln(s.Out, r.Message)
		}
		if err := RenderTable(s.Out, r.Columns, r.Types, r.Rows); err != nil {
			return err
		}
		return nil
	case exec.ResultStream:
		return s.stream(ctx, r)
	}
	return fmt.Errorf("shell: unknown result kind %d", r.Kind)
}

// stream prints rows as they arrive until the query ends by itself (LIMIT),
// fails, or is cancelled through ctx (Ctrl-C, see Interrupt).
func (s *Shell) stream(ctx context.Context, r *exec.Result) error {
	p := NewStreamPrinter(s.Out, r.Columns, r.Types)
	if err := p.Header(r.Columns); err != nil {
		stop(r)
		return err
	}
	cancelled := false
	rows := r.Stream
	done := ctx.Done()
	for rows != nil {
		select {
		case row, ok := <-rows:
			if !ok {
				rows = nil
				break
			}
			if err := p.Row(row); err != nil {
				stop(r)
				return err
			}
		case <-done:
			// Cancel closes the stream; keep draining so that rows already
			// produced are shown and the query's goroutines can finish.
			cancelled = true
			done = nil
			stop(r)
		}
	}
	if p.Rows() > 0 {
		if err := p.Footer(); err != nil {
			return err
		}
	}
	var err error
	if r.Err != nil {
		err = r.Err()
	}
	switch {
	case cancelled || (err != nil && errors.Is(err, context.Canceled)):
		fmt.Fprintln(s.Out, msgTerminated)
		return nil
	case err != nil:
		return err
	default:
		fmt.Fprintln(s.Out, msgLimitReached)
		return nil
	}
}

func stop(r *exec.Result) {
	if r.Cancel != nil {
		r.Cancel()
	}
}

// isExit reports whether line is one of the shell's own exit commands.
func isExit(line string) bool {
	l := strings.ToLower(strings.TrimSpace(line))
	l = strings.TrimSpace(strings.TrimSuffix(l, ";"))
	return l == "exit" || l == "quit"
}

// RunScript reads statements from r until EOF and runs each as soon as it is
// complete, without prompts. It returns the number of statements that failed.
// An unterminated statement at EOF is run as if it ended with ';'. "exit" or
// "quit" stops reading.
func (s *Shell) RunScript(ctx context.Context, r io.Reader) (failed int, err error) {
	br := bufio.NewReader(r)
	var buf strings.Builder
	for {
		if ctx.Err() != nil {
			return failed, ctx.Err()
		}
		line, rerr := br.ReadString('\n')
		if buf.Len() == 0 && isExit(line) {
			return failed, nil
		}
		buf.WriteString(line)
		stmts, rest := Split(buf.String())
		if len(stmts) > 0 || rest == "" {
			// Keep only the unfinished statement: comments and whitespace
			// between statements are dropped here.
			buf.Reset()
			if rest != "" {
				buf.WriteString(rest)
				buf.WriteByte('\n')
			}
		}
		for _, st := range stmts {
			if s.Run(ctx, st.Text) != nil {
				failed++
			}
			if ctx.Err() != nil {
				return failed, ctx.Err()
			}
		}
		if rerr == io.EOF {
			if rest != "" && !isExit(rest) {
				if s.Run(ctx, rest) != nil {
					failed++
				}
			}
			return failed, nil
		}
		if rerr != nil {
			return failed, fmt.Errorf("reading statements: %w", rerr)
		}
	}
}

// Prompts of the interactive shell.
const (
	Prompt         = "sluice> "
	ContinuePrompt = "     -> "
)

// InteractiveConfig configures RunInteractive.
type InteractiveConfig struct {
	// HistoryFile keeps entered statements across sessions; "" disables it.
	HistoryFile string
	// Banner is printed once before the first prompt.
	Banner string
}

// RunInteractive runs the REPL on the terminal until Ctrl-D, "exit" or
// "quit". Ctrl-C clears the line being typed, or cancels the running
// statement (a push query prints "Query terminated") without leaving.
func (s *Shell) RunInteractive(ctx context.Context, cfg InteractiveConfig) error {
	rl, err := readline.NewEx(&readline.Config{
		Prompt:      Prompt,
		HistoryFile: cfg.HistoryFile,
		// A statement spanning several lines goes into history as one entry.
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		EOFPrompt:              "exit",
	})
	if err != nil {
		return fmt.Errorf("shell: starting line editor: %w", err)
	}
	defer rl.Close()

	// Outside Readline the terminal is in cooked mode, so Ctrl-C during a
	// statement arrives as SIGINT: route it to the running statement instead
	// of letting it end the process.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()
	go func() {
		for range sigs {
			s.Interrupt()
		}
	}()

	if cfg.Banner != "" {
		fmt.Fprintln(s.Out, cfg.Banner)
	}
	var buf strings.Builder
	for {
		if buf.Len() == 0 {
			rl.SetPrompt(Prompt)
		} else {
			rl.SetPrompt(ContinuePrompt)
		}
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			if buf.Len() == 0 && line == "" {
				fmt.Fprintln(s.Out, "(use Ctrl-D or exit to leave)")
			}
			buf.Reset()
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("shell: reading input: %w", err)
		}
		if buf.Len() == 0 && isExit(line) {
			_ = rl.SaveHistory(strings.TrimSpace(line))
			return nil
		}
		if buf.Len() == 0 && strings.TrimSpace(line) == "" {
			continue
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		all := buf.String()
		stmts, rest := Split(all)
		if len(stmts) == 0 && rest != "" {
			continue
		}
		buf.Reset()
		buf.WriteString(rest)
		if len(stmts) == 0 {
			continue // only comments
		}
		_ = rl.SaveHistory(historyEntry(all, rest))
		for _, st := range stmts {
			s.Run(ctx, st.Text)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
}

// historyEntry is the completed part of the buffer, on one line so that it
// can be recalled and edited with the arrow keys.
func historyEntry(all, rest string) string {
	done := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(all), rest))
	return strings.NewReplacer("\r\n", " ", "\n", " ").Replace(done)
}

// IsTerminal reports whether the process talks to a terminal (stdin, and
// stdout or stderr), which is when RunInteractive should be used.
func IsTerminal() bool { return readline.DefaultIsTerminal() }
