package shell

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file with -rewrite.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *rewrite {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./shell -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test ./shell -rewrite to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func mustDecimal(t *testing.T, s string) types.Decimal {
	t.Helper()
	d, err := types.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFormatValue(t *testing.T) {
	point := types.StructOf(types.Field{Name: "X", Type: types.TInt}, types.Field{Name: "Label", Type: types.TString})
	tests := []struct {
		v    any
		t    *types.Type
		want string
	}{
		{nil, nil, "null"},
		{"plain", nil, "plain"},
		{true, nil, "true"},
		{int32(-7), nil, "-7"},
		{int64(1234567890123), nil, "1234567890123"},
		{1.0, nil, "1.0"},
		{0.25, nil, "0.25"},
		{1e10, nil, "1.0E10"},
		{1.5e-5, nil, "1.5E-5"},
		{-2.5e7, nil, "-2.5E7"},
		{math.NaN(), nil, "NaN"},
		{math.Inf(-1), nil, "-Infinity"},
		{mustDecimal(t, "12.50"), nil, "12.50"},
		{[]byte("!"), nil, "IQ=="},
		{types.Timestamp(1500), nil, "1970-01-01T00:00:01.500"},
		{types.Date(1), nil, "1970-01-02"},
		{types.Time(3723000), nil, "01:02:03"},
		{types.Time(3723004), nil, "01:02:03.004"},
		{[]any{int32(1), nil, "a, b"}, nil, `[1, null, "a, b"]`},
		{&types.Map{Keys: []any{"k", int32(2)}, Values: []any{int32(1), "v"}}, nil, `{"k":1, "2":"v"}`},
		{&types.Struct{Values: []any{int32(1), "p"}}, point, `{"X":1, "Label":"p"}`},
		{&types.Struct{Values: []any{int32(1), "p"}}, nil, `[1, "p"]`},
		{[]any{&types.Struct{Values: []any{int32(2), nil}}}, types.ArrayOf(point), `[{"X":2, "Label":null}]`},
		{&types.Map{Keys: []any{"a"}, Values: []any{[]any{types.Date(0)}}}, types.MapOf(types.TString, types.ArrayOf(types.TDate)), `{"a":["1970-01-01"]}`},
	}
	for _, tc := range tests {
		if got := FormatTyped(tc.v, tc.t); got != tc.want {
			t.Errorf("FormatTyped(%#v, %v) = %q, want %q", tc.v, tc.t, got, tc.want)
		}
	}
}

func TestRenderTable(t *testing.T) {
	var b strings.Builder
	cols := []string{"ID", "NAME", "TAGS"}
	typs := []*types.Type{types.TInt, types.TString, types.ArrayOf(types.TString)}
	rows := [][]any{
		{int32(1), "alice", []any{"a"}},
		{int32(22), "bö", nil},
		{nil, "multi\nline", []any{}},
		{int32(3)}, // short row: missing cells are blank-padded as NULL
	}
	if err := RenderTable(&b, cols, typs, rows); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := RenderTable(&b, []string{"EMPTY"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", b.String())
}

func TestStreamPrinter(t *testing.T) {
	var b strings.Builder
	cols := []string{"ID", "V", "FLAG"}
	p := NewStreamPrinter(&b, cols, []*types.Type{types.TBigint, types.TString, types.TBoolean})
	if err := p.Header(cols); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{
		{int64(1), "short", true},
		{int64(2), "a value that is much longer than twenty characters", false},
		{nil, nil, nil},
	} {
		if err := p.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Footer(); err != nil {
		t.Fatal(err)
	}
	if p.Rows() != 3 {
		t.Errorf("Rows() = %d", p.Rows())
	}
	golden(t, "stream.golden", b.String())
}
