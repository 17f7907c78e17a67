package eval

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// errDivZero matches Java's ArithmeticException text for integer division.
var errDivZero = errors.New("/ by zero")

func compileBinary(e *expr.Binary) (fn, error) {
	if isIntArith(e) {
		f, err := compileI64Arith(e)
		if err != nil {
			return nil, err
		}
		return boxI64(f), nil
	}
	if isIntCompare(e) {
		return compileI64Compare(e)
	}
	l, err := compile(e.L)
	if err != nil {
		return nil, err
	}
	r, err := compile(e.R)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case ast.And, ast.Or:
		// Three-valued logic: the value that decides alone (FALSE for AND,
		// TRUE for OR) wins over NULL; otherwise NULL wins.
		decides := e.Op == ast.Or
		return func(row types.Row, lv []any) (any, error) {
			a, err := l(row, lv)
			if err != nil {
				return nil, err
			}
			if a == decides {
				return decides, nil
			}
			b, err := r(row, lv)
			if err != nil {
				return nil, err
			}
			if b == decides {
				return decides, nil
			}
			if a == nil || b == nil {
				return nil, nil
			}
			return !decides, nil
		}, nil
	case ast.Concat:
		return strict2(l, r, func(a, b any) (any, error) { return a.(string) + b.(string), nil }), nil
	case ast.Add, ast.Sub, ast.Mul, ast.Div, ast.Mod:
		op, err := arith(e.Op, e.T)
		if err != nil {
			return nil, err
		}
		return strict2(l, r, op), nil
	case ast.IsDistinct, ast.IsNotDistinct:
		distinct := e.Op == ast.IsDistinct
		return func(row types.Row, lv []any) (any, error) {
			a, err := l(row, lv)
			if err != nil {
				return nil, err
			}
			b, err := r(row, lv)
			if err != nil {
				return nil, err
			}
			var same bool
			switch {
			case a == nil || b == nil:
				same = a == nil && b == nil
			default:
				same = equalValues(a, b)
			}
			return same != distinct, nil
		}, nil
	case ast.Eq, ast.Ne:
		want := e.Op == ast.Eq
		return strict2(l, r, func(a, b any) (any, error) { return equalValues(a, b) == want, nil }), nil
	case ast.Lt, ast.Le, ast.Gt, ast.Ge:
		test := map[ast.BinaryOp]func(int) bool{
			ast.Lt: func(c int) bool { return c < 0 }, ast.Le: func(c int) bool { return c <= 0 },
			ast.Gt: func(c int) bool { return c > 0 }, ast.Ge: func(c int) bool { return c >= 0 },
		}[e.Op]
		return strict2(l, r, func(a, b any) (any, error) {
			c, err := compareValues(a, b)
			if err != nil {
				return nil, err
			}
			return test(c), nil
		}), nil
	}
	return nil, fmt.Errorf("unsupported operator %s", e.Op)
}

// strict2 evaluates both operands and yields NULL when either is NULL.
func strict2(l, r fn, op func(a, b any) (any, error)) fn {
	return func(row types.Row, lv []any) (any, error) {
		a, err := l(row, lv)
		if err != nil || a == nil {
			return nil, err
		}
		b, err := r(row, lv)
		if err != nil || b == nil {
			return nil, err
		}
		return op(a, b)
	}
}

// intArith is INT and BIGINT arithmetic with Java's semantics: wrapping
// overflow, division by zero an error, MIN / -1 wrapping instead of trapping.
// The operator is chosen once, not per row.
func intArith[T int32 | int64](op ast.BinaryOp) func(a, b any) (any, error) {
	switch op {
	case ast.Add:
		return func(a, b any) (any, error) { return a.(T) + b.(T), nil }
	case ast.Sub:
		return func(a, b any) (any, error) { return a.(T) - b.(T), nil }
	case ast.Mul:
		return func(a, b any) (any, error) { return a.(T) * b.(T), nil }
	case ast.Div:
		return func(a, b any) (any, error) {
			x, y := a.(T), b.(T)
			switch y {
			case 0:
				return nil, errDivZero
			case -1:
				return -x, nil
			}
			return x / y, nil
		}
	}
	return func(a, b any) (any, error) { // Mod
		x, y := a.(T), b.(T)
		switch y {
		case 0:
			return nil, errDivZero
		case -1:
			return T(0), nil
		}
		return x % y, nil
	}
}

// arith returns the arithmetic for result type t; the binder has already
// converted both operands to t (or to DECIMALs for a DECIMAL result).
func arith(op ast.BinaryOp, t *types.Type) (func(a, b any) (any, error), error) {
	switch t.Kind {
	case types.Int:
		return intArith[int32](op), nil
	case types.Bigint:
		return intArith[int64](op), nil
	case types.Double:
		return func(a, b any) (any, error) {
			x, y := a.(float64), b.(float64)
			switch op {
			case ast.Add:
				return x + y, nil
			case ast.Sub:
				return x - y, nil
			case ast.Mul:
				return x * y, nil
			case ast.Div:
				return x / y, nil
			}
			return math.Mod(x, y), nil
		}, nil
	case types.DecimalKind:
		return func(a, b any) (any, error) {
			return decimalArith(op, a.(types.Decimal), b.(types.Decimal), t)
		}, nil
	case types.String:
		return func(a, b any) (any, error) { return a.(string) + b.(string), nil }, nil
	}
	return nil, fmt.Errorf("no arithmetic for %s", t)
}

var bigTen = big.NewInt(10)

func pow10(n int) *big.Int {
	if n <= 0 {
		return big.NewInt(1)
	}
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// align returns the unscaled values of a and b at their common scale.
func align(a, b types.Decimal) (*big.Int, *big.Int, int) {
	s := max(a.Scale, b.Scale)
	x := new(big.Int).Mul(a.Unscaled, pow10(s-a.Scale))
	y := new(big.Int).Mul(b.Unscaled, pow10(s-b.Scale))
	return x, y, s
}

func decimalArith(op ast.BinaryOp, a, b types.Decimal, t *types.Type) (any, error) {
	var r types.Decimal
	switch op {
	case ast.Add, ast.Sub:
		x, y, s := align(a, b)
		if op == ast.Add {
			x.Add(x, y)
		} else {
			x.Sub(x, y)
		}
		r = types.Decimal{Unscaled: x, Scale: s}
	case ast.Mul:
		r = types.Decimal{Unscaled: new(big.Int).Mul(a.Unscaled, b.Unscaled), Scale: a.Scale + b.Scale}
	case ast.Div:
		if b.Unscaled.Sign() == 0 {
			return nil, errors.New("Division by zero")
		}
		// a/b at scale t.Scale: (ua * 10^(t.Scale - sa + sb)) / ub, half up.
		shift := t.Scale - a.Scale + b.Scale
		num := new(big.Int).Set(a.Unscaled)
		den := new(big.Int).Set(b.Unscaled)
		if shift >= 0 {
			num.Mul(num, pow10(shift))
		} else {
			den.Mul(den, pow10(-shift))
		}
		r = types.Decimal{Unscaled: divHalfUp(num, den), Scale: t.Scale}
	case ast.Mod:
		if b.Unscaled.Sign() == 0 {
			return nil, errors.New("Division by zero")
		}
		x, y, s := align(a, b)
		r = types.Decimal{Unscaled: x.Rem(x, y), Scale: s}
	}
	return r.Rescale(t.Scale), nil
}

// divHalfUp divides rounding half away from zero, as Java's HALF_UP.
func divHalfUp(num, den *big.Int) *big.Int {
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	m.Abs(m).Mul(m, big.NewInt(2))
	if m.CmpAbs(den) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func negDecimal(d types.Decimal) types.Decimal {
	return types.Decimal{Unscaled: new(big.Int).Neg(d.Unscaled), Scale: d.Scale}
}

// compareValues orders two non-NULL values of the same SQL type (numbers
// of any kind compare numerically).
func compareValues(a, b any) (int, error) {
	switch x := a.(type) {
	case int32:
		switch y := b.(type) {
		case int32:
			return cmp3(x < y, x > y), nil
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp3(x < y, x > y), nil
		}
	case float64:
		if y, ok := b.(float64); ok {
			// Java's Double.compare: NaN is above everything.
			switch {
			case x != x && y != y:
				return 0, nil
			case x != x:
				return 1, nil
			case y != y:
				return -1, nil
			}
			return cmp3(x < y, x > y), nil
		}
	case types.Decimal:
		if y, ok := b.(types.Decimal); ok {
			p, q, _ := align(x, y)
			return p.Cmp(q), nil
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmp3(!x && y, x && !y), nil
		}
	case types.Timestamp:
		if y, ok := b.(types.Timestamp); ok {
			return cmp3(x < y, x > y), nil
		}
	case types.Date:
		if y, ok := b.(types.Date); ok {
			return cmp3(x < y, x > y), nil
		}
	case types.Time:
		if y, ok := b.(types.Time); ok {
			return cmp3(x < y, x > y), nil
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y), nil
		}
	}
	// Mixed numeric kinds (lambda parameters, generic functions).
	if fa, ok := asFloat(a); ok {
		if fb, ok := asFloat(b); ok {
			return cmp3(fa < fb, fa > fb), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %T with %T", a, b)
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case types.Decimal:
		return n.Float64(), true
	}
	return 0, false
}

// equalValues is SQL equality on non-NULL values, deep for containers.
// NULLs inside containers are equal to each other.
func equalValues(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case *types.Map:
		y, ok := b.(*types.Map)
		if !ok || len(x.Keys) != len(y.Keys) {
			return false
		}
		for i, k := range x.Keys {
			found := false
			for j, k2 := range y.Keys {
				if equalValues(k, k2) {
					found = equalValues(x.Values[i], y.Values[j])
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case *types.Struct:
		y, ok := b.(*types.Struct)
		if !ok || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !equalValues(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case float64:
		if y, ok := b.(float64); ok {
			return x == y || x != x && y != y
		}
	}
	c, err := compareValues(a, b)
	return err == nil && c == 0
}

func compileIn(e *expr.In) (fn, error) {
	x, err := compile(e.X)
	if err != nil {
		return nil, err
	}
	list, err := compileAll(e.List)
	if err != nil {
		return nil, err
	}
	not := e.Not
	return func(row types.Row, lv []any) (any, error) {
		v, err := x(row, lv)
		if err != nil || v == nil {
			return nil, err
		}
		sawNull := false
		for _, f := range list {
			w, err := f(row, lv)
			if err != nil {
				return nil, err
			}
			if w == nil {
				sawNull = true
				continue
			}
			if equalValues(v, w) {
				return !not, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return not, nil
	}, nil
}

func compileBetween(e *expr.Between) (fn, error) {
	x, err := compile(e.X)
	if err != nil {
		return nil, err
	}
	lo, err := compile(e.Lo)
	if err != nil {
		return nil, err
	}
	hi, err := compile(e.Hi)
	if err != nil {
		return nil, err
	}
	not := e.Not
	return func(row types.Row, lv []any) (any, error) {
		v, err := x(row, lv)
		if err != nil || v == nil {
			return nil, err
		}
		a, err := lo(row, lv)
		if err != nil || a == nil {
			return nil, err
		}
		b, err := hi(row, lv)
		if err != nil || b == nil {
			return nil, err
		}
		c1, err := compareValues(v, a)
		if err != nil {
			return nil, err
		}
		c2, err := compareValues(v, b)
		if err != nil {
			return nil, err
		}
		return (c1 >= 0 && c2 <= 0) != not, nil
	}, nil
}

func compileLike(e *expr.Like) (fn, error) {
	x, err := compile(e.X)
	if err != nil {
		return nil, err
	}
	var esc rune = -1
	if e.Escape != nil {
		if lit, ok := e.Escape.(*expr.Literal); ok {
			if s, ok := lit.Value.(string); ok && s != "" {
				esc = []rune(s)[0]
			}
		}
	}
	not := e.Not
	if lit, ok := e.Pattern.(*expr.Literal); ok {
		if lit.Value == nil {
			return func(types.Row, []any) (any, error) { return nil, nil }, nil
		}
		pat := []rune(lit.Value.(string))
		return func(row types.Row, lv []any) (any, error) {
			v, err := x(row, lv)
			if err != nil || v == nil {
				return nil, err
			}
			return likeMatch([]rune(v.(string)), pat, esc) != not, nil
		}, nil
	}
	p, err := compile(e.Pattern)
	if err != nil {
		return nil, err
	}
	return strict2(x, p, func(a, b any) (any, error) {
		return likeMatch([]rune(a.(string)), []rune(b.(string)), esc) != not, nil
	}), nil
}

// likeMatch matches SQL LIKE: % is any run, _ any one character, esc makes
// the next character literal. Case-sensitive, as in ksqlDB.
func likeMatch(s, p []rune, esc rune) bool {
	// Iterative matching with backtracking to the last %.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == esc && pi+1 < len(p):
				if s[si] == p[pi+1] {
					si++
					pi += 2
					continue
				}
			case c == '%':
				starP, starS = pi, si
				pi++
				continue
			case c == '_' || c == s[si]:
				si++
				pi++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
