package eval

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// AST builders: tests build expressions directly, independent of the parser.
func col(n string) ast.Expr                       { return &ast.ColumnRef{Name: n} }
func lit(v any) ast.Expr                          { return &ast.Literal{Value: v} }
func i32(v int32) ast.Expr                        { return lit(v) }
func str(s string) ast.Expr                       { return lit(s) }
func null() ast.Expr                              { return lit(nil) }
func decl(s string) ast.Expr                      { return lit(mustDec(s)) }
func bin(op ast.BinaryOp, l, r ast.Expr) ast.Expr { return &ast.Binary{Op: op, L: l, R: r} }
func call(n string, args ...ast.Expr) ast.Expr    { return &ast.Call{Name: n, Args: args} }
func cast(x ast.Expr, t *types.Type) ast.Expr     { return &ast.Cast{X: x, Type: t} }
func lambda(body ast.Expr, ps ...string) ast.Expr { return &ast.Lambda{Params: ps, Body: body} }

func mustDec(s string) types.Decimal {
	d, err := types.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

var scope = &expr.Scope{Columns: []expr.ScopeColumn{
	{Name: "I", Type: types.TInt, Index: 0},
	{Name: "L", Type: types.TBigint, Index: 1},
	{Name: "D", Type: types.TDouble, Index: 2},
	{Name: "S", Type: types.TString, Index: 3},
	{Name: "DEC", Type: types.DecimalType(4, 2), Index: 4},
	{Name: "B", Type: types.TBoolean, Index: 5},
	{Name: "TS", Type: types.TTimestamp, Index: 6},
	{Name: "ARR", Type: types.ArrayOf(types.TInt), Index: 7},
	{Name: "M", Type: types.MapOf(types.TString, types.TInt), Index: 8},
	{Name: "ST", Type: types.StructOf(types.Field{Name: "ID", Type: types.TInt}, types.Field{Name: "NAME", Type: types.TString}), Index: 9},
	{Name: "NI", Type: types.TInt, Index: 10}, // always NULL
	{Name: "NS", Type: types.TString, Index: 11},
	{Name: "NB", Type: types.TBoolean, Index: 12},
	{Name: "ZERO", Type: types.TInt, Index: 13},
}}

var row = types.Row{
	int32(7), int64(100), 2.5, "Hello World", mustDec("12.34"), true, types.Timestamp(1651182287943),
	[]any{int32(10), int32(20), nil, int32(30)},
	&types.Map{Keys: []any{"a", "b"}, Values: []any{int32(1), int32(2)}},
	&types.Struct{Values: []any{int32(5), "five"}},
	nil, nil, nil, int32(0),
}

// show renders a value for comparison: Go types are spelled out for numbers
// so that INT 1 and BIGINT 1 differ.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int32:
		return fmt.Sprintf("%di", x)
	case int64:
		return fmt.Sprintf("%dL", x)
	case float64:
		return expr.FormatDouble(x) + "d"
	case types.Decimal:
		return x.String() + "m"
	case string:
		return "'" + x + "'"
	case []byte:
		return fmt.Sprintf("bytes(%s)", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *types.Map:
		parts := make([]string, len(x.Keys))
		for i := range x.Keys {
			parts[i] = show(x.Keys[i]) + ":" + show(x.Values[i])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *types.Struct:
		parts := make([]string, len(x.Values))
		for i, e := range x.Values {
			parts[i] = show(e)
		}
		return "struct(" + strings.Join(parts, ",") + ")"
	}
	return fmt.Sprint(v)
}

func eval(t *testing.T, e ast.Expr) (string, error) {
	t.Helper()
	b, err := expr.Bind(e, scope)
	if err != nil {
		return "", fmt.Errorf("bind: %w", err)
	}
	f, err := Compile(b)
	if err != nil {
		return "", fmt.Errorf("compile: %w", err)
	}
	v, err := f(row)
	if err != nil {
		return "", err
	}
	return show(v), nil
}

type evalCase struct {
	name string
	e    ast.Expr
	want string // "ERR: substring" for an expected evaluation error
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := eval(t, tc.e)
		if strings.HasPrefix(tc.want, "ERR: ") {
			if err == nil || !strings.Contains(err.Error(), tc.want[5:]) {
				t.Errorf("%s: got %s, %v; want error %q", tc.name, got, err, tc.want[5:])
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestOperators(t *testing.T) {
	runCases(t, []evalCase{
		{"int add", bin(ast.Add, col("I"), i32(3)), "10i"},
		{"int overflow wraps", bin(ast.Add, i32(math.MaxInt32), i32(1)), "-2147483648i"},
		{"int+bigint", bin(ast.Add, col("I"), col("L")), "107L"},
		{"int+double", bin(ast.Add, col("I"), col("D")), "9.5d"},
		{"int div truncates", bin(ast.Div, i32(-7), i32(2)), "-3i"},
		{"int mod sign of dividend", bin(ast.Mod, i32(-7), i32(2)), "-1i"},
		{"int div zero", bin(ast.Div, col("I"), col("ZERO")), "ERR: / by zero"},
		{"int mod zero", bin(ast.Mod, col("I"), col("ZERO")), "ERR: / by zero"},
		{"double div zero", bin(ast.Div, col("D"), lit(0.0)), "Infinity" + "d"},
		{"null operand", bin(ast.Add, col("I"), col("NI")), "NULL"},
		{"decimal add", bin(ast.Add, col("DEC"), decl("0.66")), "13.00m"},
		{"decimal sub int", bin(ast.Sub, col("DEC"), i32(2)), "10.34m"},
		{"decimal mul", bin(ast.Mul, col("DEC"), col("DEC")), "152.2756m"},
		{"decimal div", bin(ast.Div, col("DEC"), decl("3.00")), "4.113333m"},
		{"decimal div zero", bin(ast.Div, col("DEC"), decl("0.00")), "ERR: Division by zero"},
		{"decimal mod", bin(ast.Mod, col("DEC"), decl("5.00")), "2.34m"},
		{"decimal + double", bin(ast.Add, col("DEC"), col("D")), "14.84d"},
		{"negate decimal", &ast.Unary{Op: ast.Neg, X: col("DEC")}, "-12.34m"},
		{"negate int", &ast.Unary{Op: ast.Neg, X: col("I")}, "-7i"},
		{"string +", bin(ast.Add, col("S"), str("!")), "'Hello World!'"},
		{"concat ||", bin(ast.Concat, str("a"), str("b")), "'ab'"},
		{"concat null", bin(ast.Concat, str("a"), col("NS")), "NULL"},
		{"eq mixed numeric", bin(ast.Eq, col("I"), lit(7.0)), "true"},
		{"lt decimal int", bin(ast.Lt, col("DEC"), i32(13)), "true"},
		{"ne null", bin(ast.Ne, col("I"), col("NI")), "NULL"},
		{"string compare", bin(ast.Lt, str("abc"), str("abd")), "true"},
		{"ts vs string", bin(ast.Eq, col("TS"), str("2022-04-28T21:44:47.943")), "true"},
		{"ts gt string", bin(ast.Gt, col("TS"), str("2022-01-01")), "true"},
		{"distinct null null", bin(ast.IsDistinct, col("NI"), null()), "false"},
		{"distinct 1 null", bin(ast.IsDistinct, col("I"), col("NI")), "true"},
		{"not distinct", bin(ast.IsNotDistinct, col("I"), i32(7)), "true"},
		{"array eq", bin(ast.Eq, col("ARR"), col("ARR")), "true"},
		{"and false null", bin(ast.And, lit(false), col("NB")), "false"},
		{"and true null", bin(ast.And, lit(true), col("NB")), "NULL"},
		{"or true null", bin(ast.Or, col("NB"), lit(true)), "true"},
		{"or false null", bin(ast.Or, col("NB"), lit(false)), "NULL"},
		{"not null", &ast.Unary{Op: ast.Not, X: col("NB")}, "NULL"},
		{"not", &ast.Unary{Op: ast.Not, X: col("B")}, "false"},
		{"is null", &ast.IsNull{X: col("NI")}, "true"},
		{"is not null", &ast.IsNull{X: col("I"), Not: true}, "true"},
		{"like %", &ast.Like{X: col("S"), Pattern: str("Hello%")}, "true"},
		{"like _", &ast.Like{X: col("S"), Pattern: str("_ello W%d")}, "true"},
		{"like case", &ast.Like{X: col("S"), Pattern: str("hello%")}, "false"},
		{"not like", &ast.Like{X: col("S"), Pattern: str("%x%"), Not: true}, "true"},
		{"like escape", &ast.Like{X: str("50%"), Pattern: str("50!%"), Escape: str("!")}, "true"},
		{"like escape miss", &ast.Like{X: str("500"), Pattern: str("50!%"), Escape: str("!")}, "false"},
		{"like null", &ast.Like{X: col("NS"), Pattern: str("%")}, "NULL"},
		{"in", &ast.In{X: col("I"), List: []ast.Expr{i32(1), i32(7)}}, "true"},
		{"in widened", &ast.In{X: col("L"), List: []ast.Expr{i32(100)}}, "true"},
		{"in string literal", &ast.In{X: col("L"), List: []ast.Expr{str("100")}}, "true"},
		{"in miss with null", &ast.In{X: col("I"), List: []ast.Expr{i32(1), col("NI")}}, "NULL"},
		{"not in", &ast.In{X: col("I"), List: []ast.Expr{i32(1)}, Not: true}, "true"},
		{"in null x", &ast.In{X: col("NI"), List: []ast.Expr{i32(1)}}, "NULL"},
		{"between", &ast.Between{X: col("I"), Lo: i32(1), Hi: i32(7)}, "true"},
		{"not between", &ast.Between{X: col("D"), Lo: i32(3), Hi: i32(4), Not: true}, "true"},
		{"between null", &ast.Between{X: col("NI"), Lo: i32(1), Hi: i32(7)}, "NULL"},
		{"case searched", &ast.Case{Whens: []ast.When{{Cond: col("NB"), Result: str("a")}, {Cond: col("B"), Result: str("b")}}, Else: str("c")}, "'b'"},
		{"case simple", &ast.Case{Operand: col("I"), Whens: []ast.When{{Cond: i32(1), Result: col("I")}, {Cond: i32(7), Result: col("L")}}}, "100L"},
		{"case no else", &ast.Case{Whens: []ast.When{{Cond: lit(false), Result: str("a")}}}, "NULL"},
		{"deref", &ast.Deref{X: col("ST"), Field: "NAME"}, "'five'"},
		{"subscript 1", &ast.Subscript{X: col("ARR"), Index: i32(1)}, "10i"},
		{"subscript -1", &ast.Subscript{X: col("ARR"), Index: i32(-1)}, "30i"},
		{"subscript out of range", &ast.Subscript{X: col("ARR"), Index: i32(5)}, "NULL"},
		{"subscript 0", &ast.Subscript{X: col("ARR"), Index: i32(0)}, "NULL"},
		{"map subscript", &ast.Subscript{X: col("M"), Index: str("b")}, "2i"},
		{"map missing", &ast.Subscript{X: col("M"), Index: str("z")}, "NULL"},
		{"array ctor", &ast.ArrayCtor{Elems: []ast.Expr{i32(1), null(), col("L")}}, "[1L,NULL,100L]"},
		{"map ctor", &ast.MapCtor{Keys: []ast.Expr{str("k")}, Values: []ast.Expr{col("D")}}, "{'k':2.5d}"},
		{"struct ctor", &ast.StructCtor{Names: []string{"A", "B"}, Values: []ast.Expr{col("I"), str("x")}}, "struct(7i,'x')"},
	})
}

func TestCast(t *testing.T) {
	runCases(t, []evalCase{
		{"int to string", cast(bin(ast.Sub, i32(1), i32(2)), types.TString), "'-1'"},
		{"double to int", cast(lit(1.2), types.TInt), "1i"},
		{"neg double to int", cast(lit(-1.7), types.TInt), "-1i"},
		{"bigint to int wraps", cast(lit(int64(2147483648)), types.TInt), "-2147483648i"},
		{"double to string", cast(lit(1.0), types.TString), "'1.0'"},
		{"big double to string", cast(lit(1e10), types.TString), "'1.0E10'"},
		{"decimal to string", cast(col("DEC"), types.TString), "'12.34'"},
		{"decimal rescale", cast(col("DEC"), types.DecimalType(5, 3)), "12.340m"},
		{"double to decimal half up", cast(lit(0.99), types.DecimalType(2, 1)), "1.0m"},
		{"decimal overflow", cast(col("DEC"), types.DecimalType(2, 1)), "ERR: overflow"},
		{"string to int", cast(str(" 42 "), types.TInt), "42i"},
		{"bad string to int", cast(str("x"), types.TInt), "ERR: invalid input syntax for type INTEGER"},
		{"string to double", cast(str("1.5"), types.TDouble), "1.5d"},
		{"string to bool", cast(str("TRUE"), types.TBoolean), "true"},
		{"string to decimal", cast(str("1.255"), types.DecimalType(3, 2)), "1.26m"},
		{"string to timestamp", cast(str("2022-04-28T21:44:47.943Z"), types.TTimestamp), "1651182287943"},
		{"timestamp to string", cast(col("TS"), types.TString), "'2022-04-28T21:44:47.943'"},
		{"timestamp to date", cast(col("TS"), types.TDate), "19110"},
		{"timestamp to time", cast(col("TS"), types.TTime), "78287943"},
		{"time to string", cast(cast(str("00:00:05"), types.TTime), types.TString), "'00:00:05'"},
		{"array to string", cast(col("ARR"), types.TString), "'[10, 20, null, 30]'"},
		{"map to string", cast(col("M"), types.TString), "'{a=1, b=2}'"},
		{"array<int> to array<string>", cast(col("ARR"), types.ArrayOf(types.TString)), "['10','20',NULL,'30']"},
		{"null cast", cast(null(), types.TInt), "NULL"},
		{"struct to struct", cast(col("ST"), types.StructOf(types.Field{Name: "ID", Type: types.TString}, types.Field{Name: "X", Type: types.TInt})), "struct('5',NULL)"},
	})
}

func TestFunctions(t *testing.T) {
	arr := func(es ...ast.Expr) ast.Expr { return &ast.ArrayCtor{Elems: es} }
	runCases(t, []evalCase{
		{"ucase", call("UCASE", col("S")), "'HELLO WORLD'"},
		{"ucase null", call("UCASE", col("NS")), "NULL"},
		{"lcase", call("LCASE", col("S")), "'hello world'"},
		{"concat skips null", call("CONCAT", str("a"), col("NS"), str("b")), "'ab'"},
		{"concat_ws", call("CONCAT_WS", str("-"), str("a"), col("NS"), str("b")), "'a-b'"},
		{"substring", call("SUBSTRING", str("some_string"), i32(6)), "'string'"},
		{"substring len", call("SUBSTRING", str("some_string"), i32(6), i32(3)), "'str'"},
		{"substring short", call("SUBSTRING", str("short"), i32(6), i32(3)), "''"},
		{"substring negative", call("SUBSTRING", str("hello"), i32(-3)), "'llo'"},
		{"substring zero", call("SUBSTRING", str("hello"), i32(0), i32(2)), "'he'"},
		{"substring null pos", call("SUBSTRING", col("S"), null()), "NULL"},
		{"len", call("LEN", str("héllo")), "5i"},
		{"trim", call("TRIM", str(" \t x \t")), "'x'"},
		{"ltrim", call("LTRIM", str("  x ")), "'x '"},
		{"rtrim", call("RTRIM", str("  x ")), "'  x'"},
		{"replace", call("REPLACE", col("S"), str("o"), str("0")), "'Hell0 W0rld'"},
		{"instr", call("INSTR", col("S"), str("o")), "5i"},
		{"instr occurrence", call("INSTR", col("S"), str("o"), i32(1), i32(2)), "8i"},
		{"instr negative", call("INSTR", col("S"), str("o"), i32(-1)), "8i"},
		{"instr missing", call("INSTR", col("S"), str("z")), "0i"},
		{"lpad", call("LPAD", str("ab"), i32(5), str("xy")), "'xyxab'"},
		{"rpad truncates", call("RPAD", str("abcdef"), i32(3), str("x")), "'abc'"},
		{"split", call("SPLIT", str("a,b,,c"), str(",")), "['a','b','','c']"},
		{"initcap", call("INITCAP", str("hello wORLD")), "'Hello World'"},
		{"mask", call("MASK", str("Ab1-")), "'Xxn-'"},
		{"mask_left", call("MASK_LEFT", str("Abcd1"), i32(2)), "'Xxcd1'"},
		{"mask_keep_right", call("MASK_KEEP_RIGHT", str("Abcd1"), i32(2)), "'Xxxd1'"},
		{"regexp_extract", call("REGEXP_EXTRACT", str("[0-9]+"), str("abc123def")), "'123'"},
		{"regexp_extract group", call("REGEXP_EXTRACT", str("([a-z]+)([0-9]+)"), str("abc123def"), i32(2)), "'123'"},
		{"regexp_replace", call("REGEXP_REPLACE", str("a1b22"), str("[0-9]+"), str("#")), "'a#b#'"},
		{"abs int", call("ABS", i32(-3)), "3i"},
		{"abs decimal", call("ABS", decl("-3.20")), "3.20m"},
		{"abs double", call("ABS", lit(-3.5)), "3.5d"},
		{"round double", call("ROUND", lit(1.5)), "2L"},
		{"round negative half", call("ROUND", lit(-1.5)), "-1L"},
		{"round digits", call("ROUND", lit(1.234567), i32(2)), "1.23d"},
		{"round -1", call("ROUND", lit(111.0), i32(-1)), "110.0d"},
		{"round decimal", call("ROUND", col("DEC")), "12m"},
		{"round decimal digits", call("ROUND", col("DEC"), i32(1)), "12.30m"},
		{"round int", call("ROUND", i32(7)), "7i"},
		{"floor double", call("FLOOR", lit(-1.5)), "-2.0d"},
		{"ceil decimal", call("CEIL", decl("1.1")), "2.0m"},
		{"floor decimal neg", call("FLOOR", decl("-1.1")), "-2.0m"},
		{"sqrt int", call("SQRT", i32(16)), "4.0d"},
		{"power", call("POWER", i32(2), i32(10)), "1024.0d"},
		{"exp", call("EXP", i32(0)), "1.0d"},
		{"ln 0", call("LN", i32(0)), "-Infinityd"},
		{"sign", call("SIGN", lit(-2.5)), "-1i"},
		{"coalesce", call("COALESCE", col("NI"), i32(3)), "3i"},
		{"coalesce widen", call("COALESCE", col("NI"), col("L")), "100L"},
		{"ifnull", call("IFNULL", col("NS"), str("dflt")), "'dflt'"},
		{"nullif equal", call("NULLIF", col("I"), i32(7)), "NULL"},
		{"nullif differ", call("NULLIF", col("I"), i32(8)), "7i"},
		{"greatest", call("GREATEST", i32(1), i32(9), col("NI"), i32(3)), "9i"},
		{"least strings", call("LEAST", str("b"), str("a")), "'a'"},
		{"array_length", call("ARRAY_LENGTH", col("ARR")), "4i"},
		{"array_contains", call("ARRAY_CONTAINS", col("ARR"), i32(20)), "true"},
		{"array_contains null", call("ARRAY_CONTAINS", col("ARR"), col("NI")), "true"},
		{"array_distinct", call("ARRAY_DISTINCT", arr(i32(1), i32(1), i32(2))), "[1i,2i]"},
		{"array_max", call("ARRAY_MAX", col("ARR")), "30i"},
		{"array_sort desc", call("ARRAY_SORT", col("ARR"), str("DESC")), "[30i,20i,10i,NULL]"},
		{"array_join", call("ARRAY_JOIN", col("ARR"), str("|")), "'10|20|null|30'"},
		{"map_keys", call("MAP_KEYS", col("M")), "['a','b']"},
		{"map_values", call("MAP_VALUES", col("M")), "[1i,2i]"},
		{"as_value", call("AS_VALUE", col("I")), "7i"},
		{"transform", call("TRANSFORM", col("ARR"), lambda(bin(ast.Add, col("X"), col("I")), "X")), "[17i,27i,NULL,37i]"},
		{"transform map", call("TRANSFORM", col("M"), lambda(call("UCASE", col("K")), "K", "V"), lambda(bin(ast.Mul, col("V"), i32(10)), "K", "V")), "{'A':10i,'B':20i}"},
		{"filter", call("FILTER", col("ARR"), lambda(bin(ast.Gt, col("X"), i32(15)), "X")), "[20i,30i]"},
		{"filter map", call("FILTER", col("M"), lambda(bin(ast.Eq, col("K"), str("b")), "K", "V")), "{'b':2i}"},
		{"reduce", call("REDUCE", arr(i32(1), i32(2), i32(3)), i32(0), lambda(bin(ast.Add, col("S"), col("X")), "S", "X")), "6i"},
		{"reduce map", call("REDUCE", col("M"), i32(0), lambda(bin(ast.Add, col("S"), col("V")), "S", "K", "V")), "3i"},
		{"nested lambda", call("TRANSFORM", arr(arr(i32(1), i32(2))), lambda(call("TRANSFORM", col("X"), lambda(bin(ast.Add, col("Y"), call("ARRAY_LENGTH", col("X"))), "Y")), "X")), "[[3i,4i]]"},
		{"from_unixtime", call("FROM_UNIXTIME", col("L")), "100"},
		{"unix_timestamp", call("UNIX_TIMESTAMP", col("TS")), "1651182287943L"},
		{"timestamptostring", call("TIMESTAMPTOSTRING", lit(int64(1651182287943)), str("yyyy-MM-dd HH:mm:ss.SSS")), "'2022-04-28 21:44:47.943'"},
		{"timestamptostring tz", call("TIMESTAMPTOSTRING", lit(int64(0)), str("yyyy-MM-dd'T'HH:mm"), str("America/New_York")), "'1969-12-31T19:00'"},
		{"stringtotimestamp", call("STRINGTOTIMESTAMP", str("2022-04-28 21:44:47.943"), str("yyyy-MM-dd HH:mm:ss.SSS")), "1651182287943L"},
		{"stringtotimestamp bad", call("STRINGTOTIMESTAMP", str("nope"), str("yyyy-MM-dd")), "ERR: could not be parsed"},
		{"format_timestamp", call("FORMAT_TIMESTAMP", col("TS"), str("dd/MM/yyyy")), "'28/04/2022'"},
		{"parse_timestamp", call("PARSE_TIMESTAMP", str("28/04/2022"), str("dd/MM/yyyy")), "1651104000000"},
		{"datetostring", call("DATETOSTRING", i32(19110), str("yyyy-MM-dd")), "'2022-04-28'"},
		{"stringtodate", call("STRINGTODATE", str("2022-04-28"), str("yyyy-MM-dd")), "19110i"},
		{"timestampadd", call("TIMESTAMPADD", &ast.IntervalUnit{Unit: "SECONDS"}, i32(5), col("TS")), "1651182292943"},
		{"extractjsonfield", call("EXTRACTJSONFIELD", str(`{"a":{"b":[1,{"c":"x"}]}}`), str("$.a.b[1].c")), "'x'"},
		{"extractjsonfield number", call("EXTRACTJSONFIELD", str(`{"a":1.5}`), str("$.a")), "'1.5'"},
		{"extractjsonfield missing", call("EXTRACTJSONFIELD", str(`{"a":1}`), str("$.b")), "NULL"},
		{"json_array_length", call("JSON_ARRAY_LENGTH", str(`[1,2,3]`)), "3i"},
		{"json_concat objects", call("JSON_CONCAT", str(`{"a":1}`), str(`{"b":2,"a":3}`)), `'{"a":3,"b":2}'`},
		{"json_concat arrays", call("JSON_CONCAT", str(`[1]`), str(`[2,3]`)), "'[1,2,3]'"},
		{"json_array_contains", call("JSON_ARRAY_CONTAINS", str(`[1,"a"]`), str("a")), "true"},
		{"json_keys", call("JSON_KEYS", str(`{"b":1,"a":2}`)), "['b','a']"},
		{"to_json_string", call("TO_JSON_STRING", col("ST")), `'{"ID":5,"NAME":"five"}'`},
		{"url host", call("URL_EXTRACT_HOST", str("https://docs.example.com:8080/a?x=1#f")), "'docs.example.com'"},
		{"url param", call("URL_EXTRACT_PARAMETER", str("https://e.com/a?x=1&y=2"), str("y")), "'2'"},
		{"generate_series up", call("GENERATE_SERIES", i32(-2), i32(1)), "[-2i,-1i,0i,1i]"},
		{"generate_series down", call("GENERATE_SERIES", i32(4), i32(3)), "[4i,3i]"},
		{"generate_series one", call("GENERATE_SERIES", i32(4), i32(4)), "[4i]"},
		{"generate_series step", call("GENERATE_SERIES", i32(1), i32(-2), i32(-2)), "[1i,-1i]"},
		{"generate_series bigint", call("GENERATE_SERIES", col("L"), lit(int64(106)), i32(3)), "[100L,103L,106L]"},
		{"generate_series null", call("GENERATE_SERIES", col("NI"), i32(3)), "NULL"},
		{"generate_series zero step", call("GENERATE_SERIES", i32(0), i32(3), i32(0)), "ERR: GENERATE_SERIES step cannot be zero"},
		{"generate_series wrong sign", call("GENERATE_SERIES", i32(0), i32(3), i32(-1)), "ERR: GENERATE_SERIES step has wrong sign"},
		{"generate_series too long", call("GENERATE_SERIES", lit(int64(math.MinInt64)), lit(int64(math.MaxInt64))), "ERR: more than the 10000000 elements allowed"},
	})
}

func TestPredicate(t *testing.T) {
	for _, tc := range []struct {
		e    ast.Expr
		want bool
	}{
		{bin(ast.Gt, col("I"), i32(5)), true},
		{bin(ast.Gt, col("NI"), i32(5)), false}, // NULL -> false
		{bin(ast.Lt, col("I"), i32(5)), false},
	} {
		b, err := expr.Bind(tc.e, scope)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Predicate(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p(row)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v", b, got, err, tc.want)
		}
	}
	b, _ := expr.Bind(col("S"), scope)
	if _, err := Predicate(b); err == nil {
		t.Error("Predicate accepted a STRING expression")
	}
}

func TestCompileTable(t *testing.T) {
	arr := func(es ...ast.Expr) ast.Expr { return &ast.ArrayCtor{Elems: es} }
	for _, tc := range []struct {
		name string
		e    ast.Expr
		want string // the rows' values, or "ERR: substring"
	}{
		{"explode", call("EXPLODE", col("ARR")), "[10i,20i,NULL,30i]"},
		{"explode null", call("EXPLODE", cast(null(), types.ArrayOf(types.TInt))), "[]"},
		{"explode empty", call("EXPLODE", call("ARRAY_REMOVE", arr(i32(1)), i32(1))), "[]"},
		{"explode series", call("EXPLODE", call("GENERATE_SERIES", i32(1), i32(3))), "[1i,2i,3i]"},
		{"cube", call("CUBE_EXPLODE", arr(i32(1), i32(2))), "[[NULL,NULL],[NULL,2i],[1i,NULL],[1i,2i]]"},
		{"cube with null", call("CUBE_EXPLODE", arr(col("NS"), str("b"), str("c"))),
			"[[NULL,NULL,NULL],[NULL,NULL,'c'],[NULL,'b',NULL],[NULL,'b','c']]"},
		{"cube empty", call("CUBE_EXPLODE", call("ARRAY_REMOVE", arr(i32(1)), i32(1))), "[[]]"},
		{"cube too large", call("CUBE_EXPLODE", call("GENERATE_SERIES", i32(1), i32(21))), "ERR: an array of 21 elements would make 2^21 combinations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := expr.BindWith(tc.e, scope, expr.BindOptions{AllowTableFunctions: true})
			if err != nil {
				t.Fatal(err)
			}
			f, err := CompileTable(b)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f(row)
			got := show(rows)
			if rows == nil {
				got = "[]"
			}
			if err != nil {
				got = "ERR: " + err.Error()
			}
			if strings.HasPrefix(tc.want, "ERR: ") && strings.HasPrefix(got, "ERR: ") {
				if !strings.Contains(got, strings.TrimPrefix(tc.want, "ERR: ")) {
					t.Errorf("got %s, want an error containing %q", got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := CompileTable(&expr.Call{Name: "UCASE", Kind: functions.Scalar}); err == nil {
		t.Error("CompileTable accepted a scalar function")
	}
}

// Every scalar function with a signature has an implementation.
func TestAllScalarsImplemented(t *testing.T) {
	for _, e := range functions.List() {
		if e.Kind == functions.Scalar && !Implemented(e.Name) {
			t.Errorf("scalar function %s has a signature but no implementation", e.Name)
		}
	}
}

func TestLikeMatch(t *testing.T) {
	for _, tc := range []struct {
		s, p string
		want bool
	}{
		{"", "", true}, {"", "%", true}, {"a", "", false}, {"abc", "a%c", true}, {"abc", "%b%", true},
		{"abc", "a_c", true}, {"abc", "a_", false}, {"aXbXc", "%X%X%", true}, {"mississippi", "%iss%pi", true},
	} {
		if got := likeMatch([]rune(tc.s), []rune(tc.p), -1); got != tc.want {
			t.Errorf("%q LIKE %q = %v, want %v", tc.s, tc.p, got, tc.want)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	bs := &expr.Scope{Columns: []expr.ScopeColumn{
		{Name: "PRICE", Type: types.TInt, Index: 0},
		{Name: "CHANNEL", Type: types.TString, Index: 1},
		{Name: "URL", Type: types.TString, Index: 2},
	}}
	r := types.Row{int32(150), "web", "http://example.com/some/path"}
	b.Run("filter", func(b *testing.B) {
		e, err := expr.Bind(bin(ast.And, bin(ast.Gt, col("PRICE"), i32(100)), bin(ast.Eq, col("CHANNEL"), str("web"))), bs)
		if err != nil {
			b.Fatal(err)
		}
		p, err := Predicate(e)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := p(r); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("project_ucase", func(b *testing.B) {
		e, err := expr.Bind(call("UCASE", col("URL")), bs)
		if err != nil {
			b.Fatal(err)
		}
		f, err := Compile(e)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
