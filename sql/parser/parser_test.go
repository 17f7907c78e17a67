package parser

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

var rewrite = flag.Bool("rewrite", false, "regenerate golden files under testdata/")

// A golden file is a list of cases:
//
//	<directive>
//	<input lines>
//	----
//	<expected output lines>
//	<blank line>
//
// Directives: parse (statements; output is the AST, the canonical format
// and the round trip), expr, type, split. Lines starting with # between
// cases are comments.
type goldenCase struct {
	directive string
	input     string
	expected  string
	line      int
}

func readGolden(t *testing.T, path string) (cases []goldenCase, comments map[int][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	comments = map[int][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lineNo := 0
	var cur *goldenCase
	var in, out []string
	state := 0 // 0 between cases, 1 input, 2 output
	flush := func() {
		if cur != nil {
			cur.input = strings.Join(in, "\n")
			cur.expected = strings.Join(out, "\n")
			cases = append(cases, *cur)
		}
		cur, in, out, state = nil, nil, nil, 0
	}
	for sc.Scan() {
		lineNo++
		l := sc.Text()
		switch state {
		case 0:
			if strings.TrimSpace(l) == "" {
				continue
			}
			if strings.HasPrefix(l, "#") {
				comments[len(cases)] = append(comments[len(cases)], l)
				continue
			}
			cur = &goldenCase{directive: strings.TrimSpace(l), line: lineNo}
			state = 1
		case 1:
			if l == "----" {
				state = 2
				continue
			}
			in = append(in, l)
		case 2:
			if l == "" {
				flush()
				continue
			}
			out = append(out, l)
		}
	}
	if state == 1 {
		t.Fatalf("%s:%d: case without ----", path, cur.line)
	}
	flush()
	return cases, comments
}

func writeGolden(t *testing.T, path string, cases []goldenCase, comments map[int][]string) {
	var b strings.Builder
	for i, c := range cases {
		for _, l := range comments[i] {
			b.WriteString(l + "\n")
		}
		b.WriteString(c.directive + "\n" + c.input + "\n----\n" + c.expected + "\n\n")
	}
	for _, l := range comments[len(cases)] {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func errText(err error) string {
	var e *ast.Error
	if errors.As(err, &e) {
		cat := [...]string{"SyntaxError", "SemanticError", "CatalogError", "KafkaError", "RuntimeError", "AssertError"}[e.Category]
		return "error (" + cat + "): " + strings.ReplaceAll(e.Error(), "\n", "\\n")
	}
	return "error (untyped): " + err.Error()
}

// runCase returns the output of one case.
func runCase(t *testing.T, c goldenCase) string {
	switch c.directive {
	case "parse":
		stmts, err := Parse(c.input)
		if err != nil {
			return errText(err)
		}
		var out []string
		for _, s := range stmts {
			out = append(out, dump(s, true), "format: "+ast.Format(s))
			if msg := roundTrip(s); msg != "" {
				t.Errorf("line %d: %s", c.line, msg)
			}
		}
		return strings.Join(out, "\n")
	case "expr":
		e, err := ParseExpr(c.input)
		if err != nil {
			return errText(err)
		}
		out := dump(e, true) + "\nformat: " + ast.FormatExpr(e)
		e2, err := ParseExpr(ast.FormatExpr(e))
		if err != nil {
			t.Errorf("line %d: formatted expression does not parse: %v", c.line, err)
		} else if a, b := dump(e, false), dump(e2, false); a != b {
			t.Errorf("line %d: round trip differs:\n%s\nvs\n%s", c.line, a, b)
		}
		return out
	case "type":
		typ, err := ParseType(c.input)
		if err != nil {
			return errText(err)
		}
		return typ.String()
	case "split":
		stmts, rest := SplitStatements(strings.ReplaceAll(c.input, `\n`, "\n"))
		var out []string
		for _, s := range stmts {
			out = append(out, fmt.Sprintf("stmt: %q", s))
		}
		return strings.Join(append(out, fmt.Sprintf("rest: %q", rest)), "\n")
	}
	t.Fatalf("line %d: unknown directive %q", c.line, c.directive)
	return ""
}

// roundTrip checks that Parse(Format(s)) gives the same tree as s.
func roundTrip(s ast.Statement) string {
	text := ast.Format(s)
	again, err := Parse(text)
	if err != nil {
		return fmt.Sprintf("formatted statement does not parse: %v\n%s", err, text)
	}
	if len(again) != 1 {
		return fmt.Sprintf("formatted statement parses as %d statements: %s", len(again), text)
	}
	if a, b := dump(s, false), dump(again[0], false); a != b {
		return fmt.Sprintf("round trip differs for %s:\n%s\nvs\n%s", text, a, b)
	}
	return ""
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases, comments := readGolden(t, path)
			for i := range cases {
				got := runCase(t, cases[i])
				if *rewrite {
					cases[i].expected = got
				} else if got != cases[i].expected {
					t.Errorf("%s:%d:\n%s\n---- got:\n%s\n---- want:\n%s", path, cases[i].line, cases[i].input, got, cases[i].expected)
				}
			}
			if *rewrite {
				writeGolden(t, path, cases, comments)
			}
		})
	}
}
