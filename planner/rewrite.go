package planner

import "github.com/sluicedb/sluice/sql/ast"

// rewrite returns a copy of e in which every sub-expression for which fn
// returns (r, true) is replaced by r; fn sees parents before children.
// The input tree is not modified.
func rewrite(e ast.Expr, fn func(ast.Expr) (ast.Expr, bool)) ast.Expr {
	if e == nil {
		return nil
	}
	if r, ok := fn(e); ok {
		return r
	}
	rw := func(x ast.Expr) ast.Expr { return rewrite(x, fn) }
	list := func(xs []ast.Expr) []ast.Expr {
		out := make([]ast.Expr, len(xs))
		for i, x := range xs {
			out[i] = rw(x)
		}
		return out
	}
	switch n := e.(type) {
	case *ast.Unary:
		c := *n
		c.X = rw(n.X)
		return &c
	case *ast.Binary:
		c := *n
		c.L, c.R = rw(n.L), rw(n.R)
		return &c
	case *ast.IsNull:
		c := *n
		c.X = rw(n.X)
		return &c
	case *ast.Like:
		c := *n
		c.X, c.Pattern, c.Escape = rw(n.X), rw(n.Pattern), rw(n.Escape)
		return &c
	case *ast.Between:
		c := *n
		c.X, c.Lo, c.Hi = rw(n.X), rw(n.Lo), rw(n.Hi)
		return &c
	case *ast.In:
		c := *n
		c.X, c.List = rw(n.X), list(n.List)
		return &c
	case *ast.Case:
		c := *n
		c.Operand, c.Else = rw(n.Operand), rw(n.Else)
		c.Whens = make([]ast.When, len(n.Whens))
		for i, w := range n.Whens {
			c.Whens[i] = ast.When{Cond: rw(w.Cond), Result: rw(w.Result)}
		}
		return &c
	case *ast.Cast:
		c := *n
		c.X = rw(n.X)
		return &c
	case *ast.Call:
		c := *n
		c.Args = list(n.Args)
		return &c
	case *ast.Deref:
		c := *n
		c.X = rw(n.X)
		return &c
	case *ast.Subscript:
		c := *n
		c.X, c.Index = rw(n.X), rw(n.Index)
		return &c
	case *ast.ArrayCtor:
		c := *n
		c.Elems = list(n.Elems)
		return &c
	case *ast.MapCtor:
		c := *n
		c.Keys, c.Values = list(n.Keys), list(n.Values)
		return &c
	case *ast.StructCtor:
		c := *n
		c.Values = list(n.Values)
		return &c
	case *ast.Lambda:
		c := *n
		c.Body = rw(n.Body)
		return &c
	}
	return e // leaves: ColumnRef, Literal, IntervalUnit
}
