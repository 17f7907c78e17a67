package rocks

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/linxGnu/grocksdb"

	"github.com/sluicedb/sluice/state"
)

// Store is a key-value store on one column family.
type Store struct {
	d    *DB
	name string
	cf   *grocksdb.ColumnFamilyHandle
	cfID uint32
	// order and rep are Apply's reused sort order and encoded batch.
	order, scratch []sortRef
	rep            []byte
	// writes counts the writes to the store; spare is an iterator whose
	// caller closed it while the store had the same count, kept open for
	// the next NewIterator (see there).
	writes uint64
	spare  *native
}

var _ state.KeyValueStore = (*Store)(nil)

var errClosed = errors.New("rocks: store is closed (DB closed or store dropped)")

// release frees the store's native memory; the store is unusable after.
func (s *Store) release() {
	s.dropSpare()
	s.cf = nil
}

// wrote notes a write: a RocksDB iterator reads the data as of its
// creation, so the spare one would miss it.
func (s *Store) wrote() {
	s.writes++
	s.dropSpare()
}

func (s *Store) dropSpare() {
	if s.spare != nil {
		s.spare.destroy()
		s.spare = nil
	}
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
	s.wrote()
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
	s.wrote()
	if err := s.d.db.DeleteCF(s.d.wo, s.cf, key); err != nil {
		return fmt.Errorf("rocks: delete %s: %w", s.name, err)
	}
	return nil
}

// Apply writes the batch as one WriteBatch, in key order: the memtable's
// skip list resumes each insert from where the previous one ended, so keys
// in order cost a short walk each instead of a search from the top (a
// commit's batch of random keys spent most of its time in that search).
// Equal keys stay in batch order, so a key written twice keeps its last
// value. The batch is encoded here, in RocksDB's WriteBatch format, and
// handed over in one call rather than one cgo call per entry.
func (s *Store) Apply(batch []state.Entry) error {
	if err := s.live(); err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	s.wrote()
	s.order = s.order[:0]
	size := 12
	for i, e := range batch {
		s.order = append(s.order, newSortRef(e.Key, i))
		size += len(e.Key) + len(e.Value) + 2*binary.MaxVarintLen32 + 1
	}
	s.scratch = sortBatch(s.order, func(i int32) []byte { return batch[i].Key }, s.scratch)
	// Sized once: a commit's batch is megabytes, and growing it by
	// doubling copies it over and over.
	s.rep = appendBatchHeader(slices.Grow(s.rep[:0], size), len(batch))
	for _, r := range s.order {
		s.rep = appendBatchEntry(s.rep, s.cfID, batch[r.i])
	}
	wb := grocksdb.WriteBatchFrom(s.rep)
	defer wb.Destroy()
	if len(s.rep) > 16<<20 {
		s.rep = nil // do not keep a large buffer between commits
	}
	if err := s.d.db.Write(s.d.wo, wb); err != nil {
		return fmt.Errorf("rocks: write batch %s (%d entries): %w", s.name, len(batch), err)
	}
	return nil
}

// RocksDB's WriteBatch encoding (db/write_batch.cc): a 12-byte header
// (sequence number, fixed64, then entry count, fixed32, little-endian),
// then per entry a tag, the column family id as a varint32 unless it is the
// default family, and the key and value as length-prefixed strings.
const (
	tagDeletion   = 0x0
	tagValue      = 0x1
	tagCFDeletion = 0x4
	tagCFValue    = 0x5
)

func appendBatchHeader(b []byte, count int) []byte {
	b = binary.LittleEndian.AppendUint64(b, 0)
	return binary.LittleEndian.AppendUint32(b, uint32(count))
}

func appendBatchEntry(b []byte, cf uint32, e state.Entry) []byte {
	del := e.Value == nil
	switch {
	case cf == 0 && del:
		b = append(b, tagDeletion)
	case cf == 0:
		b = append(b, tagValue)
	case del:
		b = append(b, tagCFDeletion)
	default:
		b = append(b, tagCFValue)
	}
	if cf != 0 {
		b = binary.AppendUvarint(b, uint64(cf))
	}
	b = binary.AppendUvarint(b, uint64(len(e.Key)))
	b = append(b, e.Key...)
	if !del {
		b = binary.AppendUvarint(b, uint64(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b
}

// NewIterator returns an iterator over [from, to).
//
// Why this shape: a join looks up a short range for every record, and a
// fresh RocksDB iterator (ReadOptions with copied bounds, the iterator, its
// destruction: several cgo calls and a superversion reference each) cost
// more than the seek itself. So when the caller closes a bounded iterator
// while the store has not been written since it was created, the store
// keeps it as its spare, and the next bounded NewIterator only sets the new
// upper bound and seeks again: it sees the same data a new one would.
// RocksDB's iterator reads its upper bound through a pointer into its
// ReadOptions, so a bound changed before a Seek applies to that seek
// (TestIteratorReuse checks wider and narrower ones). The lower bound is
// where it seeks. Writes and DB.Flush drop the spare, so it pins neither
// stale memtables nor compacted files for long. Unbounded scans (restores,
// full scans) get an iterator of their own.
func (s *Store) NewIterator(from, to []byte) (state.Iterator, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if state.EmptyRange(from, to) {
		return state.EmptyIterator(nil), nil
	}
	var n *native
	if to == nil {
		n = &native{it: s.d.db.NewIteratorCF(s.d.ro, s.cf), writes: s.writes}
	} else {
		n = s.spare
		s.spare = nil
		// The bound is copied: the caller may change its slice under us,
		// and RocksDB reads it while the iterator lives.
		if n == nil {
			n = &native{ro: grocksdb.NewDefaultReadOptions(), writes: s.writes}
			n.to = append(n.to, to...)
			n.ro.SetIterateUpperBound(n.to)
			n.it = s.d.db.NewIteratorCF(n.ro, s.cf)
		} else {
			n.to = append(n.to[:0], to...)
			n.ro.SetIterateUpperBound(n.to)
		}
	}
	it := &iterator{s: s, n: n, bounded: to != nil}
	if from == nil {
		n.it.SeekToFirst()
	} else {
		n.it.Seek(from)
	}
	s.d.iters[it] = struct{}{}
	return it, nil
}

// Range calls fn over [from, to) in key order.
func (s *Store) Range(from, to []byte, fn func(k, v []byte) bool) error {
	it, err := s.NewIterator(from, to)
	return state.RangeIter(it, err, fn)
}

// native is a RocksDB iterator with the buffers its users copy into.
type native struct {
	it       *grocksdb.Iterator
	ro       *grocksdb.ReadOptions // nil: unbounded, with the DB's
	writes   uint64                // the store's write count when it was created
	to       []byte
	key, val []byte
}

func (n *native) destroy() {
	n.it.Close()
	if n.ro != nil {
		n.ro.Destroy()
	}
}

type iterator struct {
	s       *Store
	n       *native // nil once closed
	bounded bool
	started bool
	done    bool
	err     error
}

func (i *iterator) Next() bool {
	if i.n == nil || i.done {
		return false
	}
	it := i.n.it
	if i.started {
		it.Next()
	}
	i.started = true
	if !it.Valid() {
		i.err = it.Err()
		i.done = true
		return false
	}
	// Copies: the native slices move with the iterator, and Go code must not
	// keep pointers into C memory past that.
	k := it.Key().Data()
	// RocksDB stops at the bound already: this compare is cheap insurance
	// against a reused iterator reading a stale one.
	if i.bounded && bytes.Compare(k, i.n.to) >= 0 {
		i.done = true
		return false
	}
	i.n.key = append(i.n.key[:0], k...)
	i.n.val = append(i.n.val[:0], it.Value().Data()...)
	if i.n.val == nil {
		i.n.val = []byte{}
	}
	return true
}

func (i *iterator) Key() []byte {
	if i.n == nil || !i.started || i.done {
		return nil
	}
	return i.n.key
}

func (i *iterator) Value() []byte {
	if i.n == nil || !i.started || i.done {
		return nil
	}
	return i.n.val
}

// Close returns the first error met; the native iterator becomes the
// store's spare when it still shows the store's current data.
func (i *iterator) Close() error {
	if i.n == nil {
		return i.err
	}
	n := i.n
	i.n = nil
	delete(i.s.d.iters, i)
	if i.err == nil && !i.started {
		// Once Next has seen the iterator valid its status was OK, and
		// where it saw it invalid it took the error: asking again costs a
		// cgo call and an allocation per iterator.
		i.err = n.it.Err()
	}
	if i.err == nil && n.ro != nil && i.s.spare == nil && n.writes == i.s.writes && i.s.cf != nil {
		i.s.spare = n
	} else {
		n.destroy()
	}
	if i.err != nil {
		i.err = fmt.Errorf("rocks: iterate: %w", i.err)
	}
	return i.err
}
