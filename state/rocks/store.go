package rocks

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/linxGnu/grocksdb"

	"github.com/sluicedb/sluice/state"
)

// Store is a key-value store on one column family.
type Store struct {
	d    *DB
	name string
	cf   *grocksdb.ColumnFamilyHandle
	wb   *grocksdb.WriteBatch
}

var _ state.KeyValueStore = (*Store)(nil)

var errClosed = errors.New("rocks: store is closed (DB closed or store dropped)")

// release frees the store's native memory; the store is unusable after.
func (s *Store) release() {
	if s.wb != nil {
		s.wb.Destroy()
		s.wb = nil
	}
	s.cf = nil
}

// Name returns the store's name.
func (s *Store) Name() string { return s.name }

func (s *Store) live() error {
	if s.d.db == nil || s.cf == nil {
		return errClosed
	}
	return nil
}

// Get returns a copy of key's value, nil if absent.
func (s *Store) Get(key []byte) ([]byte, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	h, err := s.d.db.GetPinnedCF(s.d.ro, s.cf, key)
	if err != nil {
		return nil, fmt.Errorf("rocks: get %s: %w", s.name, err)
	}
	defer h.Destroy()
	if !h.Exists() {
		return nil, nil
	}
	data := h.Data()
	out := make([]byte, len(data))
	copy(out, data)
	return out, nil
}

// Put writes key (WAL off); nil value deletes.
func (s *Store) Put(key, value []byte) error {
	if value == nil {
		return s.Delete(key)
	}
	if err := s.live(); err != nil {
		return err
	}
	if err := s.d.db.PutCF(s.d.wo, s.cf, key, value); err != nil {
		return fmt.Errorf("rocks: put %s: %w", s.name, err)
	}
	return nil
}

// Delete removes key.
func (s *Store) Delete(key []byte) error {
	if err := s.live(); err != nil {
		return err
	}
	if err := s.d.db.DeleteCF(s.d.wo, s.cf, key); err != nil {
		return fmt.Errorf("rocks: delete %s: %w", s.name, err)
	}
	return nil
}

// Apply writes the batch as one WriteBatch.
func (s *Store) Apply(batch []state.Entry) error {
	if err := s.live(); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	if s.wb == nil {
		s.wb = grocksdb.NewWriteBatch()
	}
	defer s.wb.Clear()
	for _, e := range batch {
		if e.Value == nil {
			s.wb.DeleteCF(s.cf, e.Key)
		} else {
			s.wb.PutCF(s.cf, e.Key, e.Value)
		}
	}
	if err := s.d.db.Write(s.d.wo, s.wb); err != nil {
		return fmt.Errorf("rocks: write batch %s (%d entries): %w", s.name, len(batch), err)
	}
	return nil
}

// NewIterator returns an iterator bounded to [from, to).
func (s *Store) NewIterator(from, to []byte) (state.Iterator, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if state.EmptyRange(from, to) {
		return state.EmptyIterator(nil), nil
	}
	ro := grocksdb.NewDefaultReadOptions()
	// ReadOptions keeps pointers to the bounds: give it copies the caller
	// cannot change under the iterator.
	if from != nil {
		ro.SetIterateLowerBound(bytes.Clone(from))
	}
	if to != nil {
		ro.SetIterateUpperBound(bytes.Clone(to))
	}
	it := &iterator{d: s.d, ro: ro, it: s.d.db.NewIteratorCF(ro, s.cf)}
	if from == nil {
		it.it.SeekToFirst()
	} else {
		it.it.Seek(from)
	}
	s.d.iters[it] = struct{}{}
	return it, nil
}

// Range calls fn over [from, to) in key order.
func (s *Store) Range(from, to []byte, fn func(k, v []byte) bool) error {
	it, err := s.NewIterator(from, to)
	return state.RangeIter(it, err, fn)
}

type iterator struct {
	d       *DB
	ro      *grocksdb.ReadOptions
	it      *grocksdb.Iterator
	started bool
	key     []byte
	val     []byte
	err     error
}

func (i *iterator) Next() bool {
	if i.it == nil {
		return false
	}
	if i.started {
		i.it.Next()
	}
	i.started = true
	if !i.it.Valid() {
		i.err = i.it.Err()
		return false
	}
	// Copies: the native slices move with the iterator, and Go code must not
	// keep pointers into C memory past that.
	k, v := i.it.Key(), i.it.Value()
	i.key = append(i.key[:0], k.Data()...)
	i.val = append(i.val[:0], v.Data()...)
	if i.val == nil {
		i.val = []byte{}
	}
	return true
}

func (i *iterator) Key() []byte   { return i.key }
func (i *iterator) Value() []byte { return i.val }

func (i *iterator) Close() error {
	if i.it == nil {
		return i.err
	}
	if i.err == nil {
		i.err = i.it.Err()
	}
	i.it.Close()
	i.ro.Destroy()
	i.it, i.ro = nil, nil
	delete(i.d.iters, i)
	if i.err != nil {
		return fmt.Errorf("rocks: iterate: %w", i.err)
	}
	return nil
}
