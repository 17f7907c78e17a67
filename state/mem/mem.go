// Package mem is the in-memory reference implementation of Sluice's stores:
// a sorted map per store, pure Go, kept deliberately simple because the
// conformance suite holds every other implementation to its behaviour.
//
// It is also the store for tasks without a state directory (ephemeral
// engines, tests): nothing survives the process, so such stores restore
// entirely from their changelogs.
package mem

import (
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/internal/sorted"
)

// Store is an in-memory KeyValueStore. Not safe for concurrent use.
type Store struct {
	name string
	l    sorted.Map[[]byte]
	size int64
}

var _ state.KeyValueStore = (*Store)(nil)

// New returns an empty store.
func New(name string) *Store { return &Store{name: name} }

// Name returns the store's name.
func (s *Store) Name() string { return s.name }

// Len returns the number of keys.
func (s *Store) Len() int { return s.l.Len() }

// Bytes returns the bytes of keys and values held.
func (s *Store) Bytes() int64 { return s.size }

// str views b as a string without copying, for lookups that do not keep it.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Get returns key's value (read-only, valid until the next write), nil if
// absent.
func (s *Store) Get(key []byte) ([]byte, error) {
	v, _ := s.l.Get(str(key))
	return v, nil
}

// Put stores a copy of value; nil deletes.
func (s *Store) Put(key, value []byte) error {
	if value == nil {
		return s.Delete(key)
	}
	v := make([]byte, len(value)) // non-nil even when empty: present, not absent
	copy(v, value)
	if old, replaced := s.l.Set(string(key), v); replaced {
		s.size += int64(len(v) - len(old))
	} else {
		s.size += int64(len(key) + len(v))
	}
	return nil
}

// Delete removes key.
func (s *Store) Delete(key []byte) error {
	if old, ok := s.l.Delete(str(key)); ok {
		s.size -= int64(len(key) + len(old))
	}
	return nil
}

// Apply performs the writes in order.
func (s *Store) Apply(batch []state.Entry) error {
	for _, e := range batch {
		if err := s.Put(e.Key, e.Value); err != nil {
			return err
		}
	}
	return nil
}

// NewIterator iterates [from, to).
func (s *Store) NewIterator(from, to []byte) (state.Iterator, error) {
	if state.EmptyRange(from, to) {
		return state.EmptyIterator(nil), nil
	}
	it := &iter{to: string(to), bounded: to != nil}
	if from == nil {
		it.c.First(&s.l)
	} else {
		it.c.Seek(&s.l, str(from))
	}
	return it, nil
}

// Range calls fn over [from, to) in key order.
func (s *Store) Range(from, to []byte, fn func(k, v []byte) bool) error {
	it, err := s.NewIterator(from, to)
	return state.RangeIter(it, err, fn)
}

type iter struct {
	c       sorted.Iter[[]byte] // at the next entry to return
	to      string
	bounded bool
	key     []byte
	val     []byte
	done    bool
}

func (it *iter) Next() bool {
	if it.done || !it.c.Valid() || it.bounded && it.c.Key() >= it.to {
		it.Close()
		return false
	}
	it.key = append(it.key[:0], it.c.Key()...)
	it.val = it.c.Value()
	it.c.Next()
	return true
}

func (it *iter) Key() []byte   { return it.key }
func (it *iter) Value() []byte { return it.val }

func (it *iter) Close() error {
	if !it.done {
		it.done = true
		it.c.Release()
		it.key, it.val = nil, nil
	}
	return nil
}

// Segments is an in-memory SegmentProvider.
type Segments struct {
	segs map[string]*Store
}

var _ state.SegmentProvider = (*Segments)(nil)

// NewSegments returns an empty provider.
func NewSegments() *Segments { return &Segments{segs: map[string]*Store{}} }

func segName(store string, id int64) string { return store + "." + strconv.FormatInt(id, 10) }

// SegmentIDs lists store's segments.
func (p *Segments) SegmentIDs(store string) ([]int64, error) {
	var ids []int64
	for name := range p.segs {
		rest, ok := strings.CutPrefix(name, store+".")
		if !ok {
			continue
		}
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && strconv.FormatInt(id, 10) == rest {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// OpenSegment returns segment id of store, creating it.
func (p *Segments) OpenSegment(store string, id int64) (state.KeyValueStore, error) {
	n := segName(store, id)
	s, ok := p.segs[n]
	if !ok {
		s = New(store)
		p.segs[n] = s
	}
	return s, nil
}

// DropSegment forgets segment id of store.
func (p *Segments) DropSegment(store string, id int64) error {
	delete(p.segs, segName(store, id))
	return nil
}

// NewWindowStore returns an in-memory window store (retention and segment
// interval as in state.SegmentOptions).
func NewWindowStore(name string, retention, interval int64, retainDuplicates bool) (state.WindowStore, error) {
	seg, err := state.NewSegmented(name, NewSegments(), state.WindowSegments(retention, interval))
	if err != nil {
		return nil, err
	}
	return state.NewWindowStore(nil, seg, retainDuplicates), nil
}

// NewSessionStore returns an in-memory session store.
func NewSessionStore(name string, retention, interval int64) (state.SessionStore, error) {
	seg, err := state.NewSegmented(name, NewSegments(), state.SessionSegments(retention, interval))
	if err != nil {
		return nil, err
	}
	return state.NewSessionStore(nil, seg), nil
}
