// Package sorted is a sorted map from string keys to values: the ordered
// structure under the in-memory store and the task cache. It is a B-tree
// (github.com/tidwall/btree; this package is its only importer).
//
// Why a B-tree: the cache inserts every record of a join into a map of tens
// of thousands of keys, and a skip list's search is a chain of dependent
// loads, about one cache miss per step; a B-tree node keeps its keys side by
// side, so a search touches a few nodes. Each item carries its key's first
// eight bytes as a number, so that most comparisons read no key bytes.
//
// Iterators survive writes to the map: one that finds the map changed since
// it moved re-seeks to the successor of the key it is at, so it goes on in
// key order and sees the values as they are now. Not safe for concurrent
// use.
package sorted

import (
	"encoding/binary"
	"unsafe"

	"github.com/tidwall/btree"
)

type item[V any] struct {
	pre uint64 // prefix(key)
	key string
	val V
}

func less[V any](a, b item[V]) bool {
	if a.pre != b.pre {
		return a.pre < b.pre
	}
	return a.key < b.key
}

// prefix returns k's first eight bytes as a big-endian number, zero padded,
// so that prefixes order as the keys do (equal prefixes decide nothing).
func prefix(k string) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(unsafe.Slice(unsafe.StringData(k), 8))
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

func probe[V any](k string) item[V] { return item[V]{pre: prefix(k), key: k} }

// Map is a sorted map. The zero value is empty and ready to use.
type Map[V any] struct {
	t *btree.BTreeG[item[V]]
	// gen counts the writes, so that iterators notice them.
	gen uint64
}

func (m *Map[V]) tree() *btree.BTreeG[item[V]] {
	if m.t == nil {
		m.t = btree.NewBTreeGOptions(less[V], btree.Options{NoLocks: true})
	}
	return m.t
}

// Len returns the number of entries.
func (m *Map[V]) Len() int {
	if m.t == nil {
		return 0
	}
	return m.t.Len()
}

// Get returns k's value and whether k is present. k is not retained.
func (m *Map[V]) Get(k string) (V, bool) {
	it, ok := m.tree().Get(probe[V](k))
	return it.val, ok
}

// Set stores v under k (which the map keeps: it must not change) and
// returns the value it replaced, if any.
func (m *Map[V]) Set(k string, v V) (prev V, replaced bool) {
	m.gen++
	it, ok := m.tree().Set(item[V]{pre: prefix(k), key: k, val: v})
	return it.val, ok
}

// Delete removes k and returns its value, if it was there. k is not
// retained.
func (m *Map[V]) Delete(k string) (V, bool) {
	m.gen++
	it, ok := m.tree().Delete(probe[V](k))
	return it.val, ok
}

// Clear removes every entry.
func (m *Map[V]) Clear() {
	m.gen++
	if m.t != nil {
		m.t.Clear()
	}
}

// Scan calls fn for each entry in key order until fn returns false. fn
// must not write to the map.
func (m *Map[V]) Scan(fn func(k string, v V) bool) {
	m.tree().Scan(func(it item[V]) bool { return fn(it.key, it.val) })
}

// Iter is a cursor over a Map in key order. Position it with Seek or
// First (the zero value is at no entry), and Release it when done. It
// points into itself: do not copy one that is in use.
type Iter[V any] struct {
	m   *Map[V]
	it  btree.IterG[item[V]]
	gen uint64
	ok  bool
}

func (i *Iter[V]) init(m *Map[V]) {
	i.m, i.gen = m, m.gen
	i.it.Init(m.tree(), false)
}

// Seek moves the iterator to the first entry of m with key >= k (k is not
// retained) and reports whether there is one.
func (i *Iter[V]) Seek(m *Map[V], k string) bool {
	i.init(m)
	i.ok = i.it.Seek(probe[V](k))
	return i.ok
}

// First moves the iterator to the smallest entry of m and reports whether
// there is one.
func (i *Iter[V]) First(m *Map[V]) bool {
	i.init(m)
	i.ok = i.it.First()
	return i.ok
}

// Valid reports whether the iterator is at an entry.
func (i *Iter[V]) Valid() bool {
	i.sync()
	return i.ok
}

// Key returns the entry's key; valid only while Valid.
func (i *Iter[V]) Key() string {
	i.sync()
	return i.it.Item().key
}

// Value returns the entry's value; valid only while Valid.
func (i *Iter[V]) Value() V {
	i.sync()
	return i.it.Item().val
}

// Next moves to the following entry and reports whether there is one.
func (i *Iter[V]) Next() bool {
	i.sync()
	if i.ok {
		i.ok = i.it.Next()
	}
	return i.ok
}

// sync re-seeks after a write to the map: the tree may have moved its
// items, and the one under the cursor may be gone or hold a new value.
func (i *Iter[V]) sync() {
	if !i.ok || i.gen == i.m.gen {
		return
	}
	i.gen = i.m.gen
	k := i.it.Item().key
	i.it.Release()
	i.it.Init(i.m.tree(), false)
	i.ok = i.it.Seek(probe[V](k))
}

// Release frees the iterator's resources; Seek or First may use it again.
func (i *Iter[V]) Release() {
	if i.m != nil {
		i.it.Release()
	}
	i.ok = false
}
