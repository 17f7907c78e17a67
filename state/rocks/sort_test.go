package rocks

import (
	"bytes"
	"cmp"
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
					refs[i] = sortRef{prefix: keyPrefix(keys[i]), i: int32(i)}
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
