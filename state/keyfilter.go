package state

import "github.com/bits-and-blooms/bloom/v3"

// keyFilter remembers which record keys were written to a segment, so that
// a per-key fetch can skip a segment that never held its key without asking
// the store (for RocksDB, an iterator seek through the memtables and every
// level: a stream-stream join looks up the other side for every record, and
// half of those keys have never been there).
//
// It is a scalable bloom filter (Almeida et al., 2007): a chain of bloom
// filters, each with twice the room of the one before, so that it grows
// with the keys without knowing their number ahead, at under two bytes a
// key. A key is added to the last filter unless some filter may hold it
// already; the false positive rate is about filterFP per filter. Deletes
// are not tracked: a deleted key stays "maybe present".
type keyFilter struct {
	layers []*bloom.BloomFilter
	size   uint // keys the last layer was sized for
	room   uint // keys the last layer takes before the next is added
}

const (
	filterFirst = 4096 // keys the first layer is sized for
	filterFP    = 0.01 // false positive rate of each layer
)

func newKeyFilter() *keyFilter {
	f := &keyFilter{}
	f.grow(filterFirst)
	return f
}

func (f *keyFilter) grow(keys uint) {
	f.layers = append(f.layers, bloom.NewWithEstimates(keys, filterFP))
	f.size, f.room = keys, keys
}

// add notes that key was written.
func (f *keyFilter) add(key []byte) {
	if f.mayHold(key) {
		return
	}
	if f.room == 0 {
		f.grow(2 * f.size)
	}
	f.layers[len(f.layers)-1].Add(key)
	f.room--
}

// mayHold reports whether key may have been written: false means never.
func (f *keyFilter) mayHold(key []byte) bool {
	for _, l := range f.layers {
		if l.Test(key) {
			return true
		}
	}
	return false
}
