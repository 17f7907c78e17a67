package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// newFlatMapProc runs a select list's table functions: per input row, one
// row per value of the longest result, the input row followed by each
// call's value (NULL once a shorter result has run out), with the input's
// key, timestamp and metadata. A row whose results are all empty or NULL,
// or a null-valued record, gives no rows. As in ksqlDB, a call that fails
// drops the input row and goes to the processing log. Each output row
// stands alone: one that fails downstream (its record cannot be written)
// is reported and the others still go.
func newFlatMapProc(p *planner.Proc, next emitFn, report func(error)) (emitFn, error) {
	fns, err := eval.CompileAll(p.Exprs, eval.CompileTable)
	if err != nil {
		return nil, err
	}
	// results and out are reused: the next processor consumes each row
	// before returning.
	results := make([][]any, len(fns))
	var out types.Row
	return func(m *rowMeta, row types.Row) error {
		if m.nullValue {
			return nil
		}
		n := 0
		for i, f := range fns {
			vals, err := f(row)
			if err != nil {
				clear(results)
				return &recordError{m: m, err: fmt.Errorf("Error computing %s: %w", p.Exprs[i], err)}
			}
			results[i] = vals
			n = max(n, len(vals))
		}
		width := len(row)
		out = append(append(out[:0], row...), make([]any, len(fns))...)
		for k := 0; k < n; k++ {
			for i, vals := range results {
				var v any
				if k < len(vals) {
					v = vals[k]
				}
				out[width+i] = v
			}
			if err := next(m, out); err != nil {
				if failsQuery(err) {
					clear(results)
					return err
				}
				report(err)
			}
		}
		// Let go of the arrays until the next row.
		clear(results)
		return nil
	}, nil
}
