package planner

import (
	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// PullPlan is a pull query: a lookup or scan of a table's current state.
// Rows it reads are laid out as the table's columns, then ROWTIME, then
// WINDOWSTART and WINDOWEND for windowed tables.
type PullPlan struct {
	Source *catalog.Source
	Where  expr.Expr // nil: every row
	Exprs  []expr.Expr
	Output types.Schema
	Limit  *int64
	Width  int
}

// PlanPull plans SELECT ... FROM table [WHERE ...] [LIMIT n] without EMIT.
func PlanPull(cat *catalog.Catalog, q *ast.Query) (*PullPlan, error) {
	const more = " See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query."
	switch {
	case q.Window != nil:
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support WINDOW clauses."+more)
	case len(q.GroupBy) > 0:
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support GROUP BY clauses."+more)
	case len(q.PartitionBy) > 0:
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support PARTITION BY clauses."+more)
	case q.Having != nil:
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support HAVING clauses."+more)
	}
	ref, ok := q.From.(*ast.SourceRef)
	if !ok {
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support JOIN clauses."+more)
	}
	src := cat.Source(ref.Name)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, ref.At, "%s does not exist.", types.QuoteIdent(ref.Name))
	}
	if src.Kind != ast.Table {
		return nil, ast.Errorf(ast.SemanticError, q.At, "Pull queries on streams are not supported yet: add EMIT CHANGES for a push query.")
	}
	cols := append([]types.Column{}, src.Schema.Columns...)
	cols = append(cols, types.Column{Name: types.RowTime, Type: types.TBigint})
	if src.Window != nil {
		cols = append(cols,
			types.Column{Name: types.WindowStart, Type: types.TBigint, Namespace: types.KeyColumn},
			types.Column{Name: types.WindowEnd, Type: types.TBigint, Namespace: types.KeyColumn})
	}
	in := types.Schema{Columns: cols}
	qualifier := ref.Name
	if ref.Alias != "" {
		qualifier = ref.Alias
	}
	scope := scopeOf(in, qualifier)
	p := &PullPlan{Source: src, Limit: q.Limit, Width: len(cols)}
	if q.Where != nil {
		w, err := expr.Bind(q.Where, scope)
		if err != nil {
			return nil, prefixErr(err, "WHERE")
		}
		if t := w.Type(); t.Kind != types.Boolean && t.Kind != types.Unknown {
			return nil, ast.Errorf(ast.SemanticError, q.Where.Position(),
				"Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", ast.FormatExpr(q.Where), t)
		}
		p.Where = w
	}
	var items []ast.SelectItem
	for _, it := range q.Items {
		if !it.Star {
			items = append(items, it)
			continue
		}
		if it.StarSource != "" && it.StarSource != qualifier {
			return nil, ast.Errorf(ast.SemanticError, it.At, "'%s' is not a valid stream/table name or alias.", it.StarSource)
		}
		// ksqlDB puts the window bounds after the key columns of a windowed table.
		for _, c := range src.Schema.Keys() {
			items = append(items, ast.SelectItem{At: it.At, Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Name: c.Name}})
		}
		if src.Window != nil {
			for _, n := range []string{types.WindowStart, types.WindowEnd} {
				items = append(items, ast.SelectItem{At: it.At, Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Name: n}})
			}
		}
		for _, c := range src.Schema.Columns {
			if c.Namespace != types.KeyColumn {
				items = append(items, ast.SelectItem{At: it.At, Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Name: c.Name}})
			}
		}
	}
	gen := 0
	for _, it := range items {
		if it.Expr != nil && expr.IsAggregate(it.Expr) {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Pull queries don't support aggregate functions."+more)
		}
		be, err := expr.Bind(it.Expr, scope)
		if err != nil {
			return nil, prefixErr(err, "SELECT")
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr, &gen)
		}
		col := types.Column{Name: name, Type: be.Type()}
		if cr, ok := it.Expr.(*ast.ColumnRef); ok {
			if j := in.Find(cr.Name); j >= 0 && in.Columns[j].Namespace == types.KeyColumn {
				col.Namespace = types.KeyColumn
			}
		}
		p.Exprs = append(p.Exprs, be)
		p.Output.Columns = append(p.Output.Columns, col)
	}
	return p, nil
}
