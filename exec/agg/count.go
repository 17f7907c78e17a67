package agg

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/sluicedb/sluice/sql/types"
)

// count is COUNT(*), COUNT() and COUNT(col). The accumulator is an int64;
// it encodes as one zig-zag varint (1 byte up to 63).
type count struct {
	nargs int // 0: count rows; 1: count non-NULL values
}

var _ Aggregate = count{}

func newCount(b binding) (Aggregate, error) {
	if len(b.argTypes) > 1 {
		return nil, fmt.Errorf("COUNT takes at most 1 argument, got %d", len(b.argTypes))
	}
	return count{nargs: len(b.argTypes)}, nil
}

func (c count) ResultType() *types.Type { return types.TBigint }
func (c count) Init() any               { return int64(0) }

func (c count) delta(acc any, args []any, d int64) (any, error) {
	n, ok := acc.(int64)
	if !ok {
		return nil, accErr("COUNT", acc)
	}
	if len(args) != c.nargs {
		return nil, argsErr("COUNT", c.nargs, len(args))
	}
	if c.nargs == 1 && args[0] == nil {
		return n, nil
	}
	return n + d, nil
}

func (c count) Add(acc any, args []any) (any, error)  { return c.delta(acc, args, 1) }
func (c count) Undo(acc any, args []any) (any, error) { return c.delta(acc, args, -1) }

func (c count) Merge(a, b any) (any, error) {
	x, ok1 := a.(int64)
	y, ok2 := b.(int64)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("COUNT: cannot merge %T and %T", a, b)
	}
	return x + y, nil
}

func (c count) Result(acc any) any {
	n, _ := acc.(int64)
	return n
}

func (c count) Encode(acc any) ([]byte, error) {
	n, ok := acc.(int64)
	if !ok {
		return nil, accErr("COUNT", acc)
	}
	return binary.AppendVarint(make([]byte, 0, binary.MaxVarintLen64), n), nil
}

func (c count) Decode(b []byte) (any, error) {
	n, k := binary.Varint(b)
	if k <= 0 || k != len(b) {
		return nil, fmt.Errorf("decoding COUNT accumulator: malformed %d bytes", len(b))
	}
	return n, nil
}

// countDistinct is COUNT_DISTINCT, exact: the accumulator is the set of the
// canonical encodings of the distinct non-NULL values seen.
type countDistinct struct {
	t *types.Type
}

type distinctSet map[string]struct{}

var _ Aggregate = countDistinct{}

func newCountDistinct(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	return countDistinct{t: t}, nil
}

func (c countDistinct) ResultType() *types.Type { return types.TBigint }
func (c countDistinct) Init() any               { return distinctSet{} }

func (c countDistinct) Add(acc any, args []any) (any, error) {
	s, ok := acc.(distinctSet)
	if !ok {
		return nil, accErr("COUNT_DISTINCT", acc)
	}
	if len(args) != 1 {
		return nil, argsErr("COUNT_DISTINCT", 1, len(args))
	}
	if args[0] == nil {
		return s, nil
	}
	w := &writer{canonical: true}
	if err := encodeValue(w, c.t, args[0]); err != nil {
		return nil, fmt.Errorf("COUNT_DISTINCT: %w", err)
	}
	s[string(w.buf)] = struct{}{}
	return s, nil
}

func (c countDistinct) Undo(acc any, args []any) (any, error) { return nil, ErrNoUndo }

func (c countDistinct) Merge(a, b any) (any, error) {
	x, ok1 := a.(distinctSet)
	y, ok2 := b.(distinctSet)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("COUNT_DISTINCT: cannot merge %T and %T", a, b)
	}
	for k := range y {
		x[k] = struct{}{}
	}
	return x, nil
}

func (c countDistinct) Result(acc any) any {
	s, _ := acc.(distinctSet)
	return int64(len(s))
}

// Encode writes the keys sorted, so equal sets encode alike.
func (c countDistinct) Encode(acc any) ([]byte, error) {
	s, ok := acc.(distinctSet)
	if !ok {
		return nil, accErr("COUNT_DISTINCT", acc)
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w := &writer{}
	w.uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
	}
	return w.buf, nil
}

func (c countDistinct) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	n := r.count(1)
	s := make(distinctSet, n)
	for i := 0; i < n && r.err == nil; i++ {
		s[r.str()] = struct{}{}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return s, nil
}
