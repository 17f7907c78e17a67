package eval

import (
	"fmt"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// i64fn evaluates a BIGINT expression without boxing its result: nested
// BIGINT arithmetic (price * 908 / 1000) then boxes once, at the top,
// instead of once per operator.
type i64fn func(row types.Row, lv []any) (v int64, null bool, err error)

// isIntArith reports whether e is BIGINT arithmetic, which compileI64
// evaluates unboxed.
func isIntArith(e *expr.Binary) bool {
	if e.T == nil || e.T.Kind != types.Bigint {
		return false
	}
	switch e.Op {
	case ast.Add, ast.Sub, ast.Mul, ast.Div, ast.Mod:
		return true
	}
	return false
}

// compileI64 compiles a BIGINT-typed expression to an i64fn: arithmetic
// and literals directly, anything else through compile and an unboxing.
func compileI64(e expr.Expr) (i64fn, error) {
	switch e := e.(type) {
	case *expr.Binary:
		if isIntArith(e) {
			return compileI64Arith(e)
		}
	case *expr.Literal:
		if v, ok := e.Value.(int64); ok {
			return func(types.Row, []any) (int64, bool, error) { return v, false, nil }, nil
		}
	case *expr.ColumnRef:
		idx, name := e.Index, e.Name
		return func(row types.Row, _ []any) (int64, bool, error) {
			if idx < 0 || idx >= len(row) {
				return 0, true, fmt.Errorf("column %s: index %d outside row of %d values", name, idx, len(row))
			}
			if v, ok := row[idx].(int64); ok {
				return v, false, nil
			}
			return unboxI64(row[idx])
		}, nil
	}
	f, err := compile(e)
	if err != nil {
		return nil, err
	}
	return func(row types.Row, lv []any) (int64, bool, error) {
		v, err := f(row, lv)
		if err != nil {
			return 0, true, err
		}
		return unboxI64(v)
	}, nil
}

// unboxI64 reads a BIGINT value. NULL, and defensively a value of another
// Go type (where a.(int64) would panic), is NULL.
func unboxI64(v any) (int64, bool, error) {
	switch x := v.(type) {
	case int64:
		return x, false, nil
	case int32:
		return int64(x), false, nil
	}
	return 0, true, nil
}

// compileI64Arith is intArith[int64] over unboxed operands: wrapping
// overflow, division by zero an error, MIN / -1 wrapping.
func compileI64Arith(e *expr.Binary) (i64fn, error) {
	l, err := compileI64(e.L)
	if err != nil {
		return nil, err
	}
	r, err := compileI64(e.R)
	if err != nil {
		return nil, err
	}
	var op func(x, y int64) (int64, error)
	switch e.Op {
	case ast.Add:
		op = func(x, y int64) (int64, error) { return x + y, nil }
	case ast.Sub:
		op = func(x, y int64) (int64, error) { return x - y, nil }
	case ast.Mul:
		op = func(x, y int64) (int64, error) { return x * y, nil }
	case ast.Div:
		op = func(x, y int64) (int64, error) {
			switch y {
			case 0:
				return 0, errDivZero
			case -1:
				return -x, nil
			}
			return x / y, nil
		}
	default: // Mod
		op = func(x, y int64) (int64, error) {
			switch y {
			case 0:
				return 0, errDivZero
			case -1:
				return 0, nil
			}
			return x % y, nil
		}
	}
	return func(row types.Row, lv []any) (int64, bool, error) {
		x, null, err := l(row, lv)
		if err != nil || null {
			return 0, true, err
		}
		y, null, err := r(row, lv)
		if err != nil || null {
			return 0, true, err
		}
		v, err := op(x, y)
		if err != nil {
			return 0, true, err
		}
		return v, false, nil
	}, nil
}

// boxI64 turns an i64fn back into an fn, boxing its result once.
func boxI64(f i64fn) fn {
	return func(row types.Row, lv []any) (any, error) {
		v, null, err := f(row, lv)
		if err != nil || null {
			return nil, err
		}
		return v, nil
	}
}

// isIntCompare reports whether e orders two BIGINT operands.
func isIntCompare(e *expr.Binary) bool {
	switch e.Op {
	case ast.Lt, ast.Le, ast.Gt, ast.Ge:
	default:
		return false
	}
	lt, rt := e.L.Type(), e.R.Type()
	return lt != nil && rt != nil && lt.Kind == types.Bigint && rt.Kind == types.Bigint
}

// compileI64Compare is <, <=, > or >= of two BIGINTs, unboxed; NULL when
// either side is.
func compileI64Compare(e *expr.Binary) (fn, error) {
	l, err := compileI64(e.L)
	if err != nil {
		return nil, err
	}
	r, err := compileI64(e.R)
	if err != nil {
		return nil, err
	}
	op := e.Op
	return func(row types.Row, lv []any) (any, error) {
		x, null, err := l(row, lv)
		if err != nil || null {
			return nil, err
		}
		y, null, err := r(row, lv)
		if err != nil || null {
			return nil, err
		}
		switch op {
		case ast.Lt:
			return x < y, nil
		case ast.Le:
			return x <= y, nil
		case ast.Gt:
			return x > y, nil
		}
		return x >= y, nil
	}, nil
}
