package exec

import (
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// newFilterProc keeps rows whose predicate is true. An evaluation error drops
// the row and is reported to the processing log.
func newFilterProc(p *planner.Proc, next emitFn) (emitFn, error) {
	pred, err := eval.Predicate(p.Predicate)
	if err != nil {
		return nil, err
	}
	table := p.Table
	return func(m *rowMeta, row types.Row) error {
		if m.nullValue {
			if table {
				return next(m, row) // a table's tombstone deletes downstream too
			}
			return nil
		}
		ok, err := pred(row)
		if err != nil {
			return &recordError{m: m, err: err}
		}
		if !ok {
			if table {
				m.nullValue = true
				return next(m, row)
			}
			return nil
		}
		return next(m, row)
	}, nil
}
