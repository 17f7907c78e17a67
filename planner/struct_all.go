package planner

import (
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// expandStructAll replaces each x->* select item by one item per field of
// the struct x, in the struct's order and named after the fields, as
// ksqlDB's struct-all projection does. opts are the select list's bind
// options (x may be a table function's value).
func expandStructAll(items []ast.SelectItem, scope *expr.Scope, opts expr.BindOptions) ([]ast.SelectItem, error) {
	var out []ast.SelectItem
	for _, it := range items {
		if !it.StructAll {
			out = append(out, it)
			continue
		}
		b, err := expr.BindWith(it.Expr, scope, opts)
		if err != nil {
			return nil, prefixErr(err, "SELECT")
		}
		t := b.Type()
		if t.Kind != types.StructKind {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Expected %s to be a STRUCT for ->*, but it is %s.", ast.FormatExprUnquoted(it.Expr), t)
		}
		for _, f := range t.Fields {
			out = append(out, ast.SelectItem{At: it.At, Alias: f.Name,
				Expr: &ast.Deref{ExprBase: ast.ExprBase{At: it.At}, X: it.Expr, Field: f.Name}})
		}
	}
	return out, nil
}
