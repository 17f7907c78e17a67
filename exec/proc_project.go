package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// newProjectProc computes the select list. As in ksqlDB, an expression that
// fails on a record yields NULL for that column and a processing-log entry;
// the row is still emitted.
func newProjectProc(p *planner.Proc, next emitFn, report func(error)) (emitFn, error) {
	fns, err := eval.CompileAll(p.Exprs, eval.Compile)
	if err != nil {
		return nil, err
	}
	isKey := make([]bool, len(fns))
	for i, c := range p.Out.Columns {
		isKey[i] = c.Namespace == types.KeyColumn
	}
	// out is reused: the next processor consumes it before returning.
	out := make(types.Row, len(fns))
	return func(m *rowMeta, row types.Row) error {
		for i, f := range fns {
			if m.nullValue && !isKey[i] {
				out[i] = nil
				continue
			}
			v, err := f(row)
			if err != nil {
				// ksqlDB's message: which expression failed, for which column.
				err = fmt.Errorf("Error computing expression %s for column %s with index %d: %w", p.Exprs[i], p.Out.Columns[i].Name, i, err)
				report(&recordError{m: m, err: err})
				v = nil
			}
			out[i] = v
		}
		return next(m, out)
	}, nil
}
