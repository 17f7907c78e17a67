package eval

import (
	"math"
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

func i64(v int64) ast.Expr { return lit(v) }

// TestBigintUnboxed covers BIGINT arithmetic and comparisons, which are
// evaluated without boxing intermediate results: nesting, NULLs, Java's
// wrapping and division rules, and INT operands widened by casts.
func TestBigintUnboxed(t *testing.T) {
	runCases(t, []evalCase{
		{"q1 currency", bin(ast.Div, bin(ast.Mul, col("L"), i64(908)), i64(1000)), "90L"},
		{"nested all ops", bin(ast.Mod, bin(ast.Sub, bin(ast.Add, col("L"), i64(5)), i64(1)), i64(7)), "6L"},
		{"int widened", bin(ast.Mul, col("I"), col("L")), "700L"},
		{"int cast", bin(ast.Add, cast(col("I"), types.TBigint), col("L")), "107L"},
		{"overflow wraps", bin(ast.Add, i64(math.MaxInt64), i64(1)), "-9223372036854775808L"},
		{"mul wraps", bin(ast.Mul, i64(math.MaxInt64), i64(2)), "-2L"},
		{"min div -1", bin(ast.Div, i64(math.MinInt64), i64(-1)), "-9223372036854775808L"},
		{"min mod -1", bin(ast.Mod, i64(math.MinInt64), i64(-1)), "0L"},
		{"div truncates", bin(ast.Div, i64(-7), i64(2)), "-3L"},
		{"mod sign of dividend", bin(ast.Mod, i64(-7), i64(2)), "-1L"},
		{"div zero", bin(ast.Div, col("L"), bin(ast.Sub, col("L"), i64(100))), "ERR: / by zero"},
		{"mod zero nested", bin(ast.Add, i64(1), bin(ast.Mod, col("L"), i64(0))), "ERR: / by zero"},
		{"null left", bin(ast.Add, bin(ast.Mul, col("NI"), col("L")), i64(1)), "NULL"},
		{"null right skips error", bin(ast.Div, bin(ast.Add, col("L"), col("NI")), i64(0)), "NULL"},
		{"gt", bin(ast.Gt, col("L"), i64(99)), "true"},
		{"gt int literal", bin(ast.Gt, col("L"), i32(100)), "false"},
		{"ge", bin(ast.Ge, col("L"), i64(100)), "true"},
		{"lt nested", bin(ast.Lt, bin(ast.Mul, col("L"), i64(908)), i64(90800)), "false"},
		{"le", bin(ast.Le, col("L"), bin(ast.Add, col("L"), i64(math.MaxInt64))), "false"},
		{"compare null", bin(ast.Lt, col("L"), bin(ast.Add, col("NI"), i64(1))), "NULL"},
		{"compare error", bin(ast.Gt, bin(ast.Div, col("L"), i64(0)), i64(1)), "ERR: / by zero"},
	})
}
