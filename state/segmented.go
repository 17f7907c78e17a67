package state

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
)

// SegmentProvider creates, lists and drops the key-value stores that hold a
// time-segmented store's segments. state/mem keeps them in memory;
// state/rocks makes each one a column family, so dropping a segment deletes
// its files without writing a tombstone per key.
type SegmentProvider interface {
	// SegmentIDs lists the existing segments of store (after a restart).
	SegmentIDs(store string) ([]int64, error)
	// OpenSegment opens segment id of store, creating it if missing.
	OpenSegment(store string, id int64) (KeyValueStore, error)
	// DropSegment deletes segment id and everything in it.
	DropSegment(store string, id int64) error
}

// SegmentOptions configure a Segmented store.
type SegmentOptions struct {
	// Retention: after Expire(t), entries whose time is <= t-Retention are
	// expired. Required, > 0. Units are the caller's (Sluice: milliseconds).
	Retention int64
	// Interval is the time width of a segment; 0 means Kafka Streams'
	// default, max(Retention/2, 60000).
	Interval int64
	// TimeOf extracts the time an encoded key is segmented by.
	TimeOf func(key []byte) (int64, bool)
	// Span, optional, bounds the time a scan [from, to) can touch, so that a
	// per-key fetch opens only the segments that matter. It accepts (ok)
	// only bounds that are encodings of one record key: such a scan is a
	// per-key fetch, and entries of other keys that happen to sort inside
	// its range may be left out.
	Span func(from, to []byte) (lo, hi int64, ok bool)
	// Key, optional with Span, returns the record key an encoded key
	// starts with. Each segment the store creates then keeps a filter of
	// the record keys written to it, and a per-key fetch skips the
	// segments that never held its key (see keyFilter). Segments that
	// already existed when the store was opened have no filter: they are
	// always read.
	Key func(encoded []byte) []byte
}

// WindowSegments returns the options of a window store's segments.
func WindowSegments(retention, interval int64) SegmentOptions {
	return SegmentOptions{Retention: retention, Interval: interval, TimeOf: WindowKeyTime, Span: WindowSpan,
		Key: recordKey(WindowSuffixLen)}
}

// SessionSegments returns the options of a session store's segments
// (segmented by session end).
func SessionSegments(retention, interval int64) SegmentOptions {
	return SegmentOptions{Retention: retention, Interval: interval, TimeOf: SessionKeyTime, Span: SessionSpan,
		Key: recordKey(SessionSuffixLen)}
}

// Segmented is a KeyValueStore over window or session keys that spreads
// entries over segments by time (segment id = floor(time/Interval)), so that
// expiring old data drops whole segments. Reads hide expired entries still
// sitting in a live segment, and writes of expired entries are ignored, as
// Kafka Streams does.
//
// Keys of one segment are in key order and a key lives in exactly one
// segment; iterators merge the segments they need back into global key
// order.
type Segmented struct {
	name      string
	p         SegmentProvider
	o         SegmentOptions
	segs      map[int64]KeyValueStore
	ids       []int64 // ascending
	cutoff    int64   // entries with time <= cutoff are expired, once expiring
	expiring  bool
	batchByID map[int64][]Entry
	filters   map[int64]*keyFilter // of the segments created since open, with Key
}

var _ KeyValueStore = (*Segmented)(nil)

// NewSegmented opens the time-segmented store name, reopening the segments
// the provider already has.
func NewSegmented(name string, p SegmentProvider, o SegmentOptions) (*Segmented, error) {
	if o.Retention <= 0 {
		return nil, fmt.Errorf("segmented store %s: retention must be positive, got %d", name, o.Retention)
	}
	if o.TimeOf == nil {
		return nil, fmt.Errorf("segmented store %s: no TimeOf", name)
	}
	if o.Interval <= 0 {
		o.Interval = max(o.Retention/2, 60000)
	}
	s := &Segmented{name: name, p: p, o: o, segs: map[int64]KeyValueStore{}, batchByID: map[int64][]Entry{},
		filters: map[int64]*keyFilter{}}
	ids, err := p.SegmentIDs(name)
	if err != nil {
		return nil, fmt.Errorf("segmented store %s: list segments: %w", name, err)
	}
	for _, id := range ids {
		seg, err := p.OpenSegment(name, id)
		if err != nil {
			return nil, fmt.Errorf("segmented store %s: open segment %d: %w", name, id, err)
		}
		s.segs[id] = seg
	}
	s.ids = slices.Sorted(func(yield func(int64) bool) {
		for id := range s.segs {
			if !yield(id) {
				return
			}
		}
	})
	return s, nil
}

// Name returns the store's name.
func (s *Segmented) Name() string { return s.name }

// Options returns the options in effect (Interval defaulted).
func (s *Segmented) Options() SegmentOptions { return s.o }

// SegmentIDs returns the live segment ids, ascending.
func (s *Segmented) SegmentIDs() []int64 { return slices.Clone(s.ids) }

func (s *Segmented) segID(t int64) int64 {
	q := t / s.o.Interval
	if t%s.o.Interval < 0 {
		q--
	}
	return q
}

// Expired reports whether time t is behind the retention of the latest Expire.
func (s *Segmented) Expired(t int64) bool { return s.expiring && t <= s.cutoff }

func (s *Segmented) timeOf(key []byte) (int64, error) {
	t, ok := s.o.TimeOf(key)
	if !ok {
		return 0, fmt.Errorf("segmented store %s: key %x: %w", s.name, key, ErrMalformedKey)
	}
	return t, nil
}

func (s *Segmented) segment(id int64, create bool) (KeyValueStore, error) {
	if seg, ok := s.segs[id]; ok || !create {
		return seg, nil
	}
	seg, err := s.p.OpenSegment(s.name, id)
	if err != nil {
		return nil, fmt.Errorf("segmented store %s: open segment %d: %w", s.name, id, err)
	}
	s.segs[id] = seg
	i, _ := slices.BinarySearch(s.ids, id)
	s.ids = slices.Insert(s.ids, i, id)
	if s.o.Key != nil {
		s.filters[id] = newKeyFilter()
	}
	return seg, nil
}

// wrote notes a write of key to segment id in its filter, if it has one.
func (s *Segmented) wrote(id int64, key []byte) {
	if f := s.filters[id]; f != nil {
		f.add(s.o.Key(key))
	}
}

// Get returns the value of key, nil if absent or expired.
func (s *Segmented) Get(key []byte) ([]byte, error) {
	t, err := s.timeOf(key)
	if err != nil || s.Expired(t) {
		return nil, err
	}
	seg := s.segs[s.segID(t)]
	if seg == nil {
		return nil, nil
	}
	return seg.Get(key)
}

// Put stores value under key in its segment; nil deletes. Expired writes are
// ignored.
func (s *Segmented) Put(key, value []byte) error {
	if value == nil {
		return s.Delete(key)
	}
	t, err := s.timeOf(key)
	if err != nil || s.Expired(t) {
		return err
	}
	id := s.segID(t)
	seg, err := s.segment(id, true)
	if err != nil {
		return err
	}
	s.wrote(id, key)
	return seg.Put(key, value)
}

// Delete removes key.
func (s *Segmented) Delete(key []byte) error {
	t, err := s.timeOf(key)
	if err != nil || s.Expired(t) {
		return err
	}
	if seg := s.segs[s.segID(t)]; seg != nil {
		return seg.Delete(key)
	}
	return nil
}

// Apply splits the batch by segment, keeping the order within each, and
// applies one batch per segment.
func (s *Segmented) Apply(batch []Entry) error {
	for id, b := range s.batchByID {
		s.batchByID[id] = b[:0]
	}
	for _, e := range batch {
		t, err := s.timeOf(e.Key)
		if err != nil {
			return err
		}
		if s.Expired(t) {
			continue
		}
		id := s.segID(t)
		if e.Value == nil {
			if _, ok := s.segs[id]; !ok {
				continue
			}
		}
		s.batchByID[id] = append(s.batchByID[id], e)
	}
	var errs []error
	for id, b := range s.batchByID {
		if len(b) == 0 {
			delete(s.batchByID, id)
			continue
		}
		seg, err := s.segment(id, true)
		if err == nil {
			for _, e := range b {
				if e.Value != nil {
					s.wrote(id, e.Key)
				}
			}
			err = seg.Apply(b)
		}
		errs = append(errs, err)
		clear(b) // drop references to the caller's bytes
		s.batchByID[id] = b[:0]
	}
	return errors.Join(errs...)
}

// NewIterator merges the segments [from, to) can touch into one key-ordered
// iterator that skips expired entries.
func (s *Segmented) NewIterator(from, to []byte) (Iterator, error) {
	if EmptyRange(from, to) {
		return EmptyIterator(nil), nil
	}
	loID, hiID := int64(math.MinInt64), int64(math.MaxInt64)
	var key []byte // the record key of a per-key fetch, with filters
	if s.o.Span != nil {
		if lo, hi, ok := s.o.Span(from, to); ok {
			loID, hiID = s.segID(lo), s.segID(hi)
			if s.o.Key != nil {
				key = s.o.Key(from)
			}
		}
	}
	var its []Iterator
	for _, id := range s.ids {
		if id < loID || id > hiID {
			continue
		}
		if f := s.filters[id]; f != nil && key != nil && !f.mayHold(key) {
			continue
		}
		it, err := s.segs[id].NewIterator(from, to)
		if err != nil {
			for _, o := range its {
				o.Close()
			}
			return nil, err
		}
		its = append(its, it)
	}
	it := MergeIterators(its...)
	if s.expiring {
		it = &liveIter{Iterator: it, s: s}
	}
	return it, nil
}

// Range calls fn over [from, to) in key order.
func (s *Segmented) Range(from, to []byte, fn func(k, v []byte) bool) error {
	it, err := s.NewIterator(from, to)
	return RangeIter(it, err, fn)
}

// Expire advances stream time to streamTime: entries with time <=
// streamTime-Retention expire and segments holding only such entries are
// dropped.
func (s *Segmented) Expire(streamTime int64) error {
	cutoff := satSub(streamTime, s.o.Retention)
	if s.expiring && cutoff <= s.cutoff {
		return nil
	}
	s.cutoff, s.expiring = cutoff, true
	var errs []error
	for len(s.ids) > 0 {
		id := s.ids[0]
		// The segment's last time is id*Interval+Interval-1; it is dead
		// when that is <= cutoff, i.e. id < segID(cutoff+1).
		if cutoff != math.MaxInt64 && id >= s.segID(cutoff+1) {
			break
		}
		if err := s.p.DropSegment(s.name, id); err != nil {
			errs = append(errs, fmt.Errorf("segmented store %s: drop segment %d: %w", s.name, id, err))
		}
		delete(s.segs, id)
		delete(s.filters, id)
		s.ids = s.ids[1:]
	}
	return errors.Join(errs...)
}

// liveIter hides expired entries of live segments.
type liveIter struct {
	Iterator
	s *Segmented
}

func (l *liveIter) Next() bool {
	for l.Iterator.Next() {
		if t, ok := l.s.o.TimeOf(l.Key()); ok && !l.s.Expired(t) {
			return true
		}
	}
	return false
}

// MergeIterators merges iterators over disjoint key sets into one in key
// order. Closing it closes them all.
func MergeIterators(its ...Iterator) Iterator {
	switch len(its) {
	case 0:
		return EmptyIterator(nil)
	case 1:
		return its[0]
	}
	m := &mergeIter{its: its, live: make([]bool, len(its)), cur: -1}
	for i, it := range its {
		m.live[i] = it.Next()
	}
	return m
}

type mergeIter struct {
	its  []Iterator
	live []bool
	cur  int
}

func (m *mergeIter) Next() bool {
	if m.cur >= 0 {
		m.live[m.cur] = m.its[m.cur].Next()
	}
	m.cur = -1
	for i, it := range m.its {
		if m.live[i] && (m.cur < 0 || bytes.Compare(it.Key(), m.its[m.cur].Key()) < 0) {
			m.cur = i
		}
	}
	return m.cur >= 0
}

func (m *mergeIter) Key() []byte   { return m.its[m.cur].Key() }
func (m *mergeIter) Value() []byte { return m.its[m.cur].Value() }

func (m *mergeIter) Close() error {
	var errs []error
	for _, it := range m.its {
		errs = append(errs, it.Close())
	}
	return errors.Join(errs...)
}
