package agg

import (
	"fmt"
	"math"

	"github.com/sluicedb/sluice/sql/types"
)

// stddev is STDDEV_SAMP and STDDEV_SAMPLE over INT, BIGINT or DOUBLE. The
// accumulator is (count, sum, m2) updated as ksqlDB does, so results agree
// to the last bit (standarddeviation.json):
//
//	delta = x*(count+1) - (sum+x)        (in the argument's arithmetic)
//	m2   += delta² / ((count+1)*count)
//
// Following the corpus, STDDEV_SAMP yields the sample variance m2/(count-1)
// and STDDEV_SAMPLE its square root; both are 0.0 below two values.
type stddev struct {
	name string
	t    *types.Type
	sqrt bool
}

type stdAcc struct {
	count int64
	isum  int64 // INT (wrapping at 32 bits) and BIGINT
	fsum  float64
	m2    float64
}

var _ Aggregate = stddev{}

func newStddevSamp(b binding) (Aggregate, error)   { return newStddev(b, false) }
func newStddevSample(b binding) (Aggregate, error) { return newStddev(b, true) }

func newStddev(b binding, sqrt bool) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	switch t.Kind {
	case types.Int, types.Bigint, types.Double:
	default:
		return nil, unsupportedType(b.name, t)
	}
	return stddev{name: b.name, t: t, sqrt: sqrt}, nil
}

func (s stddev) ResultType() *types.Type { return types.TDouble }
func (s stddev) Init() any               { return &stdAcc{} }

// step adds (sign 1) or retracts (sign -1) a non-NULL value. Retraction
// replays the addition backwards: from the group without v, the delta v
// would have had.
func (s stddev) step(x *stdAcc, v any, sign int64) error {
	switch s.t.Kind {
	case types.Int:
		i, ok := v.(int32)
		if !ok {
			return typeErr(s.name, s.t, v)
		}
		s.stepInt(x, int64(i), sign, true)
	case types.Bigint:
		i, ok := v.(int64)
		if !ok {
			return typeErr(s.name, s.t, v)
		}
		s.stepInt(x, i, sign, false)
	case types.Double:
		f, ok := v.(float64)
		if !ok {
			return typeErr(s.name, s.t, v)
		}
		if sign > 0 {
			if x.count > 0 {
				delta := f*float64(x.count+1) - (x.fsum + f)
				x.m2 += delta * delta / float64((x.count+1)*x.count)
			}
			x.count++
			x.fsum += f
			return nil
		}
		if x.count <= 1 {
			*x = stdAcc{}
			return nil
		}
		x.fsum -= f
		x.count--
		delta := f*float64(x.count+1) - (x.fsum + f)
		x.m2 = max(0, x.m2-delta*delta/float64((x.count+1)*x.count))
	}
	return nil
}

func (s stddev) stepInt(x *stdAcc, i, sign int64, wrap32 bool) {
	norm := func(v int64) int64 {
		if wrap32 {
			return int64(int32(v))
		}
		return v
	}
	if sign > 0 {
		if x.count > 0 {
			delta := float64(i*(x.count+1) - norm(x.isum+i))
			x.m2 += delta * delta / float64((x.count+1)*x.count)
		}
		x.count++
		x.isum = norm(x.isum + i)
		return
	}
	if x.count <= 1 {
		*x = stdAcc{}
		return
	}
	x.isum = norm(x.isum - i)
	x.count--
	delta := float64(i*(x.count+1) - norm(x.isum+i))
	x.m2 = max(0, x.m2-delta*delta/float64((x.count+1)*x.count))
}

func (s stddev) apply(acc any, args []any, sign int64) (any, error) {
	x, ok := acc.(*stdAcc)
	if !ok {
		return nil, accErr(s.name, acc)
	}
	if len(args) != 1 {
		return nil, argsErr(s.name, 1, len(args))
	}
	if args[0] == nil {
		return x, nil
	}
	if err := s.step(x, args[0], sign); err != nil {
		return nil, err
	}
	return x, nil
}

func (s stddev) Add(acc any, args []any) (any, error)  { return s.apply(acc, args, 1) }
func (s stddev) Undo(acc any, args []any) (any, error) { return s.apply(acc, args, -1) }

func (s stddev) mean(x *stdAcc) float64 {
	if s.t.Kind == types.Double {
		return x.fsum / float64(x.count)
	}
	return float64(x.isum) / float64(x.count)
}

// Merge is Chan's parallel update: m2 = m2a + m2b + δ²·na·nb/n, δ the
// difference of the means.
func (s stddev) Merge(a, b any) (any, error) {
	x, ok1 := a.(*stdAcc)
	y, ok2 := b.(*stdAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: cannot merge %T and %T", s.name, a, b)
	}
	if y.count == 0 {
		return x, nil
	}
	if x.count == 0 {
		*x = *y
		return x, nil
	}
	n := x.count + y.count
	delta := s.mean(x) - s.mean(y)
	x.m2 = x.m2 + y.m2 + delta*delta*float64(x.count)*float64(y.count)/float64(n)
	x.count = n
	x.fsum += y.fsum
	x.isum += y.isum
	if s.t.Kind == types.Int {
		x.isum = int64(int32(x.isum))
	}
	return x, nil
}

func (s stddev) Result(acc any) any {
	x, ok := acc.(*stdAcc)
	if !ok || x.count < 2 {
		return 0.0
	}
	v := x.m2 / float64(x.count-1)
	if s.sqrt {
		return math.Sqrt(v)
	}
	return v
}

func (s stddev) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*stdAcc)
	if !ok {
		return nil, accErr(s.name, acc)
	}
	w := &writer{}
	w.varint(x.count)
	if s.t.Kind == types.Double {
		w.f64(x.fsum)
	} else {
		w.varint(x.isum)
	}
	w.f64(x.m2)
	return w.buf, nil
}

func (s stddev) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	x := &stdAcc{count: r.varint()}
	if s.t.Kind == types.Double {
		x.fsum = r.f64()
	} else {
		x.isum = r.varint()
	}
	x.m2 = r.f64()
	if err := r.end(); err != nil {
		return nil, err
	}
	return x, nil
}

// correlation is CORRELATION(x, y): Pearson's coefficient from running sums,
// as ksqlDB computes it (correlation-udaf.json). Rows where either value is
// NULL are skipped; fewer than two points give NaN.
type correlation struct {
	tx, ty *types.Type
}

type corrAcc struct {
	n                     int64
	sx, sy, sxx, syy, sxy float64
}

var _ Aggregate = correlation{}

func newCorrelation(b binding) (Aggregate, error) {
	if len(b.argTypes) != 2 {
		return nil, fmt.Errorf("CORRELATION takes 2 arguments, got %d", len(b.argTypes))
	}
	for _, t := range b.argTypes {
		if !t.IsNumeric() {
			return nil, unsupportedType(b.name, t)
		}
	}
	return correlation{tx: b.argTypes[0], ty: b.argTypes[1]}, nil
}

func toFloat(t *types.Type, v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, t.Kind == types.Double
	case int32:
		return float64(x), t.Kind == types.Int
	case int64:
		return float64(x), t.Kind == types.Bigint
	case types.Decimal:
		return types.Decimal{Unscaled: unscaled(x), Scale: x.Scale}.Float64(), t.Kind == types.DecimalKind
	}
	return 0, false
}

func (c correlation) ResultType() *types.Type { return types.TDouble }
func (c correlation) Init() any               { return &corrAcc{} }

func (c correlation) apply(acc any, args []any, sign float64) (any, error) {
	a, ok := acc.(*corrAcc)
	if !ok {
		return nil, accErr("CORRELATION", acc)
	}
	if len(args) != 2 {
		return nil, argsErr("CORRELATION", 2, len(args))
	}
	if args[0] == nil || args[1] == nil {
		return a, nil
	}
	x, ok := toFloat(c.tx, args[0])
	if !ok {
		return nil, typeErr("CORRELATION", c.tx, args[0])
	}
	y, ok := toFloat(c.ty, args[1])
	if !ok {
		return nil, typeErr("CORRELATION", c.ty, args[1])
	}
	a.n += int64(sign)
	a.sx += sign * x
	a.sy += sign * y
	a.sxx += sign * x * x
	a.syy += sign * y * y
	a.sxy += sign * x * y
	if a.n == 0 {
		// Drop rounding residue so an emptied group starts afresh.
		*a = corrAcc{}
	}
	return a, nil
}

func (c correlation) Add(acc any, args []any) (any, error)  { return c.apply(acc, args, 1) }
func (c correlation) Undo(acc any, args []any) (any, error) { return c.apply(acc, args, -1) }

func (c correlation) Merge(a, b any) (any, error) {
	x, ok1 := a.(*corrAcc)
	y, ok2 := b.(*corrAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("CORRELATION: cannot merge %T and %T", a, b)
	}
	x.n += y.n
	x.sx += y.sx
	x.sy += y.sy
	x.sxx += y.sxx
	x.syy += y.syy
	x.sxy += y.sxy
	return x, nil
}

func (c correlation) Result(acc any) any {
	a, ok := acc.(*corrAcc)
	if !ok {
		return math.NaN()
	}
	n := float64(a.n)
	num := n*a.sxy - a.sx*a.sy
	den := math.Sqrt(n*a.sxx-a.sx*a.sx) * math.Sqrt(n*a.syy-a.sy*a.sy)
	return num / den
}

func (c correlation) Encode(acc any) ([]byte, error) {
	a, ok := acc.(*corrAcc)
	if !ok {
		return nil, accErr("CORRELATION", acc)
	}
	w := &writer{}
	w.varint(a.n)
	for _, f := range []float64{a.sx, a.sy, a.sxx, a.syy, a.sxy} {
		w.f64(f)
	}
	return w.buf, nil
}

func (c correlation) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	a := &corrAcc{n: r.varint()}
	a.sx, a.sy, a.sxx, a.syy, a.sxy = r.f64(), r.f64(), r.f64(), r.f64(), r.f64()
	if err := r.end(); err != nil {
		return nil, err
	}
	return a, nil
}
