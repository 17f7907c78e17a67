package parser

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

// FuzzParse checks that no input makes the parser panic (Parse recovers, so
// an "internal parser error" counts as one) and that whatever parses also
// survives a Format round trip. Seeds are the golden inputs.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, path := range files {
		cases, _ := readGolden(&testing.T{}, path)
		for _, c := range cases {
			f.Add(c.input)
		}
	}
	for _, s := range []string{"", ";", "SELECT", "SELECT * FROM s WHERE ((((", "x->", "ARRAY[", "MAP(a:=", "STRUCT(", "(a,b)=>", "CAST(a AS ARRAY<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Parse(sql)
		if err != nil {
			if strings.Contains(err.Error(), "internal") {
				t.Fatalf("Parse(%q): %v", sql, err)
			}
		} else {
			for _, s := range stmts {
				if msg := roundTrip(s); msg != "" {
					t.Fatalf("Parse(%q): %s", sql, msg)
				}
			}
		}
		e, err := ParseExpr(sql)
		if err != nil {
			if strings.Contains(err.Error(), "internal") {
				t.Fatalf("ParseExpr(%q): %v", sql, err)
			}
			return
		}
		text := ast.FormatExpr(e)
		e2, err := ParseExpr(text)
		if err != nil {
			t.Fatalf("ParseExpr(%q) formats as %q, which does not parse: %v", sql, text, err)
		}
		if a, b := dump(e, false), dump(e2, false); a != b {
			t.Fatalf("ParseExpr(%q) round trip through %q differs:\n%s\nvs\n%s", sql, text, a, b)
		}
	})
}
