package expr

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Small AST builders so these tests do not depend on the parser. Every node
// gets position 1:col where col is its argument order, enough to check that
// errors carry the offending node's position.
func pos(c int) ast.ExprBase    { return ast.ExprBase{At: ast.Pos{Line: 1, Col: c}} }
func col(n string) ast.Expr     { return &ast.ColumnRef{ExprBase: pos(7), Name: n} }
func qcol(s, n string) ast.Expr { return &ast.ColumnRef{ExprBase: pos(7), Source: s, Name: n} }
func lit(v any) ast.Expr        { return &ast.Literal{ExprBase: pos(3), Value: v} }
func dec(s string) ast.Expr     { d, _ := types.ParseDecimal(s); return lit(d) }
func bin(op ast.BinaryOp, l, r ast.Expr) ast.Expr {
	return &ast.Binary{ExprBase: pos(5), Op: op, L: l, R: r}
}
func call(n string, args ...ast.Expr) ast.Expr {
	return &ast.Call{ExprBase: pos(9), Name: n, Args: args}
}
func cast(x ast.Expr, t *types.Type) ast.Expr { return &ast.Cast{ExprBase: pos(2), X: x, Type: t} }

var testScope = &Scope{Columns: []ScopeColumn{
	{Source: "S", Name: "I", Type: types.TInt, Index: 0},
	{Source: "S", Name: "L", Type: types.TBigint, Index: 1},
	{Source: "S", Name: "D", Type: types.TDouble, Index: 2},
	{Source: "S", Name: "STR", Type: types.TString, Index: 3},
	{Source: "S", Name: "DEC", Type: types.DecimalType(4, 2), Index: 4},
	{Source: "S", Name: "B", Type: types.TBoolean, Index: 5},
	{Source: "S", Name: "TS", Type: types.TTimestamp, Index: 6},
	{Source: "S", Name: "ARR", Type: types.ArrayOf(types.TInt), Index: 7},
	{Source: "S", Name: "M", Type: types.MapOf(types.TString, types.TInt), Index: 8},
	{Source: "S", Name: "ST", Type: types.StructOf(types.Field{Name: "ID", Type: types.TInt}), Index: 9},
	{Source: "S", Name: "F0", Type: types.TInt, Index: 10},
	{Source: "T", Name: "F0", Type: types.TInt, Index: 11},
}}

func TestBindTypes(t *testing.T) {
	tests := []struct {
		e        ast.Expr
		typ, str string
	}{
		{lit(int32(1)), "INTEGER", "1"},
		{lit(int64(1) << 40), "BIGINT", "1099511627776"},
		{dec("1.5"), "DECIMAL(2, 1)", "1.5"},
		{dec("0.08"), "DECIMAL(2, 2)", "0.08"},
		{lit("it's"), "STRING", "'it''s'"},
		{lit(nil), "NULL", "null"},
		{bin(ast.Add, col("I"), col("L")), "BIGINT", "(I + L)"},
		{bin(ast.Add, col("I"), col("D")), "DOUBLE", "(I + D)"},
		{bin(ast.Add, col("DEC"), col("DEC")), "DECIMAL(5, 2)", "(DEC + DEC)"},
		{bin(ast.Sub, col("DEC"), col("I")), "DECIMAL(13, 2)", "(DEC - I)"},
		{bin(ast.Mul, col("DEC"), col("DEC")), "DECIMAL(9, 4)", "(DEC * DEC)"},
		{bin(ast.Div, col("DEC"), col("DEC")), "DECIMAL(11, 7)", "(DEC / DEC)"},
		{bin(ast.Mod, col("DEC"), col("DEC")), "DECIMAL(4, 2)", "(DEC % DEC)"},
		{bin(ast.Add, col("DEC"), col("D")), "DOUBLE", "(DEC + D)"},
		{bin(ast.Add, col("STR"), lit("x")), "STRING", "(STR + 'x')"},
		{bin(ast.Concat, col("STR"), lit("x")), "STRING", "(STR || 'x')"},
		{bin(ast.Gt, col("I"), col("D")), "BOOLEAN", "(I > D)"},
		{bin(ast.Eq, col("TS"), lit("2020-01-01T00:00:00")), "BOOLEAN", "(TS = '2020-01-01T00:00:00')"},
		{bin(ast.Eq, col("I"), lit(nil)), "BOOLEAN", "(I = null)"},
		{bin(ast.And, col("B"), lit(nil)), "BOOLEAN", "(B AND null)"},
		{qcol("T", "F0"), "INTEGER", "T.F0"},
		{call("SUBSTRING", col("STR"), lit(int32(1)), lit(int32(2))), "STRING", "SUBSTRING(STR, 1, 2)"},
		{call("ABS", col("DEC")), "DECIMAL(4, 2)", "ABS(DEC)"},
		{call("SQRT", col("I")), "DOUBLE", "SQRT(I)"},
		{call("COALESCE", lit(nil), col("STR")), "STRING", "COALESCE(null, STR)"},
		{cast(col("I"), types.TString), "STRING", "CAST(I AS STRING)"},
		{&ast.Unary{ExprBase: pos(1), Op: ast.Neg, X: col("DEC")}, "DECIMAL(4, 2)", "-DEC"},
		{&ast.Unary{ExprBase: pos(1), Op: ast.Not, X: col("B")}, "BOOLEAN", "(NOT B)"},
		{&ast.Deref{ExprBase: pos(1), X: col("ST"), Field: "ID"}, "INTEGER", "ST->ID"},
		{&ast.Subscript{ExprBase: pos(1), X: col("ARR"), Index: lit(int32(1))}, "INTEGER", "ARR[1]"},
		{&ast.Subscript{ExprBase: pos(1), X: col("M"), Index: lit("k")}, "INTEGER", "M['k']"},
		{&ast.ArrayCtor{ExprBase: pos(1), Elems: []ast.Expr{lit(int32(1)), lit(nil), col("L")}}, "ARRAY<BIGINT>", "ARRAY[1, null, L]"},
		{&ast.MapCtor{ExprBase: pos(1), Keys: []ast.Expr{lit("a")}, Values: []ast.Expr{col("D")}}, "MAP<STRING, DOUBLE>", "MAP('a':=D)"},
		{&ast.StructCtor{ExprBase: pos(1), Names: []string{"A", "B"}, Values: []ast.Expr{col("I"), lit(nil)}}, "STRUCT<`A` INTEGER, `B` STRING>", "STRUCT(A:=I, B:=null)"},
		{&ast.Case{ExprBase: pos(1), Whens: []ast.When{{Cond: col("B"), Result: col("I")}}, Else: col("L")}, "BIGINT", "(CASE WHEN B THEN I ELSE L END)"},
		{&ast.Case{ExprBase: pos(1), Operand: col("I"), Whens: []ast.When{{Cond: lit(int32(1)), Result: lit("one")}}}, "STRING", "(CASE I WHEN 1 THEN 'one' END)"},
		{&ast.In{ExprBase: pos(1), X: col("L"), List: []ast.Expr{lit(int32(1)), lit("2")}}, "BOOLEAN", "(L IN (1, '2'))"},
		{&ast.Between{ExprBase: pos(1), X: col("I"), Lo: lit(int32(1)), Hi: col("D")}, "BOOLEAN", "(I BETWEEN 1 AND D)"},
		{&ast.Like{ExprBase: pos(1), X: col("STR"), Pattern: lit("a%")}, "BOOLEAN", "(STR LIKE 'a%')"},
		{&ast.IsNull{ExprBase: pos(1), X: col("STR"), Not: true}, "BOOLEAN", "(STR IS NOT NULL)"},
		{call("TRANSFORM", col("ARR"), &ast.Lambda{ExprBase: pos(1), Params: []string{"X"}, Body: bin(ast.Mul, col("X"), col("D"))}), "ARRAY<DOUBLE>", "TRANSFORM(ARR, X => (X * D))"},
		{call("REDUCE", col("M"), lit(int32(0)), &ast.Lambda{ExprBase: pos(1), Params: []string{"S", "K", "V"}, Body: bin(ast.Add, col("S"), col("V"))}), "INTEGER", "REDUCE(M, 0, (S, K, V) => (S + V))"},
	}
	for _, tc := range tests {
		got, err := Bind(tc.e, testScope)
		if err != nil {
			t.Errorf("%s: %v", tc.str, err)
			continue
		}
		if got.Type().String() != tc.typ || got.String() != tc.str {
			t.Errorf("got %s : %s, want %s : %s", got, got.Type(), tc.str, tc.typ)
		}
	}
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		e    ast.Expr
		want string
	}{
		{col("X"), "Line: 1, Col: 7: Column 'X' cannot be resolved."},
		{qcol("S", "BOB"), "Line: 1, Col: 7: Column 'S.BOB' cannot be resolved."},
		{qcol("U", "BOB"), "Line: 1, Col: 7: 'U' is not a valid stream/table name or alias."},
		{col("F0"), "Line: 1, Col: 7: Column 'F0' is ambiguous. Could be S.F0 or T.F0."},
		{call("WONT_FIND_ME"), "Line: 1, Col: 9: Can't find any functions with the name 'WONT_FIND_ME'"},
		{call("GREATEST"), "Line: 1, Col: 9: Function 'greatest' does not accept parameters ()."},
		{call("GREATEST", col("STR"), col("I")), "Line: 1, Col: 9: Function 'greatest' does not accept parameters (STRING, INTEGER)."},
		{call("SUM", col("I")), "Line: 1, Col: 9: aggregate functions are not supported here: SUM"},
		{bin(ast.Add, lit(int32(1)), lit(nil)), "Line: 1, Col: 5: Error processing expression: (1 + null). Arithmetic on types INTEGER and null are not supported."},
		{bin(ast.Add, lit(true), dec("1.5")), "Line: 1, Col: 5: Error processing expression: (true + 1.5). Unsupported arithmetic types. BOOLEAN DECIMAL(2, 1)"},
		{bin(ast.Ge, col("I"), lit("not an int")), "Line: 1, Col: 5: Cannot compare I (INTEGER) to 'not an int' (STRING) with GREATER_THAN_OR_EQUAL."},
		{bin(ast.Lt, col("M"), col("M")), "Line: 1, Col: 5: Cannot compare M (MAP<STRING, INTEGER>) to M (MAP<STRING, INTEGER>) with LESS_THAN."},
		{bin(ast.Ne, lit(nil), lit(nil)), "Line: 1, Col: 5: Comparison with NULL not supported: NULL <> NULL"},
		{cast(col("STR"), types.ArrayOf(types.TInt)), "Line: 1, Col: 2: Cast of STRING to ARRAY<INTEGER> is not supported"},
		{&ast.Case{ExprBase: pos(4), Whens: []ast.When{{Cond: col("B"), Result: lit(nil)}}}, "Line: 1, Col: 4: Invalid Case expression. All case branches have NULL type"},
		{&ast.ArrayCtor{ExprBase: pos(4)}, "Line: 1, Col: 4: Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239)."},
		{&ast.MapCtor{ExprBase: pos(4)}, "Line: 1, Col: 4: Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239)."},
		{&ast.StructCtor{ExprBase: pos(4), Names: []string{"A", "A"}, Values: []ast.Expr{lit(int32(1)), lit(int32(2))}}, "Line: 1, Col: 4: Duplicate field names found in STRUCT: 'A'"},
		{&ast.In{ExprBase: pos(1), X: col("L"), List: []ast.Expr{lit("not 10")}}, "Line: 1, Col: 3: invalid input syntax for type BIGINT: \"not 10\"."},
		{&ast.In{ExprBase: pos(1), X: col("I"), List: []ast.Expr{col("STR")}}, "Line: 1, Col: 7: operator does not exist: INTEGER = STRING (STR)"},
		{call("TRANSFORM", col("ARR"), &ast.Lambda{ExprBase: pos(1), Params: []string{"X"}, Body: col("Y")}), "Line: 1, Col: 7: Column 'Y' cannot be resolved."},
	}
	for _, tc := range tests {
		_, err := Bind(tc.e, testScope)
		if err == nil {
			t.Errorf("want error %q, got none", tc.want)
			continue
		}
		if _, ok := err.(*ast.Error); !ok {
			t.Errorf("error %v is %T, not *ast.Error", err, err)
		}
		if err.Error() != tc.want {
			t.Errorf("got  %q\nwant %q", err.Error(), tc.want)
		}
	}
}

func TestAggregates(t *testing.T) {
	sum := call("SUM", col("I"))
	if !IsAggregate(bin(ast.Add, lit(int32(1)), sum)) || IsAggregate(call("UCASE", col("STR"))) {
		t.Error("IsAggregate wrong")
	}
	e, err := BindWith(bin(ast.Mul, col("I"), sum), testScope, BindOptions{AllowAggregates: true})
	if err != nil || e.Type().String() != "INTEGER" {
		t.Errorf("got %v, %v", e, err)
	}
	_, err = BindWith(call("SUM", call("COUNT", col("I"))), testScope, BindOptions{AllowAggregates: true})
	if err == nil || !strings.Contains(err.Error(), "Aggregate functions can not be nested: SUM(COUNT())") {
		t.Errorf("nested aggregate: %v", err)
	}
	if FirstTableCall(call("EXPLODE", col("ARR"))) == nil {
		t.Error("FirstTableCall wrong")
	}
}

func TestFormatDouble(t *testing.T) {
	for f, want := range map[float64]string{1: "1.0", 1.5: "1.5", 1e10: "1.0E10", 1.5e-5: "1.5E-5", -0.25: "-0.25", 1234567: "1234567.0", 12345678: "1.2345678E7"} {
		if got := FormatDouble(f); got != want {
			t.Errorf("FormatDouble(%v) = %s, want %s", f, got, want)
		}
	}
}
