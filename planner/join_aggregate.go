package planner

import (
	"slices"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
)

// A GROUP BY or PARTITION BY over a join works on the joined rows as on one
// source's rows, with the columns named as in ksqlDB's joined schema:
// <QUALIFIER>_<COLUMN>, the synthetic join key by its own name. Expressions
// then compare by text whichever sides share a column name (I1.FOO and
// I2.FOO differ, I1.FOO and FOO do not when FOO is I1's alone), and print as
// ksqlDB prints them in its messages (SUM(I1_BAR)).

// flatName is the joined-schema name of a column of the join scope.
func flatName(c expr.ScopeColumn) string {
	if c.Source == "" {
		return c.Name
	}
	return c.Source + "_" + c.Name
}

// flatScope is the join scope with every column under its flat name and no
// qualifier.
func flatScope(scope *expr.Scope) *expr.Scope {
	out := &expr.Scope{Columns: make([]expr.ScopeColumn, len(scope.Columns))}
	for i, c := range scope.Columns {
		out.Columns[i] = expr.ScopeColumn{Name: flatName(c), Type: c.Type, Index: c.Index}
	}
	return out
}

// flatten resolves e's column references against the join scope and names
// them by their flat names; lambda parameters stay as they are. clause
// prefixes the error of a column that does not resolve.
func flatten(e ast.Expr, scope *expr.Scope, clause string) (ast.Expr, error) {
	var err error
	var walk func(e ast.Expr, params []string) ast.Expr
	walk = func(e ast.Expr, params []string) ast.Expr {
		return rewrite(e, func(n ast.Expr) (ast.Expr, bool) {
			switch n := n.(type) {
			case *ast.Lambda:
				c := *n
				c.Body = walk(n.Body, append(slices.Clone(params), n.Params...))
				return &c, true
			case *ast.ColumnRef:
				if err != nil || n.Source == "" && slices.Contains(params, n.Name) {
					return n, true
				}
				be, berr := expr.Bind(n, scope)
				if berr != nil {
					err = prefixErr(berr, clause)
					return n, true
				}
				c := *n
				c.Source, c.Name = "", flatName(scopeColumnAt(scope, be.(*expr.ColumnRef).Index))
				return &c, true
			}
			return nil, false
		})
	}
	out := walk(e, nil)
	return out, err
}

func scopeColumnAt(scope *expr.Scope, idx int) expr.ScopeColumn {
	for _, c := range scope.Columns {
		if c.Index == idx {
			return c
		}
	}
	return expr.ScopeColumn{}
}

// flattenItems flattens the select list. An unaliased column keeps the name
// it has in a join's projection: its own, or its flat name when sides share
// it (joinItemName).
func flattenItems(items []ast.SelectItem, scope *expr.Scope, shared map[string]int) ([]ast.SelectItem, error) {
	out := make([]ast.SelectItem, len(items))
	for i, it := range items {
		fe, err := flatten(it.Expr, scope, "SELECT")
		if err != nil {
			return nil, err
		}
		out[i] = it
		out[i].Expr = fe
		if cr, ok := it.Expr.(*ast.ColumnRef); ok && it.Alias == "" {
			out[i].Alias = cr.Name
			if fc := fe.(*ast.ColumnRef); fc.Name != cr.Name && shared[cr.Name] > 1 {
				out[i].Alias = fc.Name
			}
		}
	}
	return out, nil
}

// sharedNames counts, per column name, the join sides having it.
func sharedNames(sides []*joinSide) map[string]int {
	n := map[string]int{}
	for _, s := range sides {
		for _, c := range s.row.Columns {
			n[c.Name]++
		}
	}
	return n
}

// planJoinAggregated plans GROUP BY [WINDOW] [HAVING] over a join (root:
// the join and its WHERE). The aggregation groups the joined rows; over a
// table-table join they are a table's changes, keyed by the join key, so an
// update retracts the old joined row from its group.
func planJoinAggregated(q *ast.Query, items []ast.SelectItem, sides []*joinSide, scope *expr.Scope, root Logical,
	table bool, opts QueryOptions) (*Plan, error) {
	fitems, err := flattenItems(items, scope, sharedNames(sides))
	if err != nil {
		return nil, err
	}
	fq := *q
	fq.Items = fitems
	fq.GroupBy = make([]ast.Expr, len(q.GroupBy))
	for i, g := range q.GroupBy {
		if fq.GroupBy[i], err = flatten(g, scope, "GROUP BY"); err != nil {
			return nil, err
		}
	}
	if q.Having != nil {
		if fq.Having, err = flatten(q.Having, scope, "HAVING"); err != nil {
			return nil, err
		}
	}
	if err := checkGlobalAggregate(&fq, opts); err != nil {
		return nil, err
	}
	var names []string
	for _, s := range sides {
		names = append(names, s.src.Name)
	}
	return planAggregated(&fq, fitems, sides[0].src, table, names, flatScope(scope), root, opts)
}

// joinPartitionKeys applies PARTITION BY to a join's projection (see
// partitionKeys), comparing flat texts.
func joinPartitionKeys(partitionBy []ast.Expr, items []ast.SelectItem, scope *expr.Scope, sink string, persistent bool) ([]int, error) {
	fitems := make([]ast.SelectItem, len(items))
	for i, it := range items {
		fitems[i] = it
		// An item that does not resolve fails when the projection binds it.
		if fe, err := flatten(it.Expr, scope, "SELECT"); err == nil {
			fitems[i].Expr = fe
		}
	}
	parts := make([]ast.Expr, len(partitionBy))
	for i, p := range partitionBy {
		var err error
		if parts[i], err = flatten(p, scope, "PARTITION BY"); err != nil {
			return nil, err
		}
	}
	return partitionKeys(parts, fitems, "", sink, persistent)
}
