// Package sqltest runs SQL regression files in ksqlDB's sql-tests format:
// cases separated by "--@test: name" lines, each a list of statements run in
// order on a fresh engine, optionally expecting an error declared with
// "--@expected.error: <class>" and "--@expected.message: <substring>".
//
// The engine itself implements INSERT, ASSERT VALUES, ASSERT NULL VALUES,
// ASSERT STREAM|TABLE and RUN SCRIPT as statements, so the runner only
// executes statements and judges the errors they return.
package sqltest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/shell"
	"github.com/sluicedb/sluice/sql/ast"
)

// Case is one "--@test:" section of a file.
type Case struct {
	Name string
	File string
	Line int // 1-based line of the --@test directive
	// Body is the case's text after the --@test line, directives included
	// (they are comments to SQL).
	Body string
	// bodyLine is the file line on which Body starts.
	bodyLine int
	// ExpectedError is the ksqlDB exception class, "" when none is expected.
	ExpectedError string
	// ExpectedMessage must be a substring of the error's message.
	ExpectedMessage string
}

// ExpectsError reports whether the case must fail.
func (c Case) ExpectsError() bool { return c.ExpectedError != "" || c.ExpectedMessage != "" }

// Statement is one statement of a case with its line in the file.
type Statement struct {
	Text string
	Line int
}

// Statements splits the case body into statements.
func (c Case) Statements() []Statement {
	stmts, rest := shell.Split(c.Body)
	out := make([]Statement, 0, len(stmts)+1)
	for _, s := range stmts {
		out = append(out, Statement{Text: s.Text, Line: c.bodyLine + strings.Count(c.Body[:s.Offset], "\n")})
	}
	if rest != "" {
		// A last statement without ';' still runs, as ksqlDB's runner does.
		off := strings.LastIndex(c.Body, rest)
		out = append(out, Statement{Text: rest, Line: c.bodyLine + strings.Count(c.Body[:max(off, 0)], "\n")})
	}
	return out
}

const (
	testDirective    = "--@test:"
	errorDirective   = "--@expected.error:"
	messageDirective = "--@expected.message:"
)

// Parse splits the text of a regression file into cases. Text before the
// first --@test line is a file header and is ignored.
func Parse(file, src string) ([]Case, error) {
	var cases []Case
	var cur *Case
	var body strings.Builder
	flush := func() {
		if cur != nil {
			cur.Body = body.String()
			cases = append(cases, *cur)
		}
		body.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case strings.HasPrefix(trimmed, testDirective):
			flush()
			name := strings.TrimSpace(strings.TrimPrefix(trimmed, testDirective))
			if name == "" {
				return nil, fmt.Errorf("%s:%d: --@test without a name", file, line)
			}
			cur = &Case{Name: name, File: file, Line: line, bodyLine: line + 1}
			continue
		case strings.HasPrefix(trimmed, errorDirective) && cur != nil:
			cur.ExpectedError = strings.TrimSpace(strings.TrimPrefix(trimmed, errorDirective))
		case strings.HasPrefix(trimmed, messageDirective) && cur != nil:
			cur.ExpectedMessage = strings.TrimSpace(strings.TrimPrefix(trimmed, messageDirective))
		}
		if cur != nil {
			body.WriteString(text)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	flush()
	return cases, nil
}

// ParseFile reads and parses one regression file.
func ParseFile(path string) ([]Case, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(b))
}

// Engine is what a case runs on; *exec.Engine implements it.
type Engine interface {
	Execute(ctx context.Context, s *exec.Session, sql string) ([]exec.Result, error)
	// BrokerAddr is the embedded broker's address, where the runner creates
	// the topics that CREATE statements without PARTITIONS expect ("" to
	// create none).
	BrokerAddr() string
	Close() error
}

var _ Engine = (*exec.Engine)(nil)

// NewEphemeralEngine starts an engine on an in-process broker with throwaway
// state: what every case gets by default.
func NewEphemeralEngine(ctx context.Context) (Engine, error) {
	return exec.NewEngine(ctx, exec.Config{Ephemeral: true, Properties: noRecordCache})
}

// DefaultTimeout bounds one case, so that a hang is a failure and not a
// stuck run.
const DefaultTimeout = 30 * time.Second

// Runner runs cases.
type Runner struct {
	// NewEngine makes the engine of one case; nil means NewEphemeralEngine.
	NewEngine func(ctx context.Context) (Engine, error)
	// Timeout bounds one case, engine start and close included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
}

// Status is the verdict on one case.
type Status int

const (
	Pass Status = iota
	Fail
	// Skip: the engine does not implement something the case uses yet.
	Skip
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	}
	return "SKIP"
}

// Outcome is the result of running one case.
type Outcome struct {
	Case   Case
	Status Status
	// Detail says why the case failed or was skipped.
	Detail   string
	Duration time.Duration
}

// Run runs one case on a fresh engine and session.
// srFormat finds formats that need a schema registry, which Sluice does not
// have yet: such cases are skipped with that reason, as the QTT runner does.
var srFormat = regexp.MustCompile(`(?i)format\s*=\s*'(AVRO|PROTOBUF|PROTOBUF_NOSR|JSON_SR)'`)

func (r *Runner) Run(ctx context.Context, c Case) Outcome {
	for _, st := range c.Statements() {
		if m := srFormat.FindStringSubmatch(st.Text); m != nil {
			return Outcome{Case: c, Status: Skip, Detail: fmt.Sprintf("line %d: needs schema registry (%s)", st.Line, strings.ToUpper(m[1]))}
		}
	}
	start := time.Now()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	done := make(chan Outcome, 1)
	go func() { done <- r.run(ctx, c) }()
	var o Outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		// The engine ignored the context; leave its goroutine behind rather
		// than hang the whole run.
		o = Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("timed out after %v", timeout)}
	}
	o.Duration = time.Since(start)
	return o
}

func (r *Runner) run(ctx context.Context, c Case) Outcome {
	newEngine := r.NewEngine
	if newEngine == nil {
		newEngine = NewEphemeralEngine
	}
	eng, err := newEngine(ctx)
	if err != nil {
		return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("starting engine: %v", err)}
	}
	o := r.execute(ctx, eng, c)
	if err := eng.Close(); err != nil && o.Status == Pass {
		o = Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("closing engine: %v", err)}
	}
	return o
}

func (r *Runner) execute(ctx context.Context, eng Engine, c Case) Outcome {
	sess := exec.NewSession()
	topics := &topicMaker{addr: eng.BrokerAddr()}
	defer topics.close()
	for _, st := range c.Statements() {
		if topic := topicToCreate(st.Text); topic != "" {
			if err := topics.ensure(ctx, topic); err != nil {
				return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("line %d: %v", st.Line, err)}
			}
		}
		results, err := eng.Execute(ctx, sess, st.Text)
		for _, res := range results {
			// A case never reads a push query's rows; stop it so that it
			// does not outlive the statement.
			if res.Kind == exec.ResultStream && res.Cancel != nil {
				res.Cancel()
			}
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("line %d: %v", st.Line, err)}
		}
		if !c.ExpectsError() {
			return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("line %d: unexpected error: %v", st.Line, err)}
		}
		if why := mismatch(c, err); why != "" {
			return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("line %d: %s", st.Line, why)}
		}
		return Outcome{Case: c, Status: Pass}
	}
	if c.ExpectsError() {
		return Outcome{Case: c, Status: Fail, Detail: fmt.Sprintf("expected error %s %q, but every statement succeeded",
			c.ExpectedError, c.ExpectedMessage)}
	}
	return Outcome{Case: c, Status: Pass}
}

// mismatch explains why err does not match the case's expectation, or
// returns "" when it does.
func mismatch(c Case, err error) string {
	msg := err.Error()
	if c.ExpectedMessage != "" && !strings.Contains(msg, c.ExpectedMessage) {
		return fmt.Sprintf("error %q does not contain expected message %q", msg, c.ExpectedMessage)
	}
	var ae *ast.Error
	if c.ExpectedError == "" || !errors.As(err, &ae) {
		return "" // no category to compare: the message decides
	}
	cats, known := Categories(c.ExpectedError)
	if !known {
		return ""
	}
	for _, cat := range cats {
		if ae.Category == cat {
			return ""
		}
	}
	return fmt.Sprintf("error %q has category %s, which does not match expected %s", msg, CategoryName(ae.Category), c.ExpectedError)
}

// errorClasses maps ksqlDB exception classes (the simple name of the class
// a test expects) to the Sluice error categories that satisfy them. It is
// the one such table: the QTT/RQTT runner (tests/conformance) uses it too,
// through Categories. It is loose on purpose: ksqlDB's class says where an
// error was raised more than what kind it is (KsqlStatementException wraps
// every statement-time failure, KsqlException nearly anything), so a class
// accepts every category it is seen carrying in the corpora. The message
// substring is always checked as well.
var errorClasses = map[string][]ast.Category{
	"ParseFailedException":             {ast.SyntaxError},
	"KsqlStatementException":           {ast.SyntaxError, ast.SemanticError, ast.CatalogError, ast.KafkaError},
	"KsqlException":                    {ast.SyntaxError, ast.SemanticError, ast.CatalogError, ast.KafkaError, ast.RuntimeError, ast.AssertError},
	"StreamsException":                 {ast.RuntimeError, ast.KafkaError},
	"KsqlTopicAuthorizationException":  {ast.KafkaError},
	"KsqlSchemaAuthorizationException": {ast.KafkaError},
	"KsqlFunctionException":            {ast.RuntimeError, ast.SemanticError},
	"AssertionError":                   {ast.AssertError},
}

// Categories returns the error categories that satisfy a ksqlDB exception
// class (full or simple name); known is false for a class not in the table,
// which any category satisfies.
func Categories(class string) (cats []ast.Category, known bool) {
	cats, known = errorClasses[ShortClass(class)]
	return cats, known
}

// ShortClass drops the Java package: io.confluent.ksql.util.KsqlException ->
// KsqlException.
func ShortClass(class string) string {
	if i := strings.LastIndexByte(class, '.'); i >= 0 {
		return class[i+1:]
	}
	return class
}

// CategoryName names an error category for messages.
func CategoryName(c ast.Category) string {
	switch c {
	case ast.SyntaxError:
		return "syntax"
	case ast.SemanticError:
		return "semantic"
	case ast.CatalogError:
		return "catalog"
	case ast.KafkaError:
		return "kafka"
	case ast.RuntimeError:
		return "runtime"
	case ast.AssertError:
		return "assert"
	}
	return fmt.Sprintf("category(%d)", int(c))
}

// Filter selects cases by name; a nil Filter selects all.
type Filter struct{ re *regexp.Regexp }

// NewFilter compiles a case-name filter; "" selects all.
func NewFilter(expr string) (*Filter, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("bad -run pattern: %w", err)
	}
	return &Filter{re: re}, nil
}

// Match reports whether the case is selected.
func (f *Filter) Match(c Case) bool { return f == nil || f.re.MatchString(c.Name) }

// noRecordCache makes aggregations emit every update, as ksqlDB's test
// driver does (cache.max.bytes.buffering=0): expected outputs list them all.
var noRecordCache = map[string]string{"cache.max.bytes.buffering": "0"}
