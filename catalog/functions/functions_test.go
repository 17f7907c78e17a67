package functions

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files")

func TestListGolden(t *testing.T) {
	var b strings.Builder
	for _, e := range List() {
		f, _ := Lookup(e.Name)
		fmt.Fprintf(&b, "%-22s %-9s %-18s %s\n", e.Name, e.Kind, e.Category, e.Description)
		for _, s := range f.Sigs {
			fmt.Fprintf(&b, "    %s\n", s.Text)
		}
	}
	path := filepath.Join("testdata", "functions.golden")
	if *rewrite {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite)", err)
	}
	if string(want) != b.String() {
		t.Errorf("function listing differs from %s; run go test -rewrite and review the diff", path)
	}
}

func ty(ts ...*types.Type) []Arg {
	out := make([]Arg, len(ts))
	for i, t := range ts {
		out[i] = Arg{Type: t}
	}
	return out
}

func TestResolve(t *testing.T) {
	dec := types.DecimalType
	tests := []struct {
		fn     string
		args   []Arg
		want   string // return type, or error text
		params string // resolved parameter types, when checked
	}{
		{"UCASE", ty(types.TString), "STRING", "STRING"},
		{"ABS", ty(types.TInt), "INTEGER", ""},
		{"ABS", ty(dec(4, 2)), "DECIMAL(4, 2)", ""},
		{"SQRT", ty(types.TInt), "DOUBLE", "DOUBLE"},
		{"ROUND", ty(types.TDouble), "BIGINT", ""},
		{"ROUND", ty(dec(33, 16)), "DECIMAL(18, 0)", ""},
		{"ROUND", ty(dec(33, 16), types.TInt), "DECIMAL(33, 16)", ""},
		{"ROUND", ty(types.TDouble, types.TInt), "DOUBLE", ""},
		{"SUBSTRING", ty(types.TString, types.TInt), "STRING", ""},
		{"SUBSTRING", ty(types.TString, types.TUnknown), "STRING", ""},
		{"SUBSTRING", ty(types.TString, types.TString), "Function 'substring' does not accept parameters (STRING, STRING).", ""},
		{"GREATEST", ty(types.TInt, types.TInt, types.TInt), "INTEGER", ""},
		{"GREATEST", ty(), "Function 'greatest' does not accept parameters ().", ""},
		{"GREATEST", ty(types.TString, types.TInt), "Function 'greatest' does not accept parameters (STRING, INTEGER).", ""},
		{"GREATEST", ty(types.TInt, types.TBigint), "Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT).", ""},
		{"GREATEST", ty(dec(4, 2), dec(10, 0)), "DECIMAL(12, 2)", ""},
		{"COALESCE", ty(types.TUnknown, types.TString), "STRING", ""},
		{"COALESCE", ty(types.TBigint, types.TInt), "BIGINT", "BIGINT, BIGINT"},
		{"ARRAY_CONTAINS", ty(types.ArrayOf(types.TString), types.TString), "BOOLEAN", ""},
		{"ARRAY_CONTAINS", ty(types.ArrayOf(types.TString), types.TInt), "Function 'array_contains' does not accept parameters (ARRAY<STRING>, INTEGER).", ""},
		{"MAP_KEYS", ty(types.MapOf(types.TString, types.TInt)), "ARRAY<STRING>", ""},
		{"COUNT", ty(), "BIGINT", ""},
		{"SUM", ty(types.TBigint), "BIGINT", ""},
		{"COLLECT_LIST", ty(types.TDouble), "ARRAY<DOUBLE>", ""},
		{"EXPLODE", ty(types.ArrayOf(types.TInt)), "INTEGER", ""},
		{"EXPLODE", ty(types.MapOf(types.TString, types.TInt)), "Function 'explode' does not accept parameters (MAP<STRING, INTEGER>).\nValid alternatives are:\nexplode(ARRAY<DECIMAL> input)\nexplode(ARRAY<T> list)", ""},
		{"GENERATE_SERIES", ty(types.TInt, types.TInt), "ARRAY<INTEGER>", ""},
		{"GENERATE_SERIES", ty(types.TBigint, types.TInt, types.TInt), "ARRAY<BIGINT>", "BIGINT, BIGINT, INTEGER"},
		{"TRANSFORM", []Arg{{Type: types.ArrayOf(types.TInt)}, {LambdaArity: 1, Lambda: func(p []*types.Type) (*types.Type, error) {
			if !p[0].Equal(types.TInt) {
				return nil, fmt.Errorf("lambda param %s", p[0])
			}
			return types.TString, nil
		}}}, "ARRAY<STRING>", ""},
		{"REDUCE", []Arg{{Type: types.ArrayOf(types.TInt)}, {Type: types.TBigint}, {LambdaArity: 2, Lambda: func(p []*types.Type) (*types.Type, error) {
			return p[0], nil
		}}}, "BIGINT", ""},
	}
	for _, tc := range tests {
		f, ok := Lookup(tc.fn)
		if !ok {
			t.Fatalf("%s not registered", tc.fn)
		}
		r, err := f.Resolve(tc.args)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = r.Return.String()
		}
		if got != tc.want {
			t.Errorf("%s%v: got %q, want %q", tc.fn, argList(tc.args), got, tc.want)
			continue
		}
		if tc.params != "" && err == nil {
			ps := make([]string, len(r.Params))
			for i, p := range r.Params {
				ps[i] = p.String()
			}
			if g := strings.Join(ps, ", "); g != tc.params {
				t.Errorf("%s params: got %s, want %s", tc.fn, g, tc.params)
			}
		}
	}
}

func TestKinds(t *testing.T) {
	if !IsAggregate("count") || !IsAggregate("TOPKDISTINCT") || IsAggregate("UCASE") {
		t.Error("aggregate flags wrong")
	}
	if !IsTable("EXPLODE") || IsTable("SUM") {
		t.Error("table flags wrong")
	}
	if _, ok := Lookup("WONT_FIND_ME"); ok {
		t.Error("unexpected function")
	}
}

// The parameters ksqlDB requires to be literal constants: TOPK's k, the n
// and ignoreNulls of LATEST_BY_OFFSET and EARLIEST_BY_OFFSET.
func TestLiteralParams(t *testing.T) {
	for _, c := range []struct {
		name  string
		nargs int
		want  []int
	}{{"EARLIEST_BY_OFFSET", 3, []int{1, 2}}, {"TOPK", 4, []int{3}}, {"TOPKDISTINCT", 2, []int{1}}, {"SUM", 1, nil}} {
		f, _ := Lookup(c.name)
		var got []int
		if f.LiteralParams != nil {
			got = f.LiteralParams(c.nargs)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s with %d arguments: literal parameters %v, want %v", c.name, c.nargs, got, c.want)
		}
	}
}
