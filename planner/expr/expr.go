// Package expr is the bound expression tree: names resolved to input row
// positions, functions resolved to overloads, every node typed, implicit
// conversions made explicit as Cast nodes. Bind builds it from an ast.Expr;
// exec/eval compiles it.
//
// String prints a node the way ksqlDB prints expressions in messages and
// generated column names: "(A + B)", "SUBSTRING(S, 1, 2)", "'x'". Implicit
// casts do not print.
package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Scope lists the names an expression may use.
type Scope struct {
	Columns []ScopeColumn
}

// ScopeColumn is one column visible to an expression. Source is the stream,
// table or alias it comes from ("" when there is none); Index is its
// position in the input row.
type ScopeColumn struct {
	Source string
	Name   string
	Type   *types.Type
	Index  int
}

// Expr is a bound, typed expression.
type Expr interface {
	Type() *types.Type
	String() string
}

// ColumnRef reads row[Index]. Name is the reference as written (SRC.COL or COL).
type ColumnRef struct {
	Index int
	Name  string
	T     *types.Type
}

// Literal is a constant. Value uses sql/types' Go representation.
type Literal struct {
	Value any
	T     *types.Type
	// Text is how the literal was written when it has been converted at
	// bind time (1 compared with a DOUBLE still prints as 1).
	Text string
}

// Call is a scalar, aggregate or table function call.
type Call struct {
	Name string // upper-case
	Args []Expr
	Kind functions.Kind
	Star bool // COUNT(*)
	// Distinct is set for COUNT(DISTINCT x) and the like.
	Distinct bool
	T        *types.Type
}

// Cast converts X to T. Implicit casts come from widening and coercion.
type Cast struct {
	X        Expr
	T        *types.Type
	Implicit bool
}

// Unary is -X, +X or NOT X.
type Unary struct {
	Op ast.UnaryOp
	X  Expr
	T  *types.Type
}

// Binary is L op R. For arithmetic and comparisons both operands have
// already been cast to a common type (except string +/|| and NULL operands).
type Binary struct {
	Op   ast.BinaryOp
	L, R Expr
	T    *types.Type
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape].
type Like struct {
	X, Pattern Expr
	Escape     Expr // nil when absent
	Not        bool
}

// In is X [NOT] IN (List); list elements share X's type.
type In struct {
	X    Expr
	List []Expr
	Not  bool
}

// Between is X [NOT] BETWEEN Lo AND Hi with all three of one type.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// When is one branch of a searched CASE.
type When struct {
	Cond, Result Expr
}

// Case is a searched CASE; a simple CASE is bound into this form, with
// Operand kept for printing.
type Case struct {
	Operand Expr // printing only; conditions already compare against it
	Whens   []When
	Else    Expr // nil when absent
	T       *types.Type
	// operandWhens are the WHEN values of a simple CASE, for printing.
	operandWhens []Expr
}

// Deref is X->Field; Index is the field's position in X's struct type.
type Deref struct {
	X     Expr
	Field string
	Index int
	T     *types.Type
}

// Subscript is X[Index] on an ARRAY (1-based, negative from the end) or a MAP.
type Subscript struct {
	X, Index Expr
	T        *types.Type
}

// ArrayCtor is ARRAY[...].
type ArrayCtor struct {
	Elems []Expr
	T     *types.Type
}

// MapCtor is MAP(k := v, ...).
type MapCtor struct {
	Keys, Values []Expr
	T            *types.Type
}

// StructCtor is STRUCT(name := v, ...).
type StructCtor struct {
	Names  []string
	Values []Expr
	T      *types.Type
}

// Lambda is a function argument such as (x, y) => body. Its parameters
// occupy lambda slots Slot .. Slot+len(Params)-1; enclosing lambdas' slots
// come first.
type Lambda struct {
	Params     []string
	ParamTypes []*types.Type
	Slot       int
	Body       Expr
}

// LambdaParam reads lambda slot Slot.
type LambdaParam struct {
	Name string
	Slot int
	T    *types.Type
}

func (e *ColumnRef) Type() *types.Type   { return e.T }
func (e *Literal) Type() *types.Type     { return e.T }
func (e *Call) Type() *types.Type        { return e.T }
func (e *Cast) Type() *types.Type        { return e.T }
func (e *Unary) Type() *types.Type       { return e.T }
func (e *Binary) Type() *types.Type      { return e.T }
func (e *Like) Type() *types.Type        { return types.TBoolean }
func (e *In) Type() *types.Type          { return types.TBoolean }
func (e *Between) Type() *types.Type     { return types.TBoolean }
func (e *IsNull) Type() *types.Type      { return types.TBoolean }
func (e *Case) Type() *types.Type        { return e.T }
func (e *Deref) Type() *types.Type       { return e.T }
func (e *Subscript) Type() *types.Type   { return e.T }
func (e *ArrayCtor) Type() *types.Type   { return e.T }
func (e *MapCtor) Type() *types.Type     { return e.T }
func (e *StructCtor) Type() *types.Type  { return e.T }
func (e *Lambda) Type() *types.Type      { return e.Body.Type() }
func (e *LambdaParam) Type() *types.Type { return e.T }

func (e *ColumnRef) String() string { return e.Name }

func (e *Literal) String() string {
	if e.Text != "" {
		return e.Text
	}
	return FormatValue(e.Value)
}

// FormatValue prints a constant as a SQL literal.
func FormatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return FormatDouble(v)
	case types.Decimal:
		return v.String()
	}
	return "?"
}

// FormatDouble prints a DOUBLE as Java's Double.toString does: "1.0",
// "1.5E10", "1.0E-5", "NaN", "Infinity".
func FormatDouble(f float64) string {
	switch {
	case f != f:
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if 1/f < 0 {
			return "-0.0"
		}
		return "0.0"
	}
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

func (e *Call) String() string {
	if e.Star {
		return e.Name + "()"
	}
	d := ""
	if e.Distinct {
		d = "DISTINCT "
	}
	return e.Name + "(" + d + join(e.Args) + ")"
}

func join(es []Expr) string {
	parts := make([]string, len(es))
	for i, x := range es {
		parts[i] = x.String()
	}
	return strings.Join(parts, ", ")
}

func (e *Cast) String() string {
	if e.Implicit {
		return e.X.String()
	}
	return "CAST(" + e.X.String() + " AS " + e.T.String() + ")"
}

func (e *Unary) String() string {
	switch e.Op {
	case ast.Neg:
		return "-" + e.X.String()
	case ast.Plus:
		return "+" + e.X.String()
	}
	return "(NOT " + e.X.String() + ")"
}

func (e *Binary) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}

func (e *Like) String() string {
	s := "(" + e.X.String()
	if e.Not {
		s += " NOT"
	}
	s += " LIKE " + e.Pattern.String()
	if e.Escape != nil {
		s += " ESCAPE " + e.Escape.String()
	}
	return s + ")"
}

func (e *In) String() string {
	not := ""
	if e.Not {
		not = " NOT"
	}
	return "(" + e.X.String() + not + " IN (" + join(e.List) + "))"
}

func (e *Between) String() string {
	not := ""
	if e.Not {
		not = " NOT"
	}
	return "(" + e.X.String() + not + " BETWEEN " + e.Lo.String() + " AND " + e.Hi.String() + ")"
}

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("(CASE")
	if e.Operand != nil {
		b.WriteString(" " + e.Operand.String())
	}
	for i, w := range e.Whens {
		c := w.Cond
		if e.Operand != nil && i < len(e.operandWhens) {
			c = e.operandWhens[i]
		}
		b.WriteString(" WHEN " + c.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END)")
	return b.String()
}

func (e *Deref) String() string     { return e.X.String() + "->" + e.Field }
func (e *Subscript) String() string { return e.X.String() + "[" + e.Index.String() + "]" }
func (e *ArrayCtor) String() string { return "ARRAY[" + join(e.Elems) + "]" }

func (e *MapCtor) String() string {
	parts := make([]string, len(e.Keys))
	for i := range e.Keys {
		parts[i] = e.Keys[i].String() + ":=" + e.Values[i].String()
	}
	return "MAP(" + strings.Join(parts, ", ") + ")"
}

func (e *StructCtor) String() string {
	parts := make([]string, len(e.Names))
	for i := range e.Names {
		parts[i] = e.Names[i] + ":=" + e.Values[i].String()
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

func (e *Lambda) String() string {
	if len(e.Params) == 1 {
		return e.Params[0] + " => " + e.Body.String()
	}
	return "(" + strings.Join(e.Params, ", ") + ") => " + e.Body.String()
}

func (e *LambdaParam) String() string { return e.Name }
