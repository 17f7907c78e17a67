package planner

import (
	"strings"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// partitionKeys applies PARTITION BY to a stream query's projection: the
// select items equal to a partitioning expression become the result's key
// columns (in PARTITION BY order) and every other item, the source's old key
// included, becomes a value column. PARTITION BY NULL leaves no key. As in
// ksqlDB, a persistent query must project each partitioning expression.
func partitionKeys(partitionBy []ast.Expr, items []ast.SelectItem, qualifier, sink string, persistent bool) (keyOrder []int, err error) {
	if len(partitionBy) == 1 {
		if lit, ok := partitionBy[0].(*ast.Literal); ok && lit.Value == nil {
			return []int{}, nil
		}
	}
	var missing []string
	for _, p := range partitionBy {
		want := canonical(p, "")
		found := -1
		for i, it := range items {
			if it.Expr != nil && canonical(it.Expr, "") == want {
				found = i
				break
			}
		}
		if found < 0 {
			missing = append(missing, canonical(p, qualifier))
			continue
		}
		keyOrder = append(keyOrder, found)
	}
	if len(missing) > 0 && persistent {
		what := "partitioning expression " + missing[0]
		if len(missing) > 1 {
			what = "partitioning expressions " + strings.Join(missing, " and ")
		}
		return nil, ast.Errorf(ast.SemanticError, partitionBy[0].Position(),
			"The query used to build %s must include the %s in its projection (eg, SELECT %s...).",
			types.QuoteIdent(sink), what, strings.Join(missing, ", "))
	}
	return keyOrder, nil
}

// canonical prints e with every column qualified by qualifier ("" strips
// qualifiers), so `s.id` and `id` compare equal. It restores e afterwards.
func canonical(e ast.Expr, qualifier string) string {
	var refs []*ast.ColumnRef
	var saved []string
	expr.Walk(e, func(n ast.Expr) bool {
		if c, ok := n.(*ast.ColumnRef); ok {
			refs = append(refs, c)
			saved = append(saved, c.Source)
			c.Source = qualifier
		}
		return true
	})
	s := ast.FormatExprUnquoted(e)
	for i, c := range refs {
		c.Source = saved[i]
	}
	return s
}
