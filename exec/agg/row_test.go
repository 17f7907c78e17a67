package agg

import (
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// Rows crossing a repartition topic or stored as aggregate state must come
// back exactly, NULLs included.
func TestRowRoundTrip(t *testing.T) {
	ts := []*types.Type{types.TBigint, types.TInt, types.TString, types.TDouble, types.TBoolean, types.TBytes,
		types.ArrayOf(types.TString)}
	cases := [][]any{
		{int64(-5), int32(7), "héllo", 1.25, true, []byte{0, 1}, []any{"a", nil}},
		{nil, nil, nil, nil, nil, nil, nil},
		{int64(0), int32(-1), "", -0.5, false, []byte{}, []any{}},
	}
	for _, row := range cases {
		b, err := AppendRow([]byte("prefix"), ts, row)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]any, len(ts))
		rest, err := ReadRow(b[len("prefix"):], ts, got)
		if err != nil {
			t.Fatal(err)
		}
		if len(rest) != 0 || !reflect.DeepEqual(got, row) {
			t.Errorf("round trip of %v: got %v (rest %x)", row, got, rest)
		}
	}
	if _, err := ReadRow([]byte{1}, ts, make([]any, len(ts))); err == nil {
		t.Error("truncated row decoded without error")
	}
}
