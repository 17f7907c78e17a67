// Package skl is a sorted map from string keys to values: a skip list, the
// ordered structure under the in-memory store and the task cache.
//
// Nodes stay where they are until deleted, so a *Node is a cursor that
// survives inserts elsewhere in the list; deleting the node under a cursor
// invalidates it. Not safe for concurrent use.
//
// Layout: a search is a chain of dependent memory loads, one node per step,
// so each node carries what a step needs: its key's first eight bytes as a
// number (most steps decide on it without reading the key's bytes) and its
// lowest links inline (a node's own allocation holds them; only the rare
// taller nodes, which stay in the CPU cache anyway, link on through a
// separate slice). A search costs about one cache miss per step instead of
// three.
package skl

import "encoding/binary"

const (
	maxLevel = 24
	pBits    = 2 // each level holds 1/4 of the one below
	// inline is how many levels a node links in place; with pBits 2 only
	// one node in 64 is taller.
	inline = 3
)

// Node is one entry of the list.
type Node[V any] struct {
	pre   uint64 // prefix(key)
	key   string
	Value V
	low   [inline]*Node[V]
	high  []*Node[V] // levels inline.. of a taller node
}

// Key returns the node's key.
func (n *Node[V]) Key() string { return n.key }

// Next returns the following node, nil at the end.
func (n *Node[V]) Next() *Node[V] { return n.low[0] }

func (n *Node[V]) next(i int) *Node[V] {
	if i < inline {
		return n.low[i]
	}
	return n.high[i-inline]
}

func (n *Node[V]) setNext(i int, x *Node[V]) {
	if i < inline {
		n.low[i] = x
	} else {
		n.high[i-inline] = x
	}
}

// before tells whether n's key sorts before k, whose prefix is pre.
func (n *Node[V]) before(k string, pre uint64) bool {
	if n.pre != pre {
		return n.pre < pre
	}
	return n.key < k
}

// prefix returns k's first eight bytes as a big-endian number, zero padded,
// so that prefixes order as the keys do (equal prefixes decide nothing).
func prefix(k string) uint64 {
	if len(k) >= 8 {
		_ = k[7]
		return uint64(k[0])<<56 | uint64(k[1])<<48 | uint64(k[2])<<40 | uint64(k[3])<<32 |
			uint64(k[4])<<24 | uint64(k[5])<<16 | uint64(k[6])<<8 | uint64(k[7])
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// List is a skip list. The zero value is empty and ready to use.
type List[V any] struct {
	head  Node[V]
	level int
	rnd   uint64
	n     int
	prev  [maxLevel]*Node[V]
}

// Len returns the number of entries.
func (l *List[V]) Len() int { return l.n }

func (l *List[V]) init() {
	if l.head.high == nil {
		l.head.high = make([]*Node[V], maxLevel-inline)
		l.level = 1
		l.rnd = 0x9e3779b97f4a7c15
	}
}

func (l *List[V]) randomLevel() int {
	// xorshift64: cheap, and deterministic so tests replay the same shape.
	l.rnd ^= l.rnd << 13
	l.rnd ^= l.rnd >> 7
	l.rnd ^= l.rnd << 17
	lvl, r := 1, l.rnd
	for lvl < maxLevel && r&(1<<pBits-1) == 0 {
		lvl++
		r >>= pBits
	}
	return lvl
}

// seek returns the first node with key >= k, filling l.prev with the last
// node before it at each level when record is set.
func (l *List[V]) seek(k string, record bool) *Node[V] {
	l.init()
	pre := prefix(k)
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for nx := x.next(i); nx != nil && nx.before(k, pre); nx = x.next(i) {
			x = nx
		}
		if record {
			l.prev[i] = x
		}
	}
	return x.low[0]
}

// Get returns the node of k, nil if absent.
func (l *List[V]) Get(k string) *Node[V] {
	if n := l.seek(k, false); n != nil && n.key == k {
		return n
	}
	return nil
}

// Seek returns the first node with key >= k, nil if none.
func (l *List[V]) Seek(k string) *Node[V] { return l.seek(k, false) }

// First returns the smallest node, nil if the list is empty.
func (l *List[V]) First() *Node[V] {
	l.init()
	return l.head.low[0]
}

// Set stores v under k and returns its node, and whether k was new.
func (l *List[V]) Set(k string, v V) (*Node[V], bool) {
	n := l.seek(k, true)
	if n != nil && n.key == k {
		n.Value = v
		clear(l.prev[:l.level])
		return n, false
	}
	lvl := l.randomLevel()
	for i := l.level; i < lvl; i++ {
		l.prev[i] = &l.head
	}
	l.level = max(l.level, lvl)
	n = &Node[V]{pre: prefix(k), key: k, Value: v}
	if lvl > inline {
		n.high = make([]*Node[V], lvl-inline)
	}
	for i := range lvl {
		n.setNext(i, l.prev[i].next(i))
		l.prev[i].setNext(i, n)
	}
	l.n++
	clear(l.prev[:l.level])
	return n, true
}

// Delete removes k and reports whether it was there.
func (l *List[V]) Delete(k string) bool {
	n := l.seek(k, true)
	defer clear(l.prev[:l.level])
	if n == nil || n.key != k {
		return false
	}
	for i := range inline + len(n.high) {
		if i >= l.level || l.prev[i].next(i) != n {
			break
		}
		l.prev[i].setNext(i, n.next(i))
	}
	for l.level > 1 && l.head.next(l.level-1) == nil {
		l.level--
	}
	l.n--
	return true
}
