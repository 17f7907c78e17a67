package planner_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// TestGolden plans every statement block of testdata/*.sql and compares the
// logical plan and topology (or the error) with testdata/*.golden. Blocks are
// separated by blank lines; CREATE statements over topics set up the catalog.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.sql")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := runFile(t, string(in))
			golden := strings.TrimSuffix(f, ".sql") + ".golden"
			if *rewrite {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -rewrite to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -rewrite after checking):\n%s", golden, got)
			}
		})
	}
}

func runFile(t *testing.T, text string) string {
	cat := catalog.New()
	var out strings.Builder
	stmts, err := parser.Parse(text)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for i, st := range stmts {
		out.WriteString("> " + strings.Join(strings.Fields(st.SourceText()), " ") + "\n")
		out.WriteString(plan(cat, st, i) + "\n")
	}
	return out.String()
}

func plan(cat *catalog.Catalog, st ast.Statement, i int) string {
	d := planner.Defaults{KeyFormat: "KAFKA"}
	switch st := st.(type) {
	case *ast.CreateSource:
		if st.AsSelect == nil {
			src, _, err := planner.PlanCreateSource(st, d)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			src.Partitions = 1
			if err := cat.AddSource(src, false); err != nil {
				return "error: " + err.Error() + "\n"
			}
			return "source " + src.Name + ": " + src.Schema.String("KEY") + "\n"
		}
		p, err := planner.PlanQuery(cat, st.AsSelect, planner.QueryOptions{
			QueryID: "CSAS_" + st.Name + "_" + itoa(i), Kind: planner.Persistent, Create: st, Defaults: d})
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		_ = cat.AddSource(p.Sink, false)
		return explain(p)
	case *ast.Query:
		p, err := planner.PlanQuery(cat, st, planner.QueryOptions{QueryID: "transient_" + itoa(i), Kind: planner.Push, Defaults: d})
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return explain(p)
	}
	return "(not planned)\n"
}

func explain(p *planner.Plan) string {
	return planner.ExplainLogical(p.Logical) + p.Topology.String()
}

func itoa(i int) string {
	return strings.TrimLeft(string(rune('0'+i/10))+string(rune('0'+i%10)), "0")
}
