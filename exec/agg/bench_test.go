package agg

import (
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// benchFold is the hot path of a keyed aggregate: decode the stored
// accumulator, fold one row, encode it back.
func benchFold(b *testing.B, fn string, argTypes []*types.Type, args []any) {
	a, err := New(fn, argTypes, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	stored, err := a.Encode(a.Init())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		acc, err := a.Decode(stored)
		if err != nil {
			b.Fatal(err)
		}
		if acc, err = a.Add(acc, args); err != nil {
			b.Fatal(err)
		}
		if stored, err = a.Encode(acc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountFold(b *testing.B)     { benchFold(b, "COUNT", nil, nil) }
func BenchmarkSumBigintFold(b *testing.B) { benchFold(b, "SUM", ts(types.TBigint), []any{int64(7)}) }
func BenchmarkSumDoubleFold(b *testing.B) { benchFold(b, "SUM", ts(types.TDouble), []any{1.5}) }
func BenchmarkSumDecimalFold(b *testing.B) {
	benchFold(b, "SUM", ts(types.DecimalType(38, 2)), []any{dec("12.34")})
}
