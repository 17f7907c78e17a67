package state

import (
	"fmt"
	"iter"
)

// Record is one changelog record: a store key in the store's own encoding
// and its value, nil for a tombstone.
type Record struct {
	Key   []byte
	Value []byte
}

// DefaultRestoreBatch is the batch size Restore uses when given 0.
const DefaultRestoreBatch = 1000

// Restore replays changelog records into dst in batches of batchSize
// (tombstones delete) and returns how many it applied. Records are copied,
// so the sequence may reuse its buffers between records. For window and
// session stores, dst is their Segmented store: the encoded key says which
// segment a record belongs to.
//
// Restore does not call Expire: after restoring, the caller expires the
// store to the restored stream time.
func Restore(dst KeyValueStore, records iter.Seq2[Record, error], batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = DefaultRestoreBatch
	}
	var (
		batch = make([]Entry, 0, batchSize)
		arena []byte
		n     int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := dst.Apply(batch); err != nil {
			return fmt.Errorf("restore %s: %w", dst.Name(), err)
		}
		n += len(batch)
		clear(batch)
		batch, arena = batch[:0], arena[:0]
		return nil
	}
	for r, err := range records {
		if err != nil {
			return n, fmt.Errorf("restore %s: read changelog: %w", dst.Name(), err)
		}
		// One arena per batch: the entries point into it, so it must not
		// grow (and move) while they are live; size it up front instead.
		need := len(r.Key) + len(r.Value)
		if arena == nil || cap(arena)-len(arena) < need {
			if err := flush(); err != nil {
				return n, err
			}
			if cap(arena) < need {
				arena = make([]byte, 0, max(need, 64<<10))
			}
		}
		e := Entry{}
		arena = append(arena, r.Key...)
		e.Key = arena[len(arena)-len(r.Key) : len(arena) : len(arena)]
		if r.Value != nil {
			arena = append(arena, r.Value...)
			e.Value = arena[len(arena)-len(r.Value) : len(arena) : len(arena)]
		}
		batch = append(batch, e)
		if len(batch) == batchSize {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}
