package state

import (
	"bytes"
	"math"
)

// NewWindowStore returns a window store that writes encoded window keys to
// kv and expires through seg. kv is seg itself or a layer in front of it (the
// task's cache, a Logged store); nil means seg. A store that retains
// duplicates gives each Put its own seq, as stream-stream joins need.
//
// The seq counter restarts at 0 when the store is reopened, as in Kafka
// Streams; a duplicate put after a restart can overwrite one restored from
// the changelog with the same key, start and seq.
func NewWindowStore(kv KeyValueStore, seg *Segmented, retainDuplicates bool) WindowStore {
	if kv == nil {
		kv = seg
	}
	return &windowStore{kv: kv, seg: seg, dup: retainDuplicates}
}

type windowStore struct {
	kv  KeyValueStore
	seg *Segmented
	dup bool
	seq uint32
	buf []byte
}

func (w *windowStore) Name() string { return w.kv.Name() }

func (w *windowStore) key(key []byte, start int64, seq uint32) []byte {
	w.buf = WindowKey(w.buf[:0], key, start, seq)
	return w.buf
}

func (w *windowStore) Put(key []byte, start int64, v []byte) error {
	if !w.dup {
		return wrapErr("window put", w.Name(), w.kv.Put(w.key(key, start, 0), v))
	}
	if v == nil {
		return nil
	}
	w.seq++
	return wrapErr("window put", w.Name(), w.kv.Put(w.key(key, start, w.seq), v))
}

func (w *windowStore) Get(key []byte, start int64) ([]byte, error) {
	if w.seg.Expired(start) {
		return nil, nil
	}
	if !w.dup {
		v, err := w.kv.Get(w.key(key, start, 0))
		return v, wrapErr("window get", w.Name(), err)
	}
	var out []byte
	err := w.Fetch(key, start, start, func(_ int64, v []byte) bool {
		out = bytes.Clone(v)
		return false
	})
	return out, err
}

func (w *windowStore) Fetch(key []byte, from, to int64, fn func(int64, []byte) bool) error {
	if from > to {
		return nil
	}
	lo := WindowKey(nil, key, from, 0)
	hi := WindowKey(nil, key, to, math.MaxUint32)
	hi = append(hi, 0) // Successor: make the inclusive bound exclusive
	err := w.kv.Range(lo, hi, func(k, v []byte) bool {
		kk, start, _, err := SplitWindowKey(k)
		if err != nil || !bytes.Equal(kk, key) || w.seg.Expired(start) {
			return true
		}
		return fn(start, v)
	})
	return wrapErr("window fetch", w.Name(), err)
}

func (w *windowStore) FetchAll(from, to int64, fn func([]byte, int64, []byte) bool) error {
	if from > to {
		return nil
	}
	err := w.kv.Range(nil, nil, func(k, v []byte) bool {
		kk, start, _, err := SplitWindowKey(k)
		if err != nil || start < from || start > to || w.seg.Expired(start) {
			return true
		}
		return fn(kk, start, v)
	})
	return wrapErr("window fetch all", w.Name(), err)
}

func (w *windowStore) Expire(streamTime int64) error {
	return w.seg.Expire(streamTime)
}
