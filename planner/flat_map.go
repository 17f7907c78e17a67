package planner

import (
	"strings"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// FlatMapNode runs the table functions (EXPLODE, CUBE_EXPLODE) of a select
// list, as ksqlDB's FlatMap step does: each input row gives one row per
// value of its longest result, made of the input row followed by one column
// per call, NULL where a shorter result has run out. A row whose results
// are all empty or NULL gives none. Rows keep their key and timestamp.
type FlatMapNode struct {
	Input Logical
	// Calls are the bound table function calls, in select order.
	Calls []*expr.Call
	// Cols are the columns the node appends to the input row, one per call.
	Cols []types.Column
}

func (n *FlatMapNode) Inputs() []Logical { return []Logical{n.Input} }

func (n *FlatMapNode) Schema() types.Schema {
	in := n.Input.Schema().Columns
	return types.Schema{Columns: append(append(make([]types.Column, 0, len(in)+len(n.Cols)), in...), n.Cols...)}
}

func (n *FlatMapNode) Describe() string {
	parts := make([]string, len(n.Calls))
	for i, c := range n.Calls {
		parts[i] = c.String() + " AS " + types.QuoteIdent(n.Cols[i].Name)
	}
	return "[ FLAT MAP ] " + strings.Join(parts, ", ")
}

func lowerFlatMap(n *FlatMapNode) *Proc {
	exprs := make([]expr.Expr, len(n.Calls))
	for i, c := range n.Calls {
		exprs[i] = c
	}
	return &Proc{Kind: ProcFlatMap, Exprs: exprs, Out: types.Schema{Columns: n.Cols}}
}

// hasTableFunction tells whether any of es calls a table function.
func hasTableFunction(es ...ast.Expr) bool {
	for _, e := range es {
		if expr.FirstTableCall(e) != nil {
			return true
		}
	}
	return false
}

// checkTableFunctions refuses table functions where ksqlDB does before
// anything is typed: in an aggregation (its select list, GROUP BY or
// HAVING), in PARTITION BY, and over a table (ksqlDB looks at the first
// source of a join: a table there makes a table-table join).
func checkTableFunctions(q *ast.Query, firstIsTable bool) error {
	inSelect := false
	for _, it := range q.Items {
		inSelect = inSelect || hasTableFunction(it.Expr)
	}
	if needsAggregate(q) && (inSelect || hasTableFunction(q.GroupBy...) || hasTableFunction(q.Having)) {
		return ast.Errorf(ast.SemanticError, q.At, "Table functions cannot be used with aggregations.")
	}
	for _, p := range q.PartitionBy {
		if c := expr.FirstTableCall(p); c != nil {
			return ast.Errorf(ast.SemanticError, c.Position(), "Table functions are not supported in PARTITION BY: %s", strings.ToUpper(c.Name))
		}
	}
	if inSelect && firstIsTable {
		return ast.Errorf(ast.SemanticError, q.At, "Table source is not supported with table functions")
	}
	return nil
}

// planFlatMap puts a FlatMapNode over root for the table function calls of
// the select items, if there are any, and returns the bind options under
// which the items read the node's columns in place of the calls. A call
// that several items share (x->* expanded) runs once.
func planFlatMap(items []ast.SelectItem, scope *expr.Scope, root Logical) (Logical, expr.BindOptions, error) {
	var calls []*ast.Call
	seen := map[*ast.Call]bool{}
	for _, it := range items {
		if err := collectTableCalls(it.Expr, nil, false, &calls, seen); err != nil {
			return nil, expr.BindOptions{}, err
		}
	}
	if len(calls) == 0 {
		return root, expr.BindOptions{}, nil
	}
	fm := &FlatMapNode{Input: root}
	width := len(root.Schema().Columns)
	subst := make(map[*ast.Call]expr.Expr, len(calls))
	// ksqlDB's flat map names its columns KSQL_SYNTH_n.
	names := colNamer{prefix: "KSQL_SYNTH_", scope: scope}
	for _, c := range calls {
		be, err := expr.BindWith(c, scope, expr.BindOptions{AllowTableFunctions: true})
		if err != nil {
			return nil, expr.BindOptions{}, prefixErr(err, "SELECT")
		}
		call := be.(*expr.Call)
		name := names.next()
		subst[c] = &expr.ColumnRef{Index: width + len(fm.Cols), Name: name, T: call.T}
		fm.Calls = append(fm.Calls, call)
		fm.Cols = append(fm.Cols, types.Column{Name: name, Type: call.T})
	}
	return fm, expr.BindOptions{TableColumns: subst}, nil
}

// collectTableCalls appends the table function calls of e to calls, in
// pre-order, refusing one nested in another (ksqlDB's message) or in a
// lambda, whose parameters a flat map cannot see.
func collectTableCalls(e ast.Expr, outer *ast.Call, inLambda bool, calls *[]*ast.Call, seen map[*ast.Call]bool) error {
	if e == nil {
		return nil
	}
	if c, ok := e.(*ast.Call); ok && functions.IsTable(c.Name) {
		switch {
		case outer != nil:
			return ast.Errorf(ast.SemanticError, c.Position(), "Table functions cannot be nested: %s(%s())",
				strings.ToUpper(outer.Name), strings.ToUpper(c.Name))
		case inLambda:
			return ast.Errorf(ast.SemanticError, c.Position(), "Table functions are not supported in lambda functions: %s", strings.ToUpper(c.Name))
		}
		if !seen[c] {
			seen[c] = true
			*calls = append(*calls, c)
		}
		outer = c
	}
	if _, ok := e.(*ast.Lambda); ok {
		inLambda = true
	}
	for _, ch := range expr.Children(e) {
		if err := collectTableCalls(ch, outer, inLambda, calls, seen); err != nil {
			return err
		}
	}
	return nil
}
