package ast

import "github.com/sluicedb/sluice/sql/types"

// Expr is an expression. Every node records where it starts.
type Expr interface {
	Node
	expr()
}

// ExprBase carries the position of an expression.
type ExprBase struct{ At Pos }

func (b ExprBase) Position() Pos { return b.At }
func (ExprBase) expr()           {}

// ColumnRef is [source.]name. Names are already case-folded: unquoted
// identifiers upper-cased, quoted ones as written.
type ColumnRef struct {
	ExprBase
	Source string
	Name   string
}

// Literal is a constant. Value is nil (NULL), bool, int32 (integer literals
// that fit), int64, float64 (literals with an exponent), types.Decimal
// (literals with a decimal point) or string.
type Literal struct {
	ExprBase
	Value any
}

// UnaryOp is a prefix operator.
type UnaryOp int

const (
	Neg UnaryOp = iota
	Plus
	Not
)

// Unary is -x, +x or NOT x.
type Unary struct {
	ExprBase
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp int

const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Mod
	Eq
	Ne
	Lt
	Le
	Gt
	Ge
	And
	Or
	Concat        // ||
	IsDistinct    // IS DISTINCT FROM
	IsNotDistinct // IS NOT DISTINCT FROM
)

var binaryOpText = [...]string{"+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "||", "IS DISTINCT FROM", "IS NOT DISTINCT FROM"}

func (op BinaryOp) String() string { return binaryOpText[op] }

// Binary is l op r.
type Binary struct {
	ExprBase
	Op   BinaryOp
	L, R Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	ExprBase
	X   Expr
	Not bool
}

// Like is x [NOT] LIKE pattern [ESCAPE e].
type Like struct {
	ExprBase
	X, Pattern Expr
	Escape     Expr // nil when absent
	Not        bool
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	ExprBase
	X, Lo, Hi Expr
	Not       bool
}

// In is x [NOT] IN (list).
type In struct {
	ExprBase
	X    Expr
	List []Expr
	Not  bool
}

// When is one WHEN cond THEN result.
type When struct {
	Cond, Result Expr
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE e] END.
type Case struct {
	ExprBase
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil when absent
}

// Cast is CAST(x AS type).
type Cast struct {
	ExprBase
	X    Expr
	Type *types.Type
}

// Call is a function call. Name is upper-case. Star marks COUNT(*).
type Call struct {
	ExprBase
	Name     string
	Args     []Expr
	Distinct bool
	Star     bool
}

// Deref is x->field (STRUCT field access).
type Deref struct {
	ExprBase
	X     Expr
	Field string
}

// Subscript is x[index] (ARRAY index from 1, negative from the end; MAP key).
type Subscript struct {
	ExprBase
	X, Index Expr
}

// ArrayCtor is ARRAY[e, ...].
type ArrayCtor struct {
	ExprBase
	Elems []Expr
}

// MapCtor is MAP(k := v, ...).
type MapCtor struct {
	ExprBase
	Keys, Values []Expr
}

// StructCtor is STRUCT(name := v, ...).
type StructCtor struct {
	ExprBase
	Names  []string
	Values []Expr
}

// Lambda is x => body or (x, y) => body, only valid as a function argument.
type Lambda struct {
	ExprBase
	Params []string
	Body   Expr
}

// IntervalUnit is a time unit keyword used as a function argument, as in
// TIMESTAMPADD(SECONDS, 5, ts).
type IntervalUnit struct {
	ExprBase
	Unit string
}
