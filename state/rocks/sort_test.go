package rocks

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortBatch compares the radix sort with a stable comparison sort on
// keys of the shapes stores write: short, long, sharing long heads, with
// duplicates (which must stay in batch order).
func TestSortBatch(t *testing.T) {
	shapes := map[string]func(r *rand.Rand) []byte{
		"bigint": func(r *rand.Rand) []byte {
			return fmt.Appendf(nil, "\x80\x00\x00\x00%08d", r.IntN(5000))
		},
		"short": func(r *rand.Rand) []byte {
			b := make([]byte, r.IntN(9))
			for i := range b {
				b[i] = byte(r.IntN(3))
			}
			return b
		},
		"window": func(r *rand.Rand) []byte {
			return windowKeyOf(r.IntN(100_000), int64(r.IntN(12))*10_000)
		},
		"common head": func(r *rand.Rand) []byte { return fmt.Appendf(nil, "customer-%d", r.IntN(300)) },
		"random": func(r *rand.Rand) []byte {
			b := make([]byte, 1+r.IntN(20))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		},
	}
	for name, gen := range shapes {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			var scratch []sortRef
			for _, n := range []int{0, 1, 2, 13, 100, 5000} {
				keys := make([][]byte, n)
				refs := make([]sortRef, n)
				for i := range keys {
					keys[i] = gen(r)
					refs[i] = newSortRef(keys[i], i)
				}
				want := slices.Clone(refs)
				slices.SortStableFunc(want, func(a, b sortRef) int {
					return cmp.Or(bytes.Compare(keys[a.i], keys[b.i]), cmp.Compare(a.i, b.i))
				})
				scratch = sortBatch(refs, func(i int32) []byte { return keys[i] }, scratch)
				if !slices.Equal(refs, want) {
					t.Fatalf("n=%d: order differs from a stable sort by key", n)
				}
			}
		})
	}
}

// windowKeyOf is a window store key as an aggregation writes it: a BIGINT
// group (tag, sign-flipped big-endian value), the window start, a sequence.
func windowKeyOf(group int, start int64) []byte {
	k := append([]byte{1}, binary.BigEndian.AppendUint64(nil, uint64(group)^1<<63)...)
	k = binary.BigEndian.AppendUint64(k, uint64(start))
	return binary.BigEndian.AppendUint32(k, 0)
}

// BenchmarkSortBatch sorts a commit's worth of window keys of one task.
func BenchmarkSortBatch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([][]byte, 165_000)
	for i := range keys {
		keys[i] = windowKeyOf(r.IntN(100_000), int64(r.IntN(12))*10_000)
	}
	refs := make([]sortRef, len(keys))
	var scratch []sortRef
	b.ReportAllocs()
	for b.Loop() {
		for i, k := range keys {
			refs[i] = newSortRef(k, i)
		}
		scratch = sortBatch(refs, func(i int32) []byte { return keys[i] }, scratch)
	}
}
