package agg

import (
	"bytes"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// fuzzAggs covers every function and every value encoding.
func fuzzAggs(tb testing.TB) []Aggregate {
	all := types.StructOf(
		types.Field{Name: "B", Type: tBool}, types.Field{Name: "I", Type: tInt}, types.Field{Name: "L", Type: tBig},
		types.Field{Name: "F", Type: tDbl}, types.Field{Name: "D", Type: dec41}, types.Field{Name: "S", Type: tStr},
		types.Field{Name: "Y", Type: tBytes}, types.Field{Name: "T", Type: tTs}, types.Field{Name: "DT", Type: tDate},
		types.Field{Name: "TM", Type: tTime}, types.Field{Name: "A", Type: types.ArrayOf(tInt)},
		types.Field{Name: "M", Type: types.MapOf(tStr, tDbl)})
	specs := []struct {
		fn     string
		types  []*types.Type
		consts []any
	}{
		{"COUNT", nil, nil},
		{"COUNT_DISTINCT", ts(all), nil},
		{"SUM", ts(tInt), nil}, {"SUM", ts(tDbl), nil}, {"SUM", ts(dec41), nil},
		{"AVG", ts(tBig), nil}, {"AVG", ts(dec62), nil},
		{"MIN", ts(dec41), nil}, {"MAX", ts(tStr), nil},
		{"COLLECT_LIST", ts(all), nil}, {"COLLECT_SET", ts(types.ArrayOf(tStr)), nil},
		{"LATEST_BY_OFFSET", ts(tStr, tInt), []any{nil, int32(2)}},
		{"EARLIEST_BY_OFFSET", ts(all), []any{nil}},
		{"TOPK", ts(tInt, tStr, tInt), []any{nil, nil, int32(3)}},
		{"TOPKDISTINCT", ts(tBytes, tInt), []any{nil, int32(3)}},
		{"HISTOGRAM", ts(tStr), nil},
		{"STDDEV_SAMP", ts(tBig), nil}, {"STDDEV_SAMPLE", ts(tDbl), nil},
		{"CORRELATION", ts(tDbl, tDbl), nil},
	}
	out := make([]Aggregate, len(specs))
	for i, s := range specs {
		a, err := New(s.fn, s.types, s.consts, nil)
		if err != nil {
			tb.Fatalf("%s: %v", s.fn, err)
		}
		out[i] = a
	}
	return out
}

func FuzzDecode(f *testing.F) {
	aggs := fuzzAggs(f)
	for i, a := range aggs {
		b, err := a.Encode(a.Init())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	for _, c := range seqCases {
		a, err := New(c.fn, c.types, c.consts, c.props)
		if err != nil {
			continue
		}
		acc := a.Init()
		for _, s := range c.steps {
			if next, err := a.Add(acc, s.args); err == nil {
				acc = next
			}
		}
		if b, err := a.Encode(acc); err == nil {
			for i := range aggs {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		a := aggs[int(which)%len(aggs)]
		acc, err := a.Decode(data)
		if err != nil {
			return
		}
		_ = a.Result(acc)
		b, err := a.Encode(acc)
		if err != nil {
			t.Fatalf("decoded accumulator does not encode: %v", err)
		}
		again, err := a.Decode(b)
		if err != nil {
			t.Fatalf("re-encoded accumulator does not decode: %v", err)
		}
		b2, _ := a.Encode(again)
		if !bytes.Equal(b, b2) {
			t.Fatalf("encoding not stable: %x then %x", b, b2)
		}
		if _, err := a.Merge(acc, again); err != nil && err != errDecimalOverflow {
			t.Fatalf("Merge of decoded accumulators: %v", err)
		}
	})
}

// TestDecodeGarbage runs fixed malformed inputs through every decoder.
func TestDecodeGarbage(t *testing.T) {
	inputs := [][]byte{
		nil, {0xff}, {0x80, 0x80}, {0x01}, {0x02, 0x01}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		bytes.Repeat([]byte{0x01}, 64), bytes.Repeat([]byte{0xff}, 64), {0x00, 0x00, 0x00},
	}
	for _, a := range fuzzAggs(t) {
		for _, in := range inputs {
			acc, err := a.Decode(in)
			if err == nil {
				if _, err := a.Encode(acc); err != nil {
					t.Errorf("%T: decoded %x but cannot encode: %v", a, in, err)
				}
			}
		}
	}
}
