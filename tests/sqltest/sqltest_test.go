package sqltest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/sql/ast"
)

const sample = `-- header comment; ignored
CREATE STREAM ignored;

--------------------------------------------
--@test: first case
--------------------------------------------
CREATE STREAM a (v STRING) WITH (kafka_topic='a', value_format='JSON');
INSERT INTO a (v) VALUES ('x;y');

--@test: second case

--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: does not exist
-------------------
CREATE STREAM b AS SELECT * FROM missing;
--@test: no terminator
SHOW STREAMS
`

func TestParse(t *testing.T) {
	cases, err := Parse("sample.sql", sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("got %d cases, want 3", len(cases))
	}
	c := cases[0]
	if c.Name != "first case" || c.Line != 5 || c.ExpectsError() {
		t.Errorf("case 0 = %+v", c)
	}
	st := c.Statements()
	if len(st) != 2 || st[0].Line != 7 || st[1].Line != 8 || st[1].Text != "INSERT INTO a (v) VALUES ('x;y');" {
		t.Errorf("case 0 statements = %+v", st)
	}
	c = cases[1]
	if c.ExpectedError != "io.confluent.ksql.util.KsqlException" || c.ExpectedMessage != "does not exist" {
		t.Errorf("case 1 directives = %q %q", c.ExpectedError, c.ExpectedMessage)
	}
	if st := c.Statements(); len(st) != 1 || st[0].Line != 15 {
		t.Errorf("case 1 statements = %+v", st)
	}
	if st := cases[2].Statements(); len(st) != 1 || st[0].Text != "SHOW STREAMS" || st[0].Line != 17 {
		t.Errorf("case 2 statements = %+v", st)
	}
	if _, err := Parse("x.sql", "--@test:\nSELECT 1;"); err == nil {
		t.Error("a nameless --@test was accepted")
	}
}

// TestParseCorpus parses ksqlDB's own sql-tests: every file must split into
// cases, and every case into at least one statement.
func TestParseCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/conformance/ksql/sqltests/*.sql")
	more, _ := filepath.Glob("../../../shared/conformance/ksql/sqltests/*/*.sql")
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("conformance corpus not found beside the repository")
	}
	total := 0
	for _, f := range files {
		cases, err := ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if len(c.Statements()) == 0 {
				// Upstream has one case header directly followed by another;
				// an empty case simply passes.
				t.Logf("%s:%d %s: no statements", f, c.Line, c.Name)
			}
			if (c.ExpectedError == "") != (c.ExpectedMessage == "") {
				t.Errorf("%s:%d %s: only one of the expected directives", f, c.Line, c.Name)
			}
		}
		total += len(cases)
	}
	if total < 81 {
		t.Errorf("parsed %d cases from the corpus, want at least 81", total)
	}
}

// scriptedEngine fails statements that contain a key of errs with that error.
type scriptedEngine struct {
	errs   map[string]error
	hang   bool
	closed *int
}

func (e *scriptedEngine) Execute(ctx context.Context, s *exec.Session, sql string) ([]exec.Result, error) {
	if e.hang {
		<-make(chan struct{}) // ignores ctx on purpose
	}
	for k, err := range e.errs {
		if strings.Contains(sql, k) {
			return nil, err
		}
	}
	return []exec.Result{{Kind: exec.ResultMessage, Message: "ok"}}, nil
}

func (e *scriptedEngine) BrokerAddr() string { return "" }

func (e *scriptedEngine) Close() error {
	if e.closed != nil {
		*e.closed++
	}
	return nil
}

func TestRunner(t *testing.T) {
	notFound := ast.Errorf(ast.CatalogError, ast.Pos{}, "Exception while preparing statement: FOO does not exist.")
	syntax := ast.Errorf(ast.SyntaxError, ast.Pos{Line: 1, Col: 7}, "mismatched input 'FORM'")
	tests := []struct {
		name    string
		src     string
		errs    map[string]error
		want    Status
		wantMsg string
	}{
		{"all succeed", "SHOW STREAMS;", nil, Pass, ""},
		{"unexpected error", "SHOW STREAMS;\nFAILME;", map[string]error{"FAILME": notFound}, Fail, "line 3: unexpected error"},
		{"expected error matches",
			"--@expected.error: io.confluent.ksql.util.KsqlException\n--@expected.message: FOO does not exist\nFAILME;",
			map[string]error{"FAILME": notFound}, Pass, ""},
		{"message mismatch",
			"--@expected.message: something else\nFAILME;",
			map[string]error{"FAILME": notFound}, Fail, "does not contain"},
		{"category mismatch",
			"--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException\n--@expected.message: does not exist\nFAILME;",
			map[string]error{"FAILME": notFound}, Fail, "category catalog"},
		{"syntax error class",
			"--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException\n--@expected.message: line 1:7: mismatched input\nFAILME;",
			map[string]error{"FAILME": syntax}, Pass, ""},
		{"uncategorised error: message decides",
			"--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException\n--@expected.message: boom\nFAILME;",
			map[string]error{"FAILME": errors.New("boom")}, Pass, ""},
		{"wrapped error keeps its category",
			"--@expected.error: java.lang.AssertionError\n--@expected.message: Expected record\nFAILME;",
			map[string]error{"FAILME": fmt.Errorf("assert: %w", ast.Errorf(ast.AssertError, ast.Pos{}, "Expected record does not match actual"))}, Pass, ""},
		{"expected error never raised",
			"--@expected.error: io.confluent.ksql.util.KsqlException\n--@expected.message: x\nSHOW STREAMS;",
			nil, Fail, "every statement succeeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cases, err := Parse("t.sql", "--@test: "+tc.name+"\n"+tc.src+"\n")
			if err != nil {
				t.Fatal(err)
			}
			closed := 0
			r := &Runner{NewEngine: func(context.Context) (Engine, error) {
				return &scriptedEngine{errs: tc.errs, closed: &closed}, nil
			}}
			o := r.Run(context.Background(), cases[0])
			if o.Status != tc.want || !strings.Contains(o.Detail, tc.wantMsg) {
				t.Errorf("got %v %q, want %v containing %q", o.Status, o.Detail, tc.want, tc.wantMsg)
			}
			if closed != 1 {
				t.Errorf("engine closed %d times", closed)
			}
		})
	}
}

func TestRunnerTimeout(t *testing.T) {
	cases, _ := Parse("t.sql", "--@test: hangs\nSHOW STREAMS;\n")
	r := &Runner{
		Timeout:   50 * time.Millisecond,
		NewEngine: func(context.Context) (Engine, error) { return &scriptedEngine{hang: true}, nil },
	}
	o := r.Run(context.Background(), cases[0])
	if o.Status != Fail || !strings.Contains(o.Detail, "timed out") {
		t.Errorf("got %v %q", o.Status, o.Detail)
	}
}

func TestRunFiles(t *testing.T) {
	src := "--@test: good\nSHOW STREAMS;\n--@test: bad one\nFAILME;\n--@test: other\nSHOW STREAMS;\n"
	path := filepath.Join(t.TempDir(), "f.sql")
	if err := writeFile(path, src); err != nil {
		t.Fatal(err)
	}
	r := &Runner{NewEngine: func(context.Context) (Engine, error) {
		return &scriptedEngine{errs: map[string]error{"FAILME": errors.New("boom")}}, nil
	}}
	var out strings.Builder
	f, err := NewFilter("good|bad")
	if err != nil {
		t.Fatal(err)
	}
	sum := RunFiles(context.Background(), &out, []string{path, filepath.Join(t.TempDir(), "missing.sql")}, Options{Runner: r, Filter: f})
	if sum.Passed != 1 || sum.Failed != 2 {
		t.Errorf("summary %+v", sum)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[2] != "1 passed, 2 failed" ||
		lines[0] != "FAIL "+path+":3: bad one: line 4: unexpected error: boom" ||
		!strings.HasPrefix(lines[1], "FAIL ") {
		t.Errorf("output:\n%s", out.String())
	}
	if _, err := NewFilter("("); err == nil {
		t.Error("bad pattern accepted")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

func TestTopicToCreate(t *testing.T) {
	for stmt, want := range map[string]string{
		"CREATE STREAM foo (id INT KEY) WITH (kafka_topic='foo', value_format='JSON');":               "foo",
		"create or replace table t (id INT PRIMARY KEY) with (KAFKA_TOPIC = 'it''s', format='JSON');": "it's",
		"CREATE SOURCE TABLE t (id INT PRIMARY KEY) WITH (kafka_topic='t', value_format='JSON');":     "t",
		"CREATE STREAM foo (id INT KEY) WITH (kafka_topic='foo', value_format='JSON', partitions=4);": "",
		"CREATE STREAM bar WITH (kafka_topic='bar') AS SELECT * FROM foo;":                            "",
		"INSERT INTO foo (id) VALUES (1);":                                                            "",
		"CREATE STREAM foo (id INT KEY) WITH (value_format='JSON');":                                  "",
	} {
		if got := topicToCreate(stmt); got != want {
			t.Errorf("topicToCreate(%q) = %q, want %q", stmt, got, want)
		}
	}
}
