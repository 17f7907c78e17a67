// Package skl is a sorted map from string keys to values: a skip list, the
// ordered structure under the in-memory store and the task cache.
//
// Nodes stay where they are until deleted, so a *Node is a cursor that
// survives inserts elsewhere in the list; deleting the node under a cursor
// invalidates it. Not safe for concurrent use.
package skl

const (
	maxLevel = 24
	pBits    = 2 // each level holds 1/4 of the one below
)

// Node is one entry of the list.
type Node[V any] struct {
	key   string
	Value V
	next  []*Node[V]
}

// Key returns the node's key.
func (n *Node[V]) Key() string { return n.key }

// Next returns the following node, nil at the end.
func (n *Node[V]) Next() *Node[V] { return n.next[0] }

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
	if l.head.next == nil {
		l.head.next = make([]*Node[V], maxLevel)
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
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for nx := x.next[i]; nx != nil && nx.key < k; nx = x.next[i] {
			x = nx
		}
		if record {
			l.prev[i] = x
		}
	}
	return x.next[0]
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
	return l.head.next[0]
}

// Set stores v under k and returns its node, and whether k was new.
func (l *List[V]) Set(k string, v V) (*Node[V], bool) {
	n := l.seek(k, true)
	if n != nil && n.key == k {
		n.Value = v
		return n, false
	}
	lvl := l.randomLevel()
	for i := l.level; i < lvl; i++ {
		l.prev[i] = &l.head
	}
	l.level = max(l.level, lvl)
	n = &Node[V]{key: k, Value: v, next: make([]*Node[V], lvl)}
	for i := range lvl {
		n.next[i] = l.prev[i].next[i]
		l.prev[i].next[i] = n
	}
	l.n++
	clear(l.prev[:])
	return n, true
}

// Delete removes k and reports whether it was there.
func (l *List[V]) Delete(k string) bool {
	n := l.seek(k, true)
	defer clear(l.prev[:])
	if n == nil || n.key != k {
		return false
	}
	for i := range n.next {
		l.prev[i].next[i] = n.next[i]
	}
	for l.level > 1 && l.head.next[l.level-1] == nil {
		l.level--
	}
	l.n--
	return true
}
