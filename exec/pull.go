package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// pull answers a pull query with the table's current state: read from the
// state of the aggregation writing the table when there is one (see
// materializedRows), otherwise from the table's topic: every record up to
// the current end, the latest per key (and window), tombstones removing
// keys.
func (e *Engine) pull(ctx context.Context, s *Session, q *ast.Query) ([]Result, error) {
	plan, err := planner.PlanPull(e.cat, q)
	if err != nil {
		return nil, err
	}
	answer, err := compilePull(plan)
	if err != nil {
		return nil, err
	}
	e.catchUp(ctx, plan.Source.Sink, 5*time.Second)
	rows, stored, forwarded, err := e.materializedRows(ctx, s, plan, q.SourceText())
	if err == nil && !stored {
		rows, err = e.tableRows(ctx, plan)
	}
	if err != nil {
		return nil, err
	}
	res, err := answer(rows)
	if err != nil {
		return nil, err
	}
	res.Rows = append(res.Rows, forwarded...)
	if plan.Limit != nil && int64(len(res.Rows)) > *plan.Limit {
		res.Rows = res.Rows[:*plan.Limit]
	}
	return []Result{res}, nil
}

// compilePull returns what turns a table's rows into a pull query's
// result: the WHERE filter, the select list and LIMIT.
func compilePull(plan *planner.PullPlan) (func([]types.Row) (Result, error), error) {
	var pred func(types.Row) (bool, error)
	var err error
	if plan.Where != nil {
		if pred, err = eval.Predicate(plan.Where); err != nil {
			return nil, err
		}
	}
	fns := make([]eval.Func, len(plan.Exprs))
	for i, x := range plan.Exprs {
		if fns[i], err = eval.Compile(x); err != nil {
			return nil, err
		}
	}
	return func(rows []types.Row) (Result, error) {
		res := Result{Kind: ResultTable, QueryID: fmt.Sprintf("transient_pull_%s", plan.Source.Name)}
		for _, c := range plan.Output.Columns {
			res.Columns = append(res.Columns, c.Name)
			res.Types = append(res.Types, c.Type)
			res.Keys = append(res.Keys, c.Namespace == types.KeyColumn)
		}
		for _, row := range rows {
			if plan.Limit != nil && int64(len(res.Rows)) >= *plan.Limit {
				break
			}
			if pred != nil {
				ok, err := pred(row)
				if err != nil {
					return Result{}, err
				}
				if !ok {
					continue
				}
			}
			out := make([]any, len(fns))
			for i, f := range fns {
				if out[i], err = f(row); err != nil {
					return Result{}, err
				}
			}
			res.Rows = append(res.Rows, out)
		}
		return res, nil
	}, nil
}

// catchUp waits (bounded) until the query writing a table has processed its
// input written so far, so a pull query right after an INSERT sees it.
func (e *Engine) catchUp(ctx context.Context, queryID string, limit time.Duration) {
	if queryID == "" {
		return
	}
	e.mu.Lock()
	q := e.queries[queryID]
	e.mu.Unlock()
	if q == nil {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if ok, err := e.caughtUp(ctx, q); ok || err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tableRows reads a table's topic up to its current end and returns the
// latest row of each key, in the order keys first appeared.
func (e *Engine) tableRows(ctx context.Context, plan *planner.PullPlan) ([]types.Row, error) {
	src := plan.Source
	start, err := e.client.StartOffsets(ctx, src.Topic)
	if err != nil {
		return nil, err
	}
	end, err := e.client.EndOffsets(ctx, src.Topic)
	if err != nil {
		return nil, err
	}
	remaining := 0
	for p, o := range end {
		if o > start[p] {
			remaining++
		}
	}
	latest := map[string]types.Row{}
	var order []string
	if remaining == 0 {
		return nil, nil
	}
	cons, err := e.client.NewPartitionConsumer(src.Topic, start)
	if err != nil {
		return nil, err
	}
	defer cons.Close()
	done := map[int32]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(done) < remaining {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("pull query: timed out reading %s", src.Topic)
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		recs, err := cons.Poll(pctx)
		cancel()
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			break // nothing more to read below the end offsets (compacted or aborted records)
		}
		for i := range recs {
			r := &recs[i]
			if r.Offset >= end[r.Partition] {
				continue
			}
			if r.Offset+1 >= end[r.Partition] {
				done[r.Partition] = true
			}
			rec, err := decodeOutput(src, r)
			if err != nil {
				continue // a bad record is not part of the table
			}
			key := fmt.Sprint(r.Key)
			if plan.Source.Kind == ast.Stream {
				// Every record of a stream is a row of its own.
				if rec.Tombstone {
					continue
				}
				key = fmt.Sprint(r.Partition, "@", r.Offset)
			} else if rec.Tombstone {
				delete(latest, key)
				continue
			}
			row := make(types.Row, plan.Width)
			for j, c := range src.Schema.Columns {
				for k, name := range rec.Columns {
					if name == c.Name {
						row[j] = rec.Values[k]
					}
				}
			}
			n := len(src.Schema.Columns)
			row[n] = rec.Timestamp
			if src.Window != nil {
				row[n+1], row[n+2] = rec.WindowStart, rec.WindowEnd
			}
			if _, seen := latest[key]; !seen {
				order = append(order, key)
			}
			latest[key] = row
		}
	}
	out := make([]types.Row, 0, len(latest))
	for _, k := range order {
		if row, ok := latest[k]; ok {
			out = append(out, row)
		}
	}
	return out, nil
}
