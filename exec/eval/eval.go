// Package eval compiles bound expressions (planner/expr) into closures that
// evaluate them against input rows with ksqlDB's semantics: three-valued
// logic, NULL-in NULL-out operators, Java-like integer arithmetic and
// ksqlDB's DECIMAL rules.
//
// A compiled Func is safe for concurrent use unless it calls a function with
// hidden state (none do today: RANDOM and UUID use goroutine-safe sources).
// Evaluation errors (division by zero, bad casts, bad regex) are returned,
// not panicked; the caller sends them to the processing log.
package eval

import (
	"fmt"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Func evaluates an expression against one input row.
type Func func(row types.Row) (any, error)

// fn is the internal form: lv holds the values of enclosing lambda
// parameters, indexed by expr.LambdaParam.Slot.
type fn func(row types.Row, lv []any) (any, error)

// Compile turns a bound expression into an evaluator.
func Compile(e expr.Expr) (Func, error) {
	f, err := compile(e)
	if err != nil {
		return nil, err
	}
	return func(row types.Row) (any, error) { return f(row, nil) }, nil
}

// Predicate compiles a BOOLEAN expression for WHERE and HAVING: NULL counts
// as false.
func Predicate(e expr.Expr) (func(row types.Row) (bool, error), error) {
	if k := e.Type().Kind; k != types.Boolean && k != types.Unknown {
		return nil, fmt.Errorf("predicate %s has type %s, not BOOLEAN", e, e.Type())
	}
	f, err := compile(e)
	if err != nil {
		return nil, err
	}
	return func(row types.Row) (bool, error) {
		v, err := f(row, nil)
		if err != nil {
			return false, err
		}
		b, _ := v.(bool)
		return b, nil
	}, nil
}

// CompileAll compiles each expression with compile (Compile, or
// CompileTable for table function calls).
func CompileAll[F any](es []expr.Expr, compile func(expr.Expr) (F, error)) ([]F, error) {
	out := make([]F, len(es))
	for i, e := range es {
		f, err := compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func compileAll(es []expr.Expr) ([]fn, error) { return CompileAll(es, compile) }

func compile(e expr.Expr) (fn, error) {
	switch e := e.(type) {
	case *expr.ColumnRef:
		idx, name := e.Index, e.Name
		return func(row types.Row, _ []any) (any, error) {
			if idx < 0 || idx >= len(row) {
				return nil, fmt.Errorf("column %s: index %d outside row of %d values", name, idx, len(row))
			}
			return row[idx], nil
		}, nil
	case *expr.Literal:
		v := e.Value
		return func(types.Row, []any) (any, error) { return v, nil }, nil
	case *expr.LambdaParam:
		slot := e.Slot
		return func(_ types.Row, lv []any) (any, error) {
			if slot >= len(lv) {
				return nil, fmt.Errorf("lambda parameter %s unbound", e.Name)
			}
			return lv[slot], nil
		}, nil
	case *expr.Cast:
		x, err := compile(e.X)
		if err != nil {
			return nil, err
		}
		from, to := e.X.Type(), e.T
		return func(row types.Row, lv []any) (any, error) {
			v, err := x(row, lv)
			if err != nil || v == nil {
				return nil, err
			}
			return expr.Convert(v, from, to)
		}, nil
	case *expr.Unary:
		return compileUnary(e)
	case *expr.Binary:
		return compileBinary(e)
	case *expr.IsNull:
		x, err := compile(e.X)
		if err != nil {
			return nil, err
		}
		not := e.Not
		return func(row types.Row, lv []any) (any, error) {
			v, err := x(row, lv)
			if err != nil {
				return nil, err
			}
			return (v == nil) != not, nil
		}, nil
	case *expr.Like:
		return compileLike(e)
	case *expr.In:
		return compileIn(e)
	case *expr.Between:
		return compileBetween(e)
	case *expr.Case:
		return compileCase(e)
	case *expr.Deref:
		x, err := compile(e.X)
		if err != nil {
			return nil, err
		}
		idx := e.Index
		return func(row types.Row, lv []any) (any, error) {
			v, err := x(row, lv)
			if err != nil || v == nil {
				return nil, err
			}
			s, ok := v.(*types.Struct)
			if !ok || idx >= len(s.Values) {
				return nil, nil
			}
			return s.Values[idx], nil
		}, nil
	case *expr.Subscript:
		return compileSubscript(e)
	case *expr.ArrayCtor:
		elems, err := compileAll(e.Elems)
		if err != nil {
			return nil, err
		}
		return func(row types.Row, lv []any) (any, error) {
			out := make([]any, len(elems))
			for i, f := range elems {
				v, err := f(row, lv)
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return out, nil
		}, nil
	case *expr.MapCtor:
		keys, err := compileAll(e.Keys)
		if err != nil {
			return nil, err
		}
		vals, err := compileAll(e.Values)
		if err != nil {
			return nil, err
		}
		return func(row types.Row, lv []any) (any, error) {
			m := &types.Map{}
			for i := range keys {
				k, err := keys[i](row, lv)
				if err != nil {
					return nil, err
				}
				v, err := vals[i](row, lv)
				if err != nil {
					return nil, err
				}
				m.Put(k, v)
			}
			return m, nil
		}, nil
	case *expr.StructCtor:
		vals, err := compileAll(e.Values)
		if err != nil {
			return nil, err
		}
		return func(row types.Row, lv []any) (any, error) {
			s := &types.Struct{Values: make([]any, len(vals))}
			for i, f := range vals {
				v, err := f(row, lv)
				if err != nil {
					return nil, err
				}
				s.Values[i] = v
			}
			return s, nil
		}, nil
	case *expr.Call:
		return compileCall(e)
	case *expr.Lambda:
		return nil, fmt.Errorf("lambda %s outside a function call", e)
	case nil:
		return nil, fmt.Errorf("nil expression")
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

func compileUnary(e *expr.Unary) (fn, error) {
	x, err := compile(e.X)
	if err != nil {
		return nil, err
	}
	if e.Op == ast.Not {
		return func(row types.Row, lv []any) (any, error) {
			v, err := x(row, lv)
			if err != nil || v == nil {
				return nil, err
			}
			return !v.(bool), nil
		}, nil
	}
	if e.Op == ast.Plus {
		return x, nil
	}
	return func(row types.Row, lv []any) (any, error) {
		v, err := x(row, lv)
		if err != nil || v == nil {
			return nil, err
		}
		switch n := v.(type) {
		case int32:
			return -n, nil
		case int64:
			return -n, nil
		case float64:
			return -n, nil
		case types.Decimal:
			return negDecimal(n), nil
		}
		return nil, fmt.Errorf("cannot negate %T", v)
	}, nil
}

func compileCase(e *expr.Case) (fn, error) {
	conds := make([]fn, len(e.Whens))
	results := make([]fn, len(e.Whens))
	for i, w := range e.Whens {
		c, err := compile(w.Cond)
		if err != nil {
			return nil, err
		}
		r, err := compile(w.Result)
		if err != nil {
			return nil, err
		}
		conds[i], results[i] = c, r
	}
	var els fn
	if e.Else != nil {
		f, err := compile(e.Else)
		if err != nil {
			return nil, err
		}
		els = f
	}
	return func(row types.Row, lv []any) (any, error) {
		for i, c := range conds {
			v, err := c(row, lv)
			if err != nil {
				return nil, err
			}
			if b, _ := v.(bool); b {
				return results[i](row, lv)
			}
		}
		if els != nil {
			return els(row, lv)
		}
		return nil, nil
	}, nil
}

func compileSubscript(e *expr.Subscript) (fn, error) {
	x, err := compile(e.X)
	if err != nil {
		return nil, err
	}
	idx, err := compile(e.Index)
	if err != nil {
		return nil, err
	}
	isArray := e.X.Type().Kind == types.Array
	return func(row types.Row, lv []any) (any, error) {
		c, err := x(row, lv)
		if err != nil || c == nil {
			return nil, err
		}
		k, err := idx(row, lv)
		if err != nil || k == nil {
			return nil, err
		}
		if isArray {
			a, _ := c.([]any)
			i, _ := toInt64(k)
			return arrayAt(a, i), nil
		}
		m, ok := c.(*types.Map)
		if !ok {
			return nil, nil
		}
		return mapGet(m, k), nil
	}, nil
}

// arrayAt indexes from 1, or from the end when negative; out of range is NULL.
func arrayAt(a []any, i int64) any {
	n := int64(len(a))
	switch {
	case i > 0 && i <= n:
		return a[i-1]
	case i < 0 && -i <= n:
		return a[n+i]
	}
	return nil
}

func mapGet(m *types.Map, k any) any {
	for i, key := range m.Keys {
		if equalValues(key, k) {
			return m.Values[i]
		}
	}
	return nil
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}
