package agg

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/sluicedb/sluice/sql/types"
)

// errDecimalOverflow is ksqlDB's message when a DECIMAL sum outgrows its
// precision ("sum decimal with overflow").
var errDecimalOverflow = errors.New("Numeric field overflow")

// numeric is the running sum shared by SUM and AVG: exactly one of the
// fields is used, chosen by the argument type. INT and BIGINT sums wrap on
// overflow as Java's do; DECIMAL sums are exact at the argument's scale.
type numeric struct {
	i int64
	f float64
	d *big.Int // unscaled, at the argument type's scale
}

type numKind struct {
	t *types.Type
}

func (k numKind) zero() numeric {
	if k.t.Kind == types.DecimalKind {
		return numeric{d: new(big.Int)}
	}
	return numeric{}
}

// add adds (sign 1) or subtracts (sign -1) a non-NULL value.
func (k numKind) add(name string, n *numeric, v any, sign int64) error {
	switch k.t.Kind {
	case types.Int:
		x, ok := v.(int32)
		if !ok {
			return typeErr(name, k.t, v)
		}
		n.i += sign * int64(x)
	case types.Bigint:
		x, ok := v.(int64)
		if !ok {
			return typeErr(name, k.t, v)
		}
		n.i += sign * x
	case types.Double:
		x, ok := v.(float64)
		if !ok {
			return typeErr(name, k.t, v)
		}
		n.f += float64(sign) * x
	case types.DecimalKind:
		x, ok := v.(types.Decimal)
		if !ok {
			return typeErr(name, k.t, v)
		}
		u := unscaled(x)
		if x.Scale-k.t.Scale > maxDecimalScale || k.t.Scale-x.Scale > maxDecimalScale {
			return fmt.Errorf("%s: decimal scale %d out of range", name, x.Scale)
		}
		if x.Scale != k.t.Scale {
			u = types.Decimal{Unscaled: u, Scale: x.Scale}.Rescale(k.t.Scale).Unscaled
		}
		if n.d == nil {
			n.d = new(big.Int)
		}
		if sign < 0 {
			n.d.Sub(n.d, u)
		} else {
			n.d.Add(n.d, u)
		}
	default:
		return unsupportedType(name, k.t)
	}
	return nil
}

func (k numKind) merge(a, b *numeric) {
	a.i += b.i
	a.f += b.f
	if b.d != nil {
		if a.d == nil {
			a.d = new(big.Int)
		}
		a.d.Add(a.d, b.d)
	}
}

func (k numKind) encode(w *writer, n numeric) {
	switch k.t.Kind {
	case types.Double:
		w.f64(n.f)
	case types.DecimalKind:
		w.bigInt(n.d)
	default:
		w.varint(n.i)
	}
}

func (k numKind) decode(r *reader) numeric {
	switch k.t.Kind {
	case types.Double:
		return numeric{f: r.f64()}
	case types.DecimalKind:
		return numeric{d: r.bigInt()}
	}
	return numeric{i: r.varint()}
}

func (k numKind) decimal(n numeric) types.Decimal {
	u := new(big.Int)
	if n.d != nil {
		u.Set(n.d)
	}
	return types.Decimal{Unscaled: u, Scale: k.t.Scale}
}

func (k numKind) float(n numeric, count int64) float64 {
	switch k.t.Kind {
	case types.Double:
		return n.f / float64(count)
	case types.DecimalKind:
		num := k.decimal(n).Rat()
		f, _ := num.Quo(num, new(big.Rat).SetInt64(count)).Float64()
		return f
	}
	return float64(n.i) / float64(count)
}

func numericArg(b binding) (numKind, error) {
	t, err := oneArg(b)
	if err != nil {
		return numKind{}, err
	}
	switch t.Kind {
	case types.Int, types.Bigint, types.Double, types.DecimalKind:
		return numKind{t: t}, nil
	}
	return numKind{}, unsupportedType(b.name, t)
}

// sum is SUM. The result type is the argument type: INT stays INT (wrapping
// like Java) and DECIMAL(p, s) stays DECIMAL(p, s), failing on overflow.
type sum struct {
	k numKind
}

var _ Aggregate = sum{}

func newSum(b binding) (Aggregate, error) {
	k, err := numericArg(b)
	if err != nil {
		return nil, err
	}
	return sum{k: k}, nil
}

func (s sum) ResultType() *types.Type { return s.k.t }
func (s sum) Init() any               { n := s.k.zero(); return &n }

func (s sum) step(acc any, args []any, sign int64) (any, error) {
	n, ok := acc.(*numeric)
	if !ok {
		return nil, accErr("SUM", acc)
	}
	if len(args) != 1 {
		return nil, argsErr("SUM", 1, len(args))
	}
	if args[0] == nil {
		return n, nil
	}
	if err := s.k.add("SUM", n, args[0], sign); err != nil {
		return nil, err
	}
	if err := s.checkFit(n); err != nil {
		// Leave the accumulator as it was: the caller drops the bad row
		// and keeps aggregating.
		_ = s.k.add("SUM", n, args[0], -sign)
		return nil, err
	}
	return n, nil
}

func (s sum) checkFit(n *numeric) error {
	if s.k.t.Kind == types.DecimalKind && n.d != nil && s.k.decimal(*n).Precision() > s.k.t.Precision {
		return errDecimalOverflow
	}
	return nil
}

func (s sum) Add(acc any, args []any) (any, error)  { return s.step(acc, args, 1) }
func (s sum) Undo(acc any, args []any) (any, error) { return s.step(acc, args, -1) }

func (s sum) Merge(a, b any) (any, error) {
	x, ok1 := a.(*numeric)
	y, ok2 := b.(*numeric)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("SUM: cannot merge %T and %T", a, b)
	}
	before := *x
	if x.d != nil {
		before.d = new(big.Int).Set(x.d)
	}
	s.k.merge(x, y)
	if err := s.checkFit(x); err != nil {
		*x = before
		return nil, err
	}
	return x, nil
}

func (s sum) Result(acc any) any {
	n, ok := acc.(*numeric)
	if !ok {
		return nil
	}
	switch s.k.t.Kind {
	case types.Int:
		return int32(n.i)
	case types.Bigint:
		return n.i
	case types.Double:
		return n.f
	}
	return s.k.decimal(*n)
}

func (s sum) Encode(acc any) ([]byte, error) {
	n, ok := acc.(*numeric)
	if !ok {
		return nil, accErr("SUM", acc)
	}
	w := &writer{}
	s.k.encode(w, *n)
	return w.buf, nil
}

func (s sum) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	n := s.k.decode(r)
	if err := r.end(); err != nil {
		return nil, err
	}
	return &n, nil
}

// sumList is SUM_LIST: the sum of every element of the ARRAY arguments
// (of INT, BIGINT or DOUBLE), NULL arrays and elements skipped, typed as
// the elements.
type sumList struct{ sum }

var _ Aggregate = sumList{}

func newSumList(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	if t.Kind != types.Array {
		return nil, unsupportedType(b.name, t)
	}
	switch t.Elem.Kind {
	case types.Int, types.Bigint, types.Double:
		return sumList{sum{k: numKind{t: t.Elem}}}, nil
	}
	return nil, unsupportedType(b.name, t)
}

func (s sumList) step(acc any, args []any, sign int64) (any, error) {
	if len(args) != 1 {
		return nil, argsErr("SUM_LIST", 1, len(args))
	}
	if args[0] == nil {
		return acc, nil
	}
	elems, ok := args[0].([]any)
	if !ok {
		return nil, typeErr("SUM_LIST", types.ArrayOf(s.k.t), args[0])
	}
	n, ok := acc.(*numeric)
	if !ok {
		return nil, accErr("SUM_LIST", acc)
	}
	// INT, BIGINT and DOUBLE elements only: nothing to check for fit.
	for _, e := range elems {
		if e == nil {
			continue
		}
		if err := s.k.add("SUM_LIST", n, e, sign); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (s sumList) Add(acc any, args []any) (any, error)  { return s.step(acc, args, 1) }
func (s sumList) Undo(acc any, args []any) (any, error) { return s.step(acc, args, -1) }

// avg is AVG: a sum and a count, DOUBLE result, 0.0 for an empty group.
type avg struct {
	k numKind
}

type avgAcc struct {
	sum   numeric
	count int64
}

var _ Aggregate = avg{}

func newAvg(b binding) (Aggregate, error) {
	k, err := numericArg(b)
	if err != nil {
		return nil, err
	}
	return avg{k: k}, nil
}

func (a avg) ResultType() *types.Type { return types.TDouble }
func (a avg) Init() any               { return &avgAcc{sum: a.k.zero()} }

func (a avg) step(acc any, args []any, sign int64) (any, error) {
	x, ok := acc.(*avgAcc)
	if !ok {
		return nil, accErr("AVG", acc)
	}
	if len(args) != 1 {
		return nil, argsErr("AVG", 1, len(args))
	}
	if args[0] == nil {
		return x, nil
	}
	if err := a.k.add("AVG", &x.sum, args[0], sign); err != nil {
		return nil, err
	}
	x.count += sign
	return x, nil
}

func (a avg) Add(acc any, args []any) (any, error)  { return a.step(acc, args, 1) }
func (a avg) Undo(acc any, args []any) (any, error) { return a.step(acc, args, -1) }

func (a avg) Merge(x, y any) (any, error) {
	p, ok1 := x.(*avgAcc)
	q, ok2 := y.(*avgAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("AVG: cannot merge %T and %T", x, y)
	}
	a.k.merge(&p.sum, &q.sum)
	p.count += q.count
	return p, nil
}

func (a avg) Result(acc any) any {
	x, ok := acc.(*avgAcc)
	if !ok || x.count == 0 {
		return 0.0
	}
	return a.k.float(x.sum, x.count)
}

func (a avg) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*avgAcc)
	if !ok {
		return nil, accErr("AVG", acc)
	}
	w := &writer{}
	w.varint(x.count)
	a.k.encode(w, x.sum)
	return w.buf, nil
}

func (a avg) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	x := &avgAcc{count: r.varint()}
	x.sum = a.k.decode(r)
	if err := r.end(); err != nil {
		return nil, err
	}
	return x, nil
}
