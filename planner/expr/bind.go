package expr

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// BindOptions says which constructs the caller accepts.
type BindOptions struct {
	// AllowAggregates permits aggregate calls (SELECT and HAVING of an
	// aggregate query). Aggregates never nest.
	AllowAggregates bool
	// AllowTableFunctions permits table functions such as EXPLODE (SELECT).
	AllowTableFunctions bool
	// TableColumns replaces table function calls, by identity, with what
	// stands for their values: the columns a flat map appended to the row
	// (planner's FlatMapNode), so that a select item over EXPLODE(x) reads
	// one element per row.
	TableColumns map[*ast.Call]Expr
}

// Bind resolves and types e against scope with no aggregates allowed.
func Bind(e ast.Expr, scope *Scope) (Expr, error) {
	return BindWith(e, scope, BindOptions{})
}

// BindWith resolves and types e against scope. Errors are *ast.Error with
// e's (or the offending sub-expression's) position.
func BindWith(e ast.Expr, scope *Scope, opts BindOptions) (Expr, error) {
	if scope == nil {
		scope = &Scope{}
	}
	b := &binder{scope: scope, opts: opts}
	return b.bind(e)
}

type lambdaVar struct {
	name string
	t    *types.Type
}

type binder struct {
	scope   *Scope
	opts    BindOptions
	inAgg   string // name of the enclosing aggregate call, "" when none
	lambdas []lambdaVar
}

func errAt(n ast.Node, format string, args ...any) *ast.Error {
	return ast.Errorf(ast.SemanticError, n.Position(), format, args...)
}

func (b *binder) bind(e ast.Expr) (Expr, error) {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return b.column(e)
	case *ast.Literal:
		return literal(e)
	case *ast.IntervalUnit:
		return &Literal{Value: strings.ToUpper(e.Unit), T: types.TString}, nil
	case *ast.Unary:
		return b.unary(e)
	case *ast.Binary:
		return b.binary(e)
	case *ast.IsNull:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		return &IsNull{X: x, Not: e.Not}, nil
	case *ast.Like:
		return b.like(e)
	case *ast.Between:
		return b.between(e)
	case *ast.In:
		return b.in(e)
	case *ast.Case:
		return b.caseExpr(e)
	case *ast.Cast:
		x, err := b.bind(e.X)
		if err != nil {
			return nil, err
		}
		if !CanCast(x.Type(), e.Type) {
			return nil, errAt(e, "Cast of %s to %s is not supported", x.Type(), e.Type)
		}
		return &Cast{X: x, T: e.Type}, nil
	case *ast.Call:
		return b.call(e)
	case *ast.Deref:
		return b.deref(e)
	case *ast.Subscript:
		return b.subscript(e)
	case *ast.ArrayCtor:
		return b.arrayCtor(e)
	case *ast.MapCtor:
		return b.mapCtor(e)
	case *ast.StructCtor:
		return b.structCtor(e)
	case *ast.Lambda:
		return nil, errAt(e, "Lambda expressions are only valid as function arguments")
	case nil:
		return nil, &ast.Error{Msg: "missing expression", Category: ast.SemanticError}
	}
	return nil, errAt(e, "unsupported expression %T", e)
}

func (b *binder) bindAll(es []ast.Expr) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, x := range es {
		y, err := b.bind(x)
		if err != nil {
			return nil, err
		}
		out[i] = y
	}
	return out, nil
}

func (b *binder) column(e *ast.ColumnRef) (Expr, error) {
	if e.Source == "" {
		for i := len(b.lambdas) - 1; i >= 0; i-- {
			if b.lambdas[i].name == e.Name {
				return &LambdaParam{Name: e.Name, Slot: i, T: b.lambdas[i].t}, nil
			}
		}
	}
	var found []ScopeColumn
	knownSource := false
	for _, c := range b.scope.Columns {
		if e.Source != "" {
			if c.Source != e.Source {
				continue
			}
			knownSource = true
		}
		if c.Name == e.Name {
			found = append(found, c)
		}
	}
	name := e.Name
	if e.Source != "" {
		name = e.Source + "." + e.Name
	}
	switch {
	case len(found) == 1:
		return &ColumnRef{Index: found[0].Index, Name: name, T: found[0].Type}, nil
	case len(found) > 1:
		alts := make([]string, len(found))
		for i, c := range found {
			alts[i] = c.Source + "." + c.Name
		}
		return nil, errAt(e, "Column '%s' is ambiguous. Could be %s.", name, orList(alts))
	case e.Source != "" && !knownSource:
		return nil, errAt(e, "'%s' is not a valid stream/table name or alias.", e.Source)
	}
	return nil, errAt(e, "Column '%s' cannot be resolved.", name)
}

// orList joins "A", "A or B", "A, B or C" as ksqlDB does.
func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func literal(e *ast.Literal) (Expr, error) {
	switch v := e.Value.(type) {
	case nil:
		return &Literal{T: types.TUnknown}, nil
	case bool:
		return &Literal{Value: v, T: types.TBoolean}, nil
	case int32:
		return &Literal{Value: v, T: types.TInt}, nil
	case int64:
		return &Literal{Value: v, T: types.TBigint}, nil
	case int:
		if v >= -1<<31 && v < 1<<31 {
			return &Literal{Value: int32(v), T: types.TInt}, nil
		}
		return &Literal{Value: int64(v), T: types.TBigint}, nil
	case float64:
		return &Literal{Value: v, T: types.TDouble}, nil
	case types.Decimal:
		if v.Unscaled == nil {
			return nil, errAt(e, "invalid decimal literal")
		}
		return &Literal{Value: v, T: types.DecimalType(max(v.Precision(), v.Scale, 1), v.Scale)}, nil
	case string:
		return &Literal{Value: v, T: types.TString}, nil
	}
	return nil, errAt(e, "unsupported literal %T", e.Value)
}

func (b *binder) unary(e *ast.Unary) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	switch e.Op {
	case ast.Not:
		if t.Kind != types.Boolean && t.Kind != types.Unknown {
			return nil, errAt(e, "NOT expects a BOOLEAN operand but %s is %s", x, t)
		}
		return &Unary{Op: e.Op, X: x, T: types.TBoolean}, nil
	default:
		if !t.IsNumeric() {
			return nil, errAt(e, "Error processing expression: %s%s. Unsupported arithmetic type. %s", opSign(e.Op), x, t)
		}
		if e.Op == ast.Plus {
			return x, nil
		}
		if lit, ok := x.(*Literal); ok {
			// Fold "-5" so that it prints and types like ksqlDB's literal -5.
			if v, ok := negate(lit.Value); ok {
				return &Literal{Value: v, T: t}, nil
			}
		}
		return &Unary{Op: e.Op, X: x, T: t}, nil
	}
}

func opSign(op ast.UnaryOp) string {
	if op == ast.Neg {
		return "-"
	}
	return "+"
}

func negate(v any) (any, bool) {
	switch v := v.(type) {
	case int32:
		return -v, true
	case int64:
		return -v, true
	case float64:
		return -v, true
	case types.Decimal:
		u := new(big.Int).Neg(v.Unscaled)
		return types.Decimal{Unscaled: u, Scale: v.Scale}, true
	}
	return nil, false
}

// typeName prints a type as ksqlDB does in arithmetic errors: NULL as "null".
func typeName(t *types.Type) string {
	if t.Kind == types.Unknown {
		return "null"
	}
	return t.String()
}

var cmpNames = map[ast.BinaryOp]string{
	ast.Eq: "EQUAL", ast.Ne: "NOT_EQUAL", ast.Lt: "LESS_THAN", ast.Le: "LESS_THAN_OR_EQUAL",
	ast.Gt: "GREATER_THAN", ast.Ge: "GREATER_THAN_OR_EQUAL",
	ast.IsDistinct: "IS_DISTINCT_FROM", ast.IsNotDistinct: "IS_NOT_DISTINCT_FROM",
}

func (b *binder) binary(e *ast.Binary) (Expr, error) {
	l, err := b.bind(e.L)
	if err != nil {
		return nil, err
	}
	r, err := b.bind(e.R)
	if err != nil {
		return nil, err
	}
	lt, rt := l.Type(), r.Type()
	switch e.Op {
	case ast.Add, ast.Sub, ast.Mul, ast.Div, ast.Mod:
		text := "(" + l.String() + " " + e.Op.String() + " " + r.String() + ")"
		if lt.Kind == types.Unknown || rt.Kind == types.Unknown {
			return nil, errAt(e, "Error processing expression: %s. Arithmetic on types %s and %s are not supported.", text, typeName(lt), typeName(rt))
		}
		if e.Op == ast.Add && lt.Kind == types.String && rt.Kind == types.String {
			return &Binary{Op: e.Op, L: l, R: r, T: types.TString}, nil
		}
		t := ArithmeticType(e.Op, lt, rt)
		if t == nil {
			return nil, errAt(e, "Error processing expression: %s. Unsupported arithmetic types. %s %s", text, lt, rt)
		}
		opT := t
		if t.Kind == types.DecimalKind {
			// Each operand keeps its own precision; the result type carries the
			// rule's precision and scale.
			return &Binary{Op: e.Op, L: implicit(l, functions.ToDecimal(lt)), R: implicit(r, functions.ToDecimal(rt)), T: t}, nil
		}
		return &Binary{Op: e.Op, L: implicit(l, opT), R: implicit(r, opT), T: t}, nil
	case ast.Concat:
		if (lt.Kind != types.String && lt.Kind != types.Unknown) || (rt.Kind != types.String && rt.Kind != types.Unknown) {
			return nil, errAt(e, "Error processing expression: (%s || %s). Unsupported concatenation types. %s %s", l, r, lt, rt)
		}
		return &Binary{Op: e.Op, L: l, R: r, T: types.TString}, nil
	case ast.And, ast.Or:
		for _, x := range []Expr{l, r} {
			if k := x.Type().Kind; k != types.Boolean && k != types.Unknown {
				return nil, errAt(e, "Logical binary expects two boolean values. Actual %s and %s", typeName(lt), typeName(rt))
			}
		}
		return &Binary{Op: e.Op, L: l, R: r, T: types.TBoolean}, nil
	}
	// Comparisons.
	if lt.Kind == types.Unknown && rt.Kind == types.Unknown {
		return nil, errAt(e, "Comparison with NULL not supported: NULL %s NULL", e.Op)
	}
	ct, ok := ComparisonType(e.Op, lt, rt)
	if !ok {
		return nil, errAt(e, "Cannot compare %s (%s) to %s (%s) with %s.", l, lt, r, rt, cmpNames[e.Op])
	}
	return &Binary{Op: e.Op, L: implicit(l, ct), R: implicit(r, ct), T: types.TBoolean}, nil
}

// implicit wraps x in an implicit cast to t unless it already has type t or
// is NULL.
func implicit(x Expr, t *types.Type) Expr {
	xt := x.Type()
	if t == nil || xt.Kind == types.Unknown || t.Kind == types.Unknown || xt.Equal(t) {
		return x
	}
	if lit, ok := x.(*Literal); ok {
		if v, err := ConvertLiteral(lit.Value, xt, t); err == nil {
			return &Literal{Value: v, T: t, Text: lit.String()}
		}
	}
	return &Cast{X: x, T: t, Implicit: true}
}

func (b *binder) like(e *ast.Like) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	p, err := b.bind(e.Pattern)
	if err != nil {
		return nil, err
	}
	for _, y := range []Expr{x, p} {
		if k := y.Type().Kind; k != types.String && k != types.Unknown {
			return nil, errAt(e, "LIKE operands must be STRING: %s is %s", y, y.Type())
		}
	}
	out := &Like{X: x, Pattern: p, Not: e.Not}
	if e.Escape != nil {
		esc, err := b.bind(e.Escape)
		if err != nil {
			return nil, err
		}
		lit, ok := esc.(*Literal)
		s, isStr := lit.Value.(string)
		if !ok || !isStr || len([]rune(s)) != 1 {
			return nil, errAt(e.Escape, "ESCAPE must be a single character string literal, got %s", esc)
		}
		out.Escape = esc
	}
	return out, nil
}

func (b *binder) between(e *ast.Between) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	lo, err := b.bind(e.Lo)
	if err != nil {
		return nil, err
	}
	hi, err := b.bind(e.Hi)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	for _, y := range []Expr{lo, hi} {
		ct, ok := ComparisonType(ast.Le, t, y.Type())
		if !ok {
			return nil, errAt(e, "Cannot compare %s (%s) to %s (%s) with BETWEEN.", x, x.Type(), y, y.Type())
		}
		t = ct
	}
	// A second pass widens the earlier operands to the final common type.
	return &Between{X: implicit(x, t), Lo: implicit(lo, t), Hi: implicit(hi, t), Not: e.Not}, nil
}

func (b *binder) in(e *ast.In) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	list, err := b.bindAll(e.List)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	for i, y := range list {
		yt := y.Type()
		if lit, ok := y.(*Literal); ok && yt.Kind == types.String && t.Kind != types.String && t.Kind != types.Unknown {
			// ksqlDB coerces string literals in an IN list to the tested type.
			v, err := ConvertLiteral(lit.Value, yt, t)
			if err != nil {
				return nil, errAt(e.List[i], "invalid input syntax for type %s: %q.", t, lit.Value)
			}
			list[i] = &Literal{Value: v, T: t, Text: lit.String()}
			continue
		}
		ct, ok := ComparisonType(ast.Eq, t, yt)
		if !ok {
			return nil, errAt(e.List[i], "operator does not exist: %s = %s (%s)", t, yt, y)
		}
		t = ct
	}
	for i := range list {
		list[i] = implicit(list[i], t)
	}
	return &In{X: implicit(x, t), List: list, Not: e.Not}, nil
}

func (b *binder) caseExpr(e *ast.Case) (Expr, error) {
	out := &Case{}
	var operand Expr
	if e.Operand != nil {
		o, err := b.bind(e.Operand)
		if err != nil {
			return nil, err
		}
		operand, out.Operand = o, o
	}
	var results []Expr
	for _, w := range e.Whens {
		c, err := b.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			out.operandWhens = append(out.operandWhens, c)
			ct, ok := ComparisonType(ast.Eq, operand.Type(), c.Type())
			if !ok {
				return nil, errAt(w.Cond, "Cannot compare %s (%s) to %s (%s) with EQUAL.", operand, operand.Type(), c, c.Type())
			}
			c = &Binary{Op: ast.Eq, L: implicit(operand, ct), R: implicit(c, ct), T: types.TBoolean}
		} else if k := c.Type().Kind; k != types.Boolean && k != types.Unknown {
			return nil, errAt(w.Cond, "WHEN operand type should be boolean.\nType for '%s' is %s", c, c.Type())
		}
		r, err := b.bind(w.Result)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, When{Cond: c, Result: r})
		results = append(results, r)
	}
	if e.Else != nil {
		el, err := b.bind(e.Else)
		if err != nil {
			return nil, err
		}
		out.Else = el
		results = append(results, el)
	}
	t, ok := CommonType(resultTypes(results))
	if !ok {
		var sb strings.Builder
		sb.WriteString("Invalid Case expression. Type for all 'THEN' clauses should be the same.")
		for _, r := range results {
			fmt.Fprintf(&sb, "\nTHEN expression '%s' has type: %s.", r, typeName(r.Type()))
		}
		return nil, errAt(e, "%s", sb.String())
	}
	if t.Kind == types.Unknown {
		return nil, errAt(e, "Invalid Case expression. All case branches have NULL type")
	}
	for i := range out.Whens {
		out.Whens[i].Result = implicit(out.Whens[i].Result, t)
	}
	if out.Else != nil {
		out.Else = implicit(out.Else, t)
	}
	out.T = t
	return out, nil
}

func resultTypes(es []Expr) []*types.Type {
	ts := make([]*types.Type, len(es))
	for i, x := range es {
		ts[i] = x.Type()
	}
	return ts
}

func (b *binder) deref(e *ast.Deref) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	t := x.Type()
	if t.Kind != types.StructKind {
		return nil, errAt(e, "Expected STRUCT type for %s but got %s", x, t)
	}
	for i, f := range t.Fields {
		if f.Name == e.Field {
			return &Deref{X: x, Field: e.Field, Index: i, T: f.Type}, nil
		}
	}
	// Unquoted field names are upper-cased by the parser; accept a unique
	// case-insensitive match as ksqlDB's JSON-derived structs need.
	idx := -1
	for i, f := range t.Fields {
		if strings.EqualFold(f.Name, e.Field) {
			if idx >= 0 {
				idx = -2
				break
			}
			idx = i
		}
	}
	if idx >= 0 {
		return &Deref{X: x, Field: t.Fields[idx].Name, Index: idx, T: t.Fields[idx].Type}, nil
	}
	return nil, errAt(e, "Could not find field '%s' in '%s'.", e.Field, x)
}

func (b *binder) subscript(e *ast.Subscript) (Expr, error) {
	x, err := b.bind(e.X)
	if err != nil {
		return nil, err
	}
	idx, err := b.bind(e.Index)
	if err != nil {
		return nil, err
	}
	t, it := x.Type(), idx.Type()
	switch t.Kind {
	case types.Array:
		if it.Kind != types.Int && it.Kind != types.Bigint && it.Kind != types.Unknown {
			return nil, errAt(e, "Array index must be INTEGER or BIGINT, got %s", it)
		}
		return &Subscript{X: x, Index: idx, T: t.Elem}, nil
	case types.MapKind:
		ct, ok := ComparisonType(ast.Eq, t.Key, it)
		if !ok || !ct.Equal(t.Key) {
			return nil, errAt(e, "Map key type mismatch: %s has keys of type %s, got %s", x, t.Key, it)
		}
		return &Subscript{X: x, Index: implicit(idx, t.Key), T: t.Elem}, nil
	}
	return nil, errAt(e, "Subscript expected either ARRAY or MAP but got %s", t)
}

func (b *binder) arrayCtor(e *ast.ArrayCtor) (Expr, error) {
	if len(e.Elems) == 0 {
		return nil, errAt(e, "Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	elems, err := b.bindAll(e.Elems)
	if err != nil {
		return nil, err
	}
	t, ok := CommonType(resultTypes(elems))
	if !ok {
		return nil, errAt(e, "invalid input syntax for type %s: all elements of an ARRAY constructor must have compatible types: %s", elems[0].Type(), joinTypes(elems))
	}
	if t.Kind == types.Unknown {
		return nil, errAt(e, "Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	for i := range elems {
		elems[i] = implicit(elems[i], t)
	}
	return &ArrayCtor{Elems: elems, T: types.ArrayOf(t)}, nil
}

func joinTypes(es []Expr) string {
	parts := make([]string, len(es))
	for i, x := range es {
		parts[i] = typeName(x.Type())
	}
	return strings.Join(parts, ", ")
}

func (b *binder) mapCtor(e *ast.MapCtor) (Expr, error) {
	if len(e.Keys) == 0 {
		return nil, errAt(e, "Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).")
	}
	keys, err := b.bindAll(e.Keys)
	if err != nil {
		return nil, err
	}
	vals, err := b.bindAll(e.Values)
	if err != nil {
		return nil, err
	}
	kt, ok := CommonType(resultTypes(keys))
	if !ok {
		return nil, errAt(e, "invalid input syntax for type %s: all keys of a MAP constructor must have compatible types: %s", keys[0].Type(), joinTypes(keys))
	}
	if kt.Kind == types.Unknown {
		return nil, errAt(e, "Cannot construct a map with all NULL keys (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL key to the desired type.")
	}
	vt, ok := CommonType(resultTypes(vals))
	if !ok {
		return nil, errAt(e, "invalid input syntax for type %s: all values of a MAP constructor must have compatible types: %s", vals[0].Type(), joinTypes(vals))
	}
	if vt.Kind == types.Unknown {
		return nil, errAt(e, "Cannot construct a map with all NULL values (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.")
	}
	for i := range keys {
		keys[i] = implicit(keys[i], kt)
		vals[i] = implicit(vals[i], vt)
	}
	return &MapCtor{Keys: keys, Values: vals, T: types.MapOf(kt, vt)}, nil
}

func (b *binder) structCtor(e *ast.StructCtor) (Expr, error) {
	seen := map[string]bool{}
	for _, n := range e.Names {
		if seen[n] {
			return nil, errAt(e, "Duplicate field names found in STRUCT: '%s'", n)
		}
		seen[n] = true
	}
	vals, err := b.bindAll(e.Values)
	if err != nil {
		return nil, err
	}
	fields := make([]types.Field, len(vals))
	for i, v := range vals {
		ft := v.Type()
		if ft.Kind == types.Unknown {
			// ksqlDB types a NULL struct field as STRING.
			ft = types.TString
		}
		fields[i] = types.Field{Name: e.Names[i], Type: ft}
	}
	return &StructCtor{Names: append([]string(nil), e.Names...), Values: vals, T: types.StructOf(fields...)}, nil
}

func (b *binder) call(e *ast.Call) (Expr, error) {
	if r, ok := b.opts.TableColumns[e]; ok {
		return r, nil
	}
	f, ok := functions.Lookup(e.Name)
	if !ok {
		return nil, errAt(e, "Can't find any functions with the name '%s'", e.Name)
	}
	switch f.Kind {
	case functions.Aggregate:
		if b.inAgg != "" {
			return nil, errAt(e, "Aggregate functions can not be nested: %s(%s())", b.inAgg, f.Name)
		}
		if !b.opts.AllowAggregates {
			return nil, errAt(e, "aggregate functions are not supported here: %s", f.Name)
		}
		b.inAgg = f.Name
		defer func() { b.inAgg = "" }()
	case functions.Table:
		if !b.opts.AllowTableFunctions {
			return nil, errAt(e, "Table functions are only supported in the SELECT list of a query: %s", f.Name)
		}
	}
	args := make([]Expr, len(e.Args))
	fargs := make([]functions.Arg, len(e.Args))
	for i, a := range e.Args {
		if lam, ok := a.(*ast.Lambda); ok {
			fargs[i] = functions.Arg{LambdaArity: len(lam.Params), Lambda: b.lambdaBinder(lam, &args[i])}
			continue
		}
		x, err := b.bind(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
		fargs[i] = functions.Arg{Type: x.Type()}
	}
	res, err := f.Resolve(fargs)
	if err != nil {
		if ae, ok := err.(*ast.Error); ok {
			return nil, ae
		}
		return nil, errAt(e, "%s", err.Error())
	}
	for i := range args {
		if _, isLambda := args[i].(*Lambda); isLambda {
			continue
		}
		args[i] = implicit(args[i], res.Params[i])
	}
	return &Call{Name: f.Name, Args: args, Kind: f.Kind, Star: e.Star, Distinct: e.Distinct, T: res.Return}, nil
}

// lambdaBinder returns the callback overload resolution uses to type a
// lambda argument once its parameter types are known; the bound lambda is
// stored in *slot.
func (b *binder) lambdaBinder(lam *ast.Lambda, slot *Expr) func([]*types.Type) (*types.Type, error) {
	return func(pts []*types.Type) (*types.Type, error) {
		base := len(b.lambdas)
		for i, p := range lam.Params {
			b.lambdas = append(b.lambdas, lambdaVar{name: p, t: pts[i]})
		}
		defer func() { b.lambdas = b.lambdas[:base] }()
		body, err := b.bind(lam.Body)
		if err != nil {
			return nil, err
		}
		*slot = &Lambda{Params: append([]string(nil), lam.Params...), ParamTypes: pts, Slot: base, Body: body}
		return body.Type(), nil
	}
}
