package exec

import (
	"fmt"

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
	keyIdx := p.KeyIndex
	// present holds the keys whose current row passed: only those need a
	// tombstone when a later change fails the predicate (or deletes them).
	present := map[string]bool{}
	keyOf := func(m *rowMeta, row types.Row) string {
		parts := make([]any, 0, len(keyIdx)+1)
		for _, i := range keyIdx {
			parts = append(parts, row[i])
		}
		if m.windowed {
			parts = append(parts, m.windowStart)
		}
		return fmt.Sprint(parts...)
	}
	return func(m *rowMeta, row types.Row) error {
		if m.nullValue {
			if table {
				k := keyOf(m, row)
				if present[k] {
					delete(present, k)
					return next(m, row) // a table's tombstone deletes downstream too
				}
			}
			return nil
		}
		ok, err := pred(row)
		if err != nil {
			return &recordError{m: m, err: err}
		}
		if !ok {
			if table {
				k := keyOf(m, row)
				if present[k] {
					delete(present, k)
					m.nullValue = true
					return next(m, row)
				}
			}
			return nil
		}
		if table {
			present[keyOf(m, row)] = true
		}
		return next(m, row)
	}, nil
}
