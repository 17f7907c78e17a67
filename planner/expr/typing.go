package expr

import (
	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// ArithmeticType is the result type of l op r for numeric operands, or nil
// when the operands are not both numeric. DOUBLE wins over DECIMAL over
// BIGINT over INT; DECIMAL results follow ksqlDB's precision rules.
func ArithmeticType(op ast.BinaryOp, l, r *types.Type) *types.Type {
	if !l.IsNumeric() || !r.IsNumeric() {
		return nil
	}
	switch {
	case l.Kind == types.Double || r.Kind == types.Double:
		return types.TDouble
	case l.Kind == types.DecimalKind || r.Kind == types.DecimalKind:
		return DecimalArithmetic(op, functions.ToDecimal(l), functions.ToDecimal(r))
	case l.Kind == types.Bigint || r.Kind == types.Bigint:
		return types.TBigint
	}
	return types.TInt
}

// DecimalArithmetic applies ksqlDB's (SQL Server's) result precision and
// scale rules for DECIMAL(p1, s1) op DECIMAL(p2, s2).
func DecimalArithmetic(op ast.BinaryOp, l, r *types.Type) *types.Type {
	p1, s1, p2, s2 := l.Precision, l.Scale, r.Precision, r.Scale
	var p, s int
	switch op {
	case ast.Add, ast.Sub:
		s = max(s1, s2)
		p = max(p1-s1, p2-s2) + s + 1
	case ast.Mul:
		p, s = p1+p2+1, s1+s2
	case ast.Div:
		s = max(6, s1+p2+1)
		p = p1 - s1 + s2 + s
	case ast.Mod:
		s = max(s1, s2)
		p = min(p1-s1, p2-s2) + s
	}
	return types.DecimalType(p, s)
}

// ComparisonType is the type both operands of a comparison are converted
// to, and whether the comparison is allowed at all. A NULL operand takes the
// other's type.
func ComparisonType(op ast.BinaryOp, l, r *types.Type) (*types.Type, bool) {
	if l.Kind == types.Unknown {
		return r, true
	}
	if r.Kind == types.Unknown {
		return l, true
	}
	if l.IsNumeric() && r.IsNumeric() {
		t, _ := widerNumeric(l, r)
		return t, true
	}
	temporal := func(t *types.Type) bool {
		return t.Kind == types.TimestampKind || t.Kind == types.DateKind || t.Kind == types.TimeKind
	}
	switch {
	case temporal(l) && r.Kind == types.String:
		return l, true
	case temporal(r) && l.Kind == types.String:
		return r, true
	case l.Kind == types.TimestampKind && r.Kind == types.DateKind || l.Kind == types.DateKind && r.Kind == types.TimestampKind:
		return types.TTimestamp, true
	}
	if l.Kind != r.Kind {
		return nil, false
	}
	switch l.Kind {
	case types.Array, types.MapKind, types.StructKind:
		switch op {
		case ast.Eq, ast.Ne, ast.IsDistinct, ast.IsNotDistinct:
			return l, l.Equal(r)
		}
		return nil, false
	}
	return l, true
}

// widerNumeric returns the numeric type both convert to without loss
// (DECIMALs widen to hold both).
func widerNumeric(a, b *types.Type) (*types.Type, bool) {
	if !a.IsNumeric() || !b.IsNumeric() {
		return nil, false
	}
	switch {
	case a.Kind == types.Double || b.Kind == types.Double:
		return types.TDouble, true
	case a.Kind == types.DecimalKind || b.Kind == types.DecimalKind:
		if a.Equal(b) {
			return a, true
		}
		return functions.WidestDecimal(a, b), true
	case a.Kind == types.Bigint || b.Kind == types.Bigint:
		return types.TBigint, true
	}
	return types.TInt, true
}

// CommonType unifies the types of CASE branches and constructor elements:
// NULLs take the others' type, numerics widen, anything else must be equal.
// All-NULL input yields TUnknown.
func CommonType(ts []*types.Type) (*types.Type, bool) {
	out := types.TUnknown
	for _, t := range ts {
		switch {
		case t.Kind == types.Unknown:
		case out.Kind == types.Unknown:
			out = t
		case out.Equal(t):
		default:
			w, ok := widerNumeric(out, t)
			if !ok {
				return nil, false
			}
			out = w
		}
	}
	return out, true
}

// IsAggregate reports whether e contains a call to an aggregate function.
func IsAggregate(e ast.Expr) bool {
	found := false
	Walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.Call); ok && functions.IsAggregate(c.Name) {
			found = true
		}
		return !found
	})
	return found
}

// FirstTableCall returns the first call to a table function in e, in
// pre-order, or nil.
func FirstTableCall(e ast.Expr) *ast.Call {
	var found *ast.Call
	Walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.Call); ok && functions.IsTable(c.Name) {
			found = c
		}
		return found == nil
	})
	return found
}

// Walk calls fn for e and, while fn returns true, its sub-expressions in
// pre-order.
func Walk(e ast.Expr, fn func(ast.Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Children lists the direct sub-expressions of an AST expression.
func Children(e ast.Expr) []ast.Expr {
	switch e := e.(type) {
	case *ast.Unary:
		return []ast.Expr{e.X}
	case *ast.Binary:
		return []ast.Expr{e.L, e.R}
	case *ast.IsNull:
		return []ast.Expr{e.X}
	case *ast.Like:
		if e.Escape != nil {
			return []ast.Expr{e.X, e.Pattern, e.Escape}
		}
		return []ast.Expr{e.X, e.Pattern}
	case *ast.Between:
		return []ast.Expr{e.X, e.Lo, e.Hi}
	case *ast.In:
		return append([]ast.Expr{e.X}, e.List...)
	case *ast.Case:
		var out []ast.Expr
		if e.Operand != nil {
			out = append(out, e.Operand)
		}
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *ast.Cast:
		return []ast.Expr{e.X}
	case *ast.Call:
		return e.Args
	case *ast.Deref:
		return []ast.Expr{e.X}
	case *ast.Subscript:
		return []ast.Expr{e.X, e.Index}
	case *ast.ArrayCtor:
		return e.Elems
	case *ast.MapCtor:
		return append(append([]ast.Expr{}, e.Keys...), e.Values...)
	case *ast.StructCtor:
		return e.Values
	case *ast.Lambda:
		return []ast.Expr{e.Body}
	}
	return nil
}
