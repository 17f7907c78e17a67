package agg

import (
	"fmt"

	"github.com/sluicedb/sluice/sql/types"
)

// extreme is MIN and MAX: the accumulator is the best non-NULL value so far
// (nil before the first one), of the argument's type. ksqlDB cannot undo
// them.
type extreme struct {
	name string
	t    *types.Type
	sign int // 1 keeps the largest, -1 the smallest
}

// box keeps the accumulator a distinct Go type, so that a nil "no value
// yet" accumulator is still recognisable.
type extremeAcc struct{ v any }

var _ Aggregate = extreme{}

func newMin(b binding) (Aggregate, error) { return newExtreme(b, -1) }
func newMax(b binding) (Aggregate, error) { return newExtreme(b, 1) }

func newExtreme(b binding, sign int) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	if !comparableKind(t) {
		return nil, unsupportedType(b.name, t)
	}
	return extreme{name: b.name, t: t, sign: sign}, nil
}

func (e extreme) ResultType() *types.Type { return e.t }
func (e extreme) Init() any               { return &extremeAcc{} }

func (e extreme) offer(x *extremeAcc, v any) error {
	if v == nil {
		return nil
	}
	if x.v == nil {
		if _, ok := compareValues(e.t, v, v); !ok {
			return typeErr(e.name, e.t, v)
		}
		x.v = v
		return nil
	}
	c, ok := compareValues(e.t, v, x.v)
	if !ok {
		return typeErr(e.name, e.t, v)
	}
	if c*e.sign > 0 {
		x.v = v
	}
	return nil
}

func (e extreme) Add(acc any, args []any) (any, error) {
	x, ok := acc.(*extremeAcc)
	if !ok {
		return nil, accErr(e.name, acc)
	}
	if len(args) != 1 {
		return nil, argsErr(e.name, 1, len(args))
	}
	if err := e.offer(x, args[0]); err != nil {
		return nil, err
	}
	return x, nil
}

func (e extreme) Undo(acc any, args []any) (any, error) { return nil, ErrNoUndo }

func (e extreme) Merge(a, b any) (any, error) {
	x, ok1 := a.(*extremeAcc)
	y, ok2 := b.(*extremeAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: cannot merge %T and %T", e.name, a, b)
	}
	if err := e.offer(x, y.v); err != nil {
		return nil, err
	}
	return x, nil
}

func (e extreme) Result(acc any) any {
	x, ok := acc.(*extremeAcc)
	if !ok {
		return nil
	}
	return cloneValue(x.v)
}

func (e extreme) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*extremeAcc)
	if !ok {
		return nil, accErr(e.name, acc)
	}
	w := &writer{}
	if err := encodeNullable(w, e.t, x.v); err != nil {
		return nil, fmt.Errorf("%s: %w", e.name, err)
	}
	return w.buf, nil
}

func (e extreme) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	v := decodeNullable(r, e.t)
	if err := r.end(); err != nil {
		return nil, err
	}
	return &extremeAcc{v: v}, nil
}
