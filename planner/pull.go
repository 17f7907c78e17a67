package planner

import (
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// PullPlan is a pull query: a lookup or scan of a table's current state, or
// a scan of a stream's records so far. Rows it reads are laid out as the
// source's columns, then ROWTIME, then WINDOWSTART and WINDOWEND for
// windowed tables.
type PullPlan struct {
	Source *catalog.Source
	Where  expr.Expr // nil: every row
	Exprs  []expr.Expr
	Output types.Schema
	Limit  *int64
	Width  int
}

// PlanPull plans SELECT ... FROM table|stream [WHERE ...] [LIMIT n] without EMIT.
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
	if err := checkPullPseudoColumns(q); err != nil {
		return nil, err
	}
	if err := checkTableFunctions(q, src.Kind == ast.Table); err != nil {
		return nil, err
	}
	for _, it := range q.Items {
		if c := expr.FirstTableCall(it.Expr); c != nil {
			return nil, ast.Errorf(ast.SemanticError, c.Position(), "Pull queries on streams don't support table functions (%s) yet: add EMIT CHANGES for a push query.",
				strings.ToUpper(c.Name))
		}
	}
	// A pull query on a stream scans its topic (every record, in order).
	if src.Kind == ast.Table && !src.ReadOnly && src.Sink == "" {
		// Only a query's sink or a CREATE SOURCE TABLE is materialised
		// in ksqlDB; a plain CREATE TABLE is just a topic.
		return nil, ast.Errorf(ast.SemanticError, ref.At, "The %s table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_%s AS SELECT * FROM %s'.%s",
			types.QuoteIdent(src.Name), src.Name, src.Name, " See https://cnfl.io/queries for more info.")
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
		w, err := expr.Bind(magicTimestamps(q.Where), scope)
		if err != nil {
			return nil, prefixErr(err, "WHERE")
		}
		if err := checkNullComparison(q.Where, scope); err != nil {
			return nil, err
		}
		if t := w.Type(); t.Kind != types.Boolean && t.Kind != types.Unknown {
			return nil, ast.Errorf(ast.SemanticError, q.Where.Position(),
				"Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", ast.FormatExpr(q.Where), t)
		}
		p.Where = w
	}
	items, err := expandStars(q.Items, src, qualifier, true)
	if err != nil {
		return nil, err
	}
	gen := colNamer{scope: scope}
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
		// ksqlDB's header marks the key columns of a table, not of a stream.
		if cr, ok := it.Expr.(*ast.ColumnRef); ok && src.Kind == ast.Table {
			if j := in.Find(cr.Name); j >= 0 && in.Columns[j].Namespace == types.KeyColumn {
				col.Namespace = types.KeyColumn
			}
		}
		p.Exprs = append(p.Exprs, be)
		p.Output.Columns = append(p.Output.Columns, col)
	}
	return p, nil
}

// checkNullComparison rejects a comparison of a column with NULL, which
// can never be true: ksqlDB fails the pull query rather than return no row.
func checkNullComparison(where ast.Expr, scope *expr.Scope) error {
	var err error
	expr.Walk(where, func(n ast.Expr) bool {
		b, ok := n.(*ast.Binary)
		if !ok || err != nil {
			return err == nil
		}
		if b.Op < ast.Eq || b.Op > ast.Ge {
			return true
		}
		other, lnull := b.R, isNullLiteral(b.L)
		if !lnull {
			if !isNullLiteral(b.R) {
				return true
			}
			other = b.L
		}
		be, berr := expr.Bind(other, scope)
		if berr != nil || be.Type().Kind == types.Unknown {
			return true
		}
		left, right := be.Type().String(), "NULL"
		ltext, rtext := ast.FormatExpr(other), "null"
		if lnull {
			left, right, ltext, rtext = right, left, rtext, ltext
		}
		err = ast.Errorf(ast.SemanticError, b.Position(), "Error in WHERE expression: Comparison with NULL not supported: %s %s %s\nUse 'IS NULL' or 'IS NOT NULL' instead.\nStatement: (%s %s %s)",
			left, b.Op, right, ltext, b.Op, rtext)
		return false
	})
	return err
}

func isNullLiteral(e ast.Expr) bool {
	l, ok := e.(*ast.Literal)
	return ok && l.Value == nil
}

// checkPullPseudoColumns rejects ROWPARTITION and ROWOFFSET, which pull
// queries do not read (ksqlDB answers them from state stores, which do not
// keep them).
func checkPullPseudoColumns(q *ast.Query) error {
	find := func(e ast.Expr, seen map[string]bool, found []string) []string {
		expr.Walk(e, func(n ast.Expr) bool {
			if c, ok := n.(*ast.ColumnRef); ok && (c.Name == types.RowPartition || c.Name == types.RowOffset) && !seen[c.Name] {
				seen[c.Name] = true
				found = append(found, types.QuoteIdent(c.Name))
			}
			return true
		})
		return found
	}
	var found []string
	seen := map[string]bool{}
	for _, it := range q.Items {
		if it.Expr != nil {
			found = find(it.Expr, seen, found)
		}
	}
	if len(found) > 0 {
		return ast.Errorf(ast.SemanticError, q.At, "Pull queries don't support the following columns in SELECT clauses: %s", strings.Join(found, ", "))
	}
	if q.Where != nil {
		if found = find(q.Where, map[string]bool{}, nil); len(found) > 0 {
			return ast.Errorf(ast.SemanticError, q.Where.Position(), "Pull queries don't support the following columns in WHERE clauses: %s", strings.Join(found, ", "))
		}
	}
	return nil
}
