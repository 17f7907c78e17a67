package agg

import (
	"errors"
	"fmt"
	"math"

	"github.com/sluicedb/sluice/sql/types"
)

// collectList is COLLECT_LIST: values (NULLs included) in arrival order, at
// most limit of them; later values are dropped. Undo removes the last equal
// element, as ksqlDB does.
type collectList struct {
	t     *types.Type
	limit int
}

type listAcc struct{ vals []any }

var _ Aggregate = collectList{}

func newCollectList(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	limit, err := limitProp(b.props, PropCollectListLimit, DefaultCollectLimit)
	if err != nil {
		return nil, err
	}
	return collectList{t: t, limit: limit}, nil
}

func (c collectList) ResultType() *types.Type { return types.ArrayOf(c.t) }
func (c collectList) Init() any               { return &listAcc{} }

func (c collectList) acc(acc any, args []any) (*listAcc, error) {
	x, ok := acc.(*listAcc)
	if !ok {
		return nil, accErr("COLLECT_LIST", acc)
	}
	if len(args) != 1 {
		return nil, argsErr("COLLECT_LIST", 1, len(args))
	}
	return x, nil
}

func (c collectList) Add(acc any, args []any) (any, error) {
	x, err := c.acc(acc, args)
	if err != nil {
		return nil, err
	}
	if len(x.vals) < c.limit {
		x.vals = append(x.vals, args[0])
	}
	return x, nil
}

func (c collectList) Undo(acc any, args []any) (any, error) {
	x, err := c.acc(acc, args)
	if err != nil {
		return nil, err
	}
	// Not found means the value arrived after the limit was reached.
	if i := lastIndexOf(x.vals, args[0]); i >= 0 {
		x.vals = append(x.vals[:i], x.vals[i+1:]...)
	}
	return x, nil
}

func (c collectList) Merge(a, b any) (any, error) {
	x, ok1 := a.(*listAcc)
	y, ok2 := b.(*listAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("COLLECT_LIST: cannot merge %T and %T", a, b)
	}
	room := max(0, c.limit-len(x.vals))
	x.vals = append(x.vals, y.vals[:min(room, len(y.vals))]...)
	return x, nil
}

func (c collectList) Result(acc any) any {
	x, ok := acc.(*listAcc)
	if !ok {
		return []any{}
	}
	out := cloneValues(x.vals)
	if out == nil {
		out = []any{}
	}
	return out
}

func (c collectList) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*listAcc)
	if !ok {
		return nil, accErr("COLLECT_LIST", acc)
	}
	w := &writer{}
	if err := encodeValues(w, c.t, x.vals); err != nil {
		return nil, fmt.Errorf("COLLECT_LIST: %w", err)
	}
	return w.buf, nil
}

func (c collectList) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	vals := decodeValues(r, c.t)
	if err := r.end(); err != nil {
		return nil, err
	}
	return &listAcc{vals: vals}, nil
}

// collectSet is COLLECT_SET: distinct values (NULL included) in order of
// first arrival, at most limit of them. Each element keeps the number of
// rows that contributed it, so that Undo only drops it with the last one.
// Elements are identified by their canonical encoding, which is equality as
// Java's equals sees it (maps regardless of entry order, decimals with their
// scale, NaN equal to NaN).
type collectSet struct {
	t     *types.Type
	limit int
}

type setAcc struct {
	vals   []any
	keys   []string         // canonical encodings, parallel to vals
	counts map[string]int64 // rows per element
}

var _ Aggregate = collectSet{}

func newCollectSet(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	limit, err := limitProp(b.props, PropCollectSetLimit, DefaultCollectLimit)
	if err != nil {
		return nil, err
	}
	return collectSet{t: t, limit: limit}, nil
}

func (c collectSet) ResultType() *types.Type { return types.ArrayOf(c.t) }
func (c collectSet) Init() any               { return &setAcc{counts: map[string]int64{}} }

func (c collectSet) key(v any) (string, error) {
	w := &writer{canonical: true}
	if err := encodeNullable(w, c.t, v); err != nil {
		return "", fmt.Errorf("COLLECT_SET: %w", err)
	}
	return string(w.buf), nil
}

func (c collectSet) acc(acc any, args []any) (*setAcc, string, error) {
	x, ok := acc.(*setAcc)
	if !ok {
		return nil, "", accErr("COLLECT_SET", acc)
	}
	if len(args) != 1 {
		return nil, "", argsErr("COLLECT_SET", 1, len(args))
	}
	k, err := c.key(args[0])
	if err != nil {
		return nil, "", err
	}
	return x, k, nil
}

func (c collectSet) put(x *setAcc, k string, v any, n int64) {
	if _, ok := x.counts[k]; ok {
		x.counts[k] += n
		return
	}
	if len(x.vals) < c.limit {
		x.vals = append(x.vals, v)
		x.keys = append(x.keys, k)
		x.counts[k] = n
	}
}

func (c collectSet) Add(acc any, args []any) (any, error) {
	x, k, err := c.acc(acc, args)
	if err != nil {
		return nil, err
	}
	c.put(x, k, args[0], 1)
	return x, nil
}

func (c collectSet) Undo(acc any, args []any) (any, error) {
	x, k, err := c.acc(acc, args)
	if err != nil {
		return nil, err
	}
	n, ok := x.counts[k]
	if !ok {
		return x, nil
	}
	if n > 1 {
		x.counts[k] = n - 1
		return x, nil
	}
	delete(x.counts, k)
	for i := range x.keys {
		if x.keys[i] == k {
			x.vals = append(x.vals[:i], x.vals[i+1:]...)
			x.keys = append(x.keys[:i], x.keys[i+1:]...)
			break
		}
	}
	return x, nil
}

func (c collectSet) Merge(a, b any) (any, error) {
	x, ok1 := a.(*setAcc)
	y, ok2 := b.(*setAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("COLLECT_SET: cannot merge %T and %T", a, b)
	}
	if x == y {
		return nil, errors.New("COLLECT_SET: cannot merge an accumulator with itself")
	}
	for i, v := range y.vals {
		c.put(x, y.keys[i], v, y.counts[y.keys[i]])
	}
	return x, nil
}

func (c collectSet) Result(acc any) any {
	x, ok := acc.(*setAcc)
	if !ok {
		return []any{}
	}
	out := cloneValues(x.vals)
	if out == nil {
		out = []any{}
	}
	return out
}

func (c collectSet) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*setAcc)
	if !ok {
		return nil, accErr("COLLECT_SET", acc)
	}
	w := &writer{}
	w.uvarint(uint64(len(x.vals)))
	for i, v := range x.vals {
		if err := encodeNullable(w, c.t, v); err != nil {
			return nil, fmt.Errorf("COLLECT_SET: %w", err)
		}
		w.uvarint(uint64(x.counts[x.keys[i]]))
	}
	return w.buf, nil
}

func (c collectSet) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	n := r.count(2)
	x := &setAcc{vals: make([]any, 0, n), keys: make([]string, 0, n), counts: make(map[string]int64, n)}
	for i := 0; i < n && r.err == nil; i++ {
		v := decodeNullable(r, c.t)
		m := r.uvarint()
		if r.err != nil {
			break
		}
		if m == 0 || m > 1<<62 {
			r.fail(fmt.Errorf("bad multiplicity %d", m))
			break
		}
		k, err := c.key(v)
		if err != nil {
			r.fail(err)
			break
		}
		if _, dup := x.counts[k]; dup {
			r.fail(errors.New("duplicate set element"))
			break
		}
		x.vals = append(x.vals, v)
		x.keys = append(x.keys, k)
		x.counts[k] = int64(m)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return x, nil
}

// attr is ATTR: the value every row has, or NULL once two rows differ
// (NULL counts as a value). It keeps COLLECT_SET's counted set, unbounded,
// so that a table update retracting the odd row brings the value back.
type attr struct{ collectSet }

var _ Aggregate = attr{}

func newAttr(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	return attr{collectSet{t: t, limit: math.MaxInt}}, nil
}

func (a attr) ResultType() *types.Type { return a.t }

func (a attr) Result(acc any) any {
	x, ok := acc.(*setAcc)
	if !ok || len(x.vals) != 1 {
		return nil
	}
	return cloneValue(x.vals[0])
}
