package eval

import (
	"fmt"
	"math/bits"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

// TableFunc evaluates a table function call against one input row: the
// values of the rows it produces, in order (none for a NULL or empty
// input). The slice may be the call's argument itself (EXPLODE returns the
// array it is given), so callers must not modify it. Errors do not name the
// call: callers do.
type TableFunc func(row types.Row) ([]any, error)

// tableImpls are the table functions, by name. Each takes one argument
// (an array), which it sees only when it is not NULL: a NULL input
// produces no rows.
var tableImpls = map[string]func(arg any) ([]any, error){
	"EXPLODE":      func(a any) ([]any, error) { return a.([]any), nil },
	"CUBE_EXPLODE": func(a any) ([]any, error) { return cube(a.([]any)) },
}

// CompileTable compiles a call to a table function.
func CompileTable(e expr.Expr) (TableFunc, error) {
	c, ok := e.(*expr.Call)
	if !ok || c.Kind != functions.Table {
		return nil, fmt.Errorf("%s is not a table function call", e)
	}
	impl, ok := tableImpls[c.Name]
	if !ok {
		return nil, fmt.Errorf("table function %s is not implemented yet", c.Name)
	}
	if len(c.Args) != 1 {
		return nil, fmt.Errorf("%s takes one argument, got %d", c.Name, len(c.Args))
	}
	arg, err := compile(c.Args[0])
	if err != nil {
		return nil, err
	}
	return func(row types.Row) ([]any, error) {
		v, err := arg(row, nil)
		if err != nil || v == nil {
			return nil, err
		}
		return impl(v)
	}, nil
}

// maxCube bounds CUBE_EXPLODE's input: n elements make 2^n rows. ksqlDB
// counts combinations in a Java int, which fails past 30 elements; well
// before that the rows of one record would not fit in memory.
const maxCube = 20

// cube is CUBE_EXPLODE: every combination of the elements, each either kept
// or NULL, the first element varying slowest (all NULL first, all kept
// last), as ksqlDB's Cube UDTF orders them. A NULL element is never "kept",
// so combinations that would repeat one with it NULL are left out.
func cube(elems []any) ([]any, error) {
	n := len(elems)
	if n > maxCube {
		return nil, fmt.Errorf("an array of %d elements would make 2^%d combinations; at most %d elements are supported", n, n, maxCube)
	}
	nullMask := 0
	for i, e := range elems {
		if e == nil {
			nullMask |= 1 << (n - 1 - i)
		}
	}
	out := make([]any, 0, 1<<(n-bits.OnesCount(uint(nullMask))))
	for mask := 0; mask < 1<<n; mask++ {
		if mask&nullMask != 0 {
			continue
		}
		combo := make([]any, n)
		for i := range combo {
			if mask&(1<<(n-1-i)) != 0 {
				combo[i] = elems[i]
			}
		}
		out = append(out, combo)
	}
	return out, nil
}
