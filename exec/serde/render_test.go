package serde

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

func TestJavaDouble(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {-1.5, "-1.5"}, {100, "100.0"},
		{0.001, "0.001"}, {0.0001, "1.0E-4"}, {9999999, "9999999.0"}, {1e7, "1.0E7"}, {1.25e7, "1.25E7"},
		{1e10, "1.0E10"}, {123.456, "123.456"}, {22026.465794806718, "22026.465794806718"},
		{4.9e-324, "4.9E-324"}, {2e-323, "2.0E-323"}, {math.MaxFloat64, "1.7976931348623157E308"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"}, {0.30000000000000004, "0.30000000000000004"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	}
	for _, tc := range cases {
		if got := JavaDouble(tc.f); got != tc.want {
			t.Errorf("JavaDouble(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	sT := types.StructOf(types.Field{Name: "A", Type: types.TInt}, types.Field{Name: "B", Type: types.TString})
	cases := []struct {
		v    any
		t    *types.Type
		want string
	}{
		{nil, types.TInt, "null"},
		{"x y", types.TString, "x y"},
		{int32(-3), types.TInt, "-3"},
		{3.0, types.TDouble, "3.0"},
		{dec("1.50"), types.DecimalType(3, 2), "1.50"},
		{[]byte("!"), types.TBytes, "IQ=="},
		{types.Timestamp(10), types.TTimestamp, "1970-01-01T00:00:00.010"},
		{types.Timestamp(1618915791000), types.TTimestamp, "2021-04-20T10:49:51.000"},
		{types.Date(-10), types.TDate, "1969-12-22"},
		{types.Time(3723000), types.TTime, "01:02:03"},
		{types.Time(3723010), types.TTime, "01:02:03.01"},
		{[]any{int32(1), nil}, types.ArrayOf(types.TInt), "[1, null]"},
		{mp("a", int32(1), "b", nil), types.MapOf(types.TString, types.TInt), "{a=1, b=null}"},
		{st(int32(1), "x"), sT, "{A=1, B=x}"},
		{st(st(int32(1), "x")), types.StructOf(types.Field{Name: "S", Type: sT}), "{S={A=1, B=x}}"},
		{true, nil, "true"},
	}
	for _, tc := range cases {
		if got := FormatValue(tc.v, tc.t); got != tc.want {
			t.Errorf("FormatValue(%s) = %q, want %q", dump(tc.v), got, tc.want)
		}
	}
}

func TestToJSON(t *testing.T) {
	sT := types.StructOf(types.Field{Name: "Z", Type: types.TDouble}, types.Field{Name: "A", Type: types.TBytes})
	row := []any{
		int32(1), int64(2), 1e10, math.NaN(), dec("1.50"), "s", []byte("!"), types.Timestamp(10), types.Date(1), types.Time(0),
		[]any{nil, true}, mp("b", int32(1), "a", int32(2)), st(2.5, []byte{}), nil,
	}
	typs := []*types.Type{
		types.TInt, types.TBigint, types.TDouble, types.TDouble, types.DecimalType(3, 2), types.TString, types.TBytes,
		types.TTimestamp, types.TDate, types.TTime, types.ArrayOf(types.TBoolean), mapSI, sT, types.TInt,
	}
	out := make([]any, len(row))
	for i := range row {
		out[i] = ToJSON(row[i], typs[i])
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `[1,2,1.0E10,"NaN",1.50,"s","IQ==","1970-01-01T00:00:00.010","1970-01-02","00:00:00",[null,true],{"b":1,"a":2},{"Z":2.5,"A":""},null]`
	if string(b) != want {
		t.Fatalf("ToJSON marshals to\n%s\nwant\n%s", b, want)
	}
}
