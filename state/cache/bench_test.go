package cache_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
)

// sink is a store that drops its writes and holds nothing: what the cache
// costs on its own.
type sink struct{}

func (sink) Name() string                                       { return "sink" }
func (sink) Get([]byte) ([]byte, error)                         { return nil, nil }
func (sink) Put([]byte, []byte) error                           { return nil }
func (sink) Delete([]byte) error                                { return nil }
func (sink) Apply([]state.Entry) error                          { return nil }
func (sink) Range([]byte, []byte, func(k, v []byte) bool) error { return nil }
func (sink) NewIterator([]byte, []byte) (state.Iterator, error) {
	return state.EmptyIterator(nil), nil
}

// BenchmarkJoinPattern is a stream-stream join's use of the cache: every
// op writes one record of a random key (of 25,000) under a new window key
// into one side and scans the other side's range of another random key;
// a commit flushes every 16,000 ops. In both modes (Wrap and Buffer).
func BenchmarkJoinPattern(b *testing.B) {
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) { joinPattern(b, mode.wrap) })
	}
}

func joinPattern(b *testing.B, wrap func(*cache.Cache, state.KeyValueStore) *cache.Store) {
	c := cache.New(cache.Options{})
	sides := [2]*cache.Store{wrap(c, sink{}), wrap(c, sink{})}
	r := rand.New(rand.NewPCG(1, 2))
	val := make([]byte, 150)
	var k, key, lo, hi []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		side := i % 2
		k = fmt.Appendf(k[:0], "%d", r.IntN(25000))
		key = state.WindowKey(key[:0], k, int64(i), uint32(i))
		if err := sides[side].Put(key, val); err != nil {
			b.Fatal(err)
		}
		k = fmt.Appendf(k[:0], "%d", r.IntN(25000))
		lo = state.WindowKey(lo[:0], k, int64(i-60000), 0)
		hi = append(state.WindowKey(hi[:0], k, int64(i+60000), ^uint32(0)), 0)
		it, err := sides[1-side].NewIterator(lo, hi)
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
		}
		if err := it.Close(); err != nil {
			b.Fatal(err)
		}
		i++
		if i%16000 == 0 {
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
