package eval

import (
	"fmt"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

// impl is a scalar function implementation. build sees the bound call (for
// argument and return types) and returns the per-row body.
type impl struct {
	// nullSafe functions see NULL arguments; the others return NULL as soon
	// as any argument is NULL, as most ksqlDB UDFs do.
	nullSafe bool
	build    func(c *expr.Call) (func(args []any) (any, error), error)
}

var impls = map[string]impl{}

// Implemented reports whether eval can evaluate the scalar function name.
func Implemented(name string) bool {
	_, ok := impls[name]
	_, lam := lambdaFuncs[name]
	return ok || lam
}

func reg(name string, nullSafe bool, build func(c *expr.Call) (func(args []any) (any, error), error)) {
	impls[name] = impl{nullSafe: nullSafe, build: build}
}

// strict registers a type-independent function that never sees NULLs.
func strict(name string, f func(args []any) (any, error)) {
	reg(name, false, func(*expr.Call) (func([]any) (any, error), error) { return f, nil })
}

// lenient registers a type-independent function that sees NULLs.
func lenient(name string, f func(args []any) (any, error)) {
	reg(name, true, func(*expr.Call) (func([]any) (any, error), error) { return f, nil })
}

func compileCall(c *expr.Call) (fn, error) {
	if c.Kind != functions.Scalar {
		return nil, fmt.Errorf("%s function %s cannot be evaluated per row", c.Kind, c.Name)
	}
	if lf, ok := lambdaFuncs[c.Name]; ok {
		return lf(c)
	}
	im, ok := impls[c.Name]
	if !ok {
		return nil, fmt.Errorf("function %s is not implemented yet", c.Name)
	}
	body, err := im.build(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	args, err := compileAll(c.Args)
	if err != nil {
		return nil, err
	}
	name := c.Name
	nullSafe := im.nullSafe
	switch len(args) {
	case 0:
		return func(types.Row, []any) (any, error) {
			v, err := body(nil)
			return wrapErr(name, v, err)
		}, nil
	case 1:
		a0 := args[0]
		return func(row types.Row, lv []any) (any, error) {
			v, err := a0(row, lv)
			if err != nil {
				return nil, err
			}
			if v == nil && !nullSafe {
				return nil, nil
			}
			var buf [1]any
			buf[0] = v
			r, err := body(buf[:])
			return wrapErr(name, r, err)
		}, nil
	}
	return func(row types.Row, lv []any) (any, error) {
		vals := make([]any, len(args))
		for i, a := range args {
			v, err := a(row, lv)
			if err != nil {
				return nil, err
			}
			if v == nil && !nullSafe {
				return nil, nil
			}
			vals[i] = v
		}
		r, err := body(vals)
		return wrapErr(name, r, err)
	}, nil
}

func wrapErr(name string, v any, err error) (any, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// lambdaFuncs compile calls whose arguments include lambdas.
var lambdaFuncs = map[string]func(c *expr.Call) (fn, error){}

func init() {
	lambdaFuncs["TRANSFORM"] = compileTransform
	lambdaFuncs["FILTER"] = compileFilter
	lambdaFuncs["REDUCE"] = compileReduce
}

// lambdaBody compiles a lambda argument into a function of its parameters.
func lambdaBody(e expr.Expr) (func(row types.Row, lv []any, params ...any) (any, error), error) {
	lam, ok := e.(*expr.Lambda)
	if !ok {
		return nil, fmt.Errorf("expected a lambda, got %s", e)
	}
	body, err := compile(lam.Body)
	if err != nil {
		return nil, err
	}
	slot := lam.Slot
	return func(row types.Row, lv []any, params ...any) (any, error) {
		env := make([]any, slot+len(params))
		copy(env, lv[:min(slot, len(lv))])
		copy(env[slot:], params)
		return body(row, env)
	}, nil
}

func compileTransform(c *expr.Call) (fn, error) {
	coll, err := compile(c.Args[0])
	if err != nil {
		return nil, err
	}
	if c.Args[0].Type().Kind == types.Array {
		f, err := lambdaBody(c.Args[1])
		if err != nil {
			return nil, err
		}
		return func(row types.Row, lv []any) (any, error) {
			v, err := coll(row, lv)
			if err != nil || v == nil {
				return nil, err
			}
			a := v.([]any)
			out := make([]any, len(a))
			for i, x := range a {
				if out[i], err = f(row, lv, x); err != nil {
					return nil, err
				}
			}
			return out, nil
		}, nil
	}
	kf, err := lambdaBody(c.Args[1])
	if err != nil {
		return nil, err
	}
	vf, err := lambdaBody(c.Args[2])
	if err != nil {
		return nil, err
	}
	return func(row types.Row, lv []any) (any, error) {
		v, err := coll(row, lv)
		if err != nil || v == nil {
			return nil, err
		}
		m := v.(*types.Map)
		out := &types.Map{}
		for i := range m.Keys {
			k, err := kf(row, lv, m.Keys[i], m.Values[i])
			if err != nil {
				return nil, err
			}
			val, err := vf(row, lv, m.Keys[i], m.Values[i])
			if err != nil {
				return nil, err
			}
			out.Put(k, val)
		}
		return out, nil
	}, nil
}

func compileFilter(c *expr.Call) (fn, error) {
	coll, err := compile(c.Args[0])
	if err != nil {
		return nil, err
	}
	f, err := lambdaBody(c.Args[1])
	if err != nil {
		return nil, err
	}
	isArray := c.Args[0].Type().Kind == types.Array
	return func(row types.Row, lv []any) (any, error) {
		v, err := coll(row, lv)
		if err != nil || v == nil {
			return nil, err
		}
		if isArray {
			out := []any{}
			for _, x := range v.([]any) {
				ok, err := f(row, lv, x)
				if err != nil {
					return nil, err
				}
				if ok == true {
					out = append(out, x)
				}
			}
			return out, nil
		}
		m := v.(*types.Map)
		out := &types.Map{}
		for i := range m.Keys {
			ok, err := f(row, lv, m.Keys[i], m.Values[i])
			if err != nil {
				return nil, err
			}
			if ok == true {
				out.Put(m.Keys[i], m.Values[i])
			}
		}
		return out, nil
	}, nil
}

func compileReduce(c *expr.Call) (fn, error) {
	coll, err := compile(c.Args[0])
	if err != nil {
		return nil, err
	}
	init, err := compile(c.Args[1])
	if err != nil {
		return nil, err
	}
	f, err := lambdaBody(c.Args[2])
	if err != nil {
		return nil, err
	}
	isArray := c.Args[0].Type().Kind == types.Array
	return func(row types.Row, lv []any) (any, error) {
		v, err := coll(row, lv)
		if err != nil {
			return nil, err
		}
		state, err := init(row, lv)
		if err != nil {
			return nil, err
		}
		if v == nil || state == nil {
			return state, nil
		}
		if isArray {
			for _, x := range v.([]any) {
				if state, err = f(row, lv, state, x); err != nil {
					return nil, err
				}
			}
			return state, nil
		}
		m := v.(*types.Map)
		for i := range m.Keys {
			if state, err = f(row, lv, state, m.Keys[i], m.Values[i]); err != nil {
				return nil, err
			}
		}
		return state, nil
	}, nil
}
