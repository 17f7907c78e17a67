package state_test

import (
	"fmt"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/mem"
)

// topic stands in for a compacted changelog topic partition.
type topic struct{ recs []state.Record }

func (t *topic) Append(store string, k, v []byte) error {
	r := state.Record{Key: append([]byte(nil), k...)}
	if v != nil {
		r.Value = append([]byte{}, v...)
	}
	t.recs = append(t.recs, r)
	return nil
}

func (t *topic) from(offset int) func(func(state.Record, error) bool) {
	return func(yield func(state.Record, error) bool) {
		for _, r := range t.recs[offset:] {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// A task counts words through its cache, commits, and a new task restores
// the count store from the changelog.
func Example() {
	changelog := &topic{}
	c := cache.New(cache.Options{Changelog: changelog})
	counts := c.Wrap(mem.New("counts"))
	for _, w := range []string{"a", "b", "a", "a"} {
		v, _ := counts.Get([]byte(w))
		n := 0
		if v != nil {
			fmt.Sscan(string(v), &n)
		}
		_ = counts.Put([]byte(w), fmt.Append(nil, n+1))
	}
	// Commit: flush the cache (stores + changelog), then the producer, then
	// the input offsets, then (RocksDB) the checkpoint.
	if err := c.Flush(); err != nil {
		fmt.Println(err)
	}
	fmt.Println("changelog records:", len(changelog.recs)) // "a" updated 3 times, logged once

	restored := mem.New("counts")
	n, err := state.Restore(restored, changelog.from(0), 0)
	fmt.Println("restored", n, err)
	_ = restored.Range(nil, nil, func(k, v []byte) bool {
		fmt.Printf("%s=%s\n", k, v)
		return true
	})
	// Output:
	// changelog records: 2
	// restored 2 <nil>
	// a=3
	// b=1
}
