package agg

import (
	"errors"
	"fmt"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/sql/types"
)

// topK is TOPK and TOPKDISTINCT:
//
//	TOPK(col, k)               ARRAY<T>, the k largest values, duplicates kept
//	TOPK(col, c1, ..., cn, k)  ARRAY<STRUCT<sort_col T, col0 C1, ...>>, rows
//	                           ordered by col; ties keep arrival order
//	TOPKDISTINCT(col, k)       ARRAY<T>, the k largest distinct values
//
// Rows whose col is NULL are skipped. The accumulator is the current top
// list, largest first (struct rows for the struct form). ksqlDB cannot undo
// them.
type topK struct {
	name     string
	t        *types.Type // sort column
	others   []*types.Type
	k        int
	distinct bool
	elem     *types.Type // result element: t, or the struct
}

type topAcc struct{ vals []any }

var _ Aggregate = topK{}

func newTopK(b binding) (Aggregate, error)         { return newTop(b, false) }
func newTopKDistinct(b binding) (Aggregate, error) { return newTop(b, true) }

func newTop(b binding, distinct bool) (Aggregate, error) {
	n := len(b.argTypes)
	if n < 2 || (distinct && n != 2) {
		return nil, fmt.Errorf("%s: wrong number of arguments (%d)", b.name, n)
	}
	t := b.argTypes[0]
	if !comparableKind(t) {
		return nil, unsupportedType(b.name, t)
	}
	if kt := b.argTypes[n-1].Kind; kt != types.Int && kt != types.Bigint {
		return nil, fmt.Errorf("%s: k must be an INT, got %s", b.name, b.argTypes[n-1])
	}
	k, ok := constInt(b.constArgs[n-1])
	if !ok {
		return nil, fmt.Errorf("%s: k must be an integer literal, got %T", b.name, b.constArgs[n-1])
	}
	if k < 1 || k > 1<<20 {
		return nil, fmt.Errorf("%s: k must be between 1 and %d, got %d", b.name, 1<<20, k)
	}
	f := topK{name: b.name, t: t, others: b.argTypes[1 : n-1], k: int(k), distinct: distinct, elem: t}
	if len(f.others) > 0 {
		f.elem = functions.TopKRow(t, f.others)
	}
	return f, nil
}

func (f topK) ResultType() *types.Type { return types.ArrayOf(f.elem) }
func (f topK) Init() any               { return &topAcc{} }

// sortKey is the value a list element is ordered by.
func (f topK) sortKey(v any) any {
	if len(f.others) == 0 {
		return v
	}
	s, ok := v.(*types.Struct)
	if !ok || s == nil || len(s.Values) == 0 {
		return nil
	}
	return s.Values[0]
}

// offer inserts v (already shaped as a list element) after every element
// not smaller than it, and trims to k.
func (f topK) offer(x *topAcc, v any) error {
	key := f.sortKey(v)
	if key == nil {
		return nil
	}
	i := 0
	for ; i < len(x.vals); i++ {
		c, ok := compareValues(f.t, f.sortKey(x.vals[i]), key)
		if !ok {
			return typeErr(f.name, f.t, key)
		}
		if c == 0 && f.distinct {
			return nil
		}
		if c < 0 {
			break
		}
	}
	if len(x.vals) == 0 {
		if _, ok := compareValues(f.t, key, key); !ok {
			return typeErr(f.name, f.t, key)
		}
	}
	if i >= f.k {
		return nil
	}
	x.vals = append(x.vals, nil)
	copy(x.vals[i+1:], x.vals[i:])
	x.vals[i] = v
	if len(x.vals) > f.k {
		x.vals = x.vals[:f.k]
	}
	return nil
}

func (f topK) Add(acc any, args []any) (any, error) {
	x, ok := acc.(*topAcc)
	if !ok {
		return nil, accErr(f.name, acc)
	}
	want := 2 + len(f.others)
	if len(args) != want {
		return nil, argsErr(f.name, want, len(args))
	}
	if args[0] == nil {
		return x, nil
	}
	v := args[0]
	if len(f.others) > 0 {
		v = &types.Struct{Values: append([]any(nil), args[:len(args)-1]...)}
	}
	if err := f.offer(x, v); err != nil {
		return nil, err
	}
	return x, nil
}

func (f topK) Undo(acc any, args []any) (any, error) { return nil, ErrNoUndo }

func (f topK) Merge(a, b any) (any, error) {
	x, ok1 := a.(*topAcc)
	y, ok2 := b.(*topAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: cannot merge %T and %T", f.name, a, b)
	}
	for _, v := range y.vals {
		if err := f.offer(x, v); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (f topK) Result(acc any) any {
	x, ok := acc.(*topAcc)
	if !ok {
		return []any{}
	}
	out := cloneValues(x.vals)
	if out == nil {
		out = []any{}
	}
	return out
}

func (f topK) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*topAcc)
	if !ok {
		return nil, accErr(f.name, acc)
	}
	w := &writer{}
	if err := encodeValues(w, f.elem, x.vals); err != nil {
		return nil, fmt.Errorf("%s: %w", f.name, err)
	}
	return w.buf, nil
}

func (f topK) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	vals := decodeValues(r, f.elem)
	if err := r.end(); err != nil {
		return nil, err
	}
	for _, v := range vals {
		if f.sortKey(v) == nil {
			return nil, errors.New("decoding accumulator: NULL in a top-k list")
		}
	}
	return &topAcc{vals: vals}, nil
}
