package shell

import (
	"reflect"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		stmts []string
		rest  string
	}{
		{"empty", "", nil, ""},
		{"whitespace", "  \n\t ", nil, ""},
		{"one", "SHOW STREAMS;", []string{"SHOW STREAMS;"}, ""},
		{"two on a line", "SHOW STREAMS; SHOW TABLES;", []string{"SHOW STREAMS;", "SHOW TABLES;"}, ""},
		{"unterminated", "SELECT * FROM s", nil, "SELECT * FROM s"},
		{"complete then partial", "SHOW STREAMS;\nSELECT a,\n b", []string{"SHOW STREAMS;"}, "SELECT a,\n b"},
		{"multi-line", "SELECT a,\n  b FROM s\nWHERE x > 1;", []string{"SELECT a,\n  b FROM s\nWHERE x > 1;"}, ""},
		{"semicolon in string", "INSERT INTO s (v) VALUES ('a;b');", []string{"INSERT INTO s (v) VALUES ('a;b');"}, ""},
		{"escaped quote", "INSERT INTO s (v) VALUES ('it''s;');", []string{"INSERT INTO s (v) VALUES ('it''s;');"}, ""},
		{"open string", "INSERT INTO s (v) VALUES ('a;", nil, "INSERT INTO s (v) VALUES ('a;"},
		{"backquoted ident", "SELECT `a;b` FROM s;", []string{"SELECT `a;b` FROM s;"}, ""},
		{"double-quoted ident", `SELECT "a;b" FROM s;`, []string{`SELECT "a;b" FROM s;`}, ""},
		{"line comment", "-- a; comment\nSHOW STREAMS;", []string{"SHOW STREAMS;"}, ""},
		{"comment only", "-- nothing here;\n", nil, ""},
		{"trailing comment", "SHOW STREAMS; -- done;", []string{"SHOW STREAMS;"}, ""},
		{"comment inside", "SELECT a -- x;\nFROM s;", []string{"SELECT a -- x;\nFROM s;"}, ""},
		{"block comment", "/* a; b */ SHOW STREAMS;", []string{"SHOW STREAMS;"}, ""},
		{"block comment inside", "SELECT /* ; */ a FROM s;", []string{"SELECT /* ; */ a FROM s;"}, ""},
		{"open block comment", "/* still typing;", nil, "/* still typing;"},
		{"open block comment after token", "SELECT /* ;", nil, "SELECT /* ;"},
		{"empty statements", ";;SHOW STREAMS;;", []string{"SHOW STREAMS;"}, ""},
		{"dash in expression", "SELECT a-1 FROM s;", []string{"SELECT a-1 FROM s;"}, ""},
		{"arrow", "SELECT s->f FROM s;", []string{"SELECT s->f FROM s;"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stmts, rest := SplitStatements(tc.in)
			if !reflect.DeepEqual(stmts, tc.stmts) || rest != tc.rest {
				t.Errorf("SplitStatements(%q) = %q, %q; want %q, %q", tc.in, stmts, rest, tc.stmts, tc.rest)
			}
			if got := Incomplete(tc.in); got != (tc.rest != "") {
				t.Errorf("Incomplete(%q) = %v", tc.in, got)
			}
		})
	}
}

func TestSplitOffsets(t *testing.T) {
	in := "-- header\nSHOW STREAMS;\n\n  SHOW TABLES;"
	stmts, _ := Split(in)
	if len(stmts) != 2 {
		t.Fatalf("got %d statements", len(stmts))
	}
	for _, s := range stmts {
		if in[s.Offset:s.Offset+len(s.Text)] != s.Text {
			t.Errorf("offset %d does not locate %q", s.Offset, s.Text)
		}
	}
}

// FuzzSplit checks that splitting never panics and never loses or invents
// statement text.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SHOW STREAMS;", "'a;b", "/* x", "-- y\n;", "`q;`;\"r\";"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		stmts, _ := Split(in)
		for _, s := range stmts {
			if s.Offset < 0 || s.Offset+len(s.Text) > len(in) || in[s.Offset:s.Offset+len(s.Text)] != s.Text {
				t.Fatalf("bad statement %+v for %q", s, in)
			}
		}
	})
}
