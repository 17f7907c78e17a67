package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// AggCall is one aggregate function call of a GROUP BY query.
type AggCall struct {
	Name string
	Args []expr.Expr
	// Consts holds the literal value of each argument written as a
	// literal (TOPK's k and the like), nil for the others.
	Consts []any
	Star   bool
	Type   *types.Type
	Text   string
	// Props are the query's function properties (ksql.functions.*, such
	// as the COLLECT_LIST limit), nil when none is set.
	Props map[string]string `json:",omitempty"`
}

// AggregateNode groups its input by GroupBy and folds Aggs per group. Its
// rows are the group values (KSQL_GROUP_i), the aggregate results
// (KSQL_AGG_j), ROWTIME and, with a window, WINDOWSTART and WINDOWEND.
type AggregateNode struct {
	Input   Logical
	GroupBy []expr.Expr
	Aggs    []AggCall
	// Table marks a table source: an update retracts the row's old
	// contribution before adding the new one.
	Table  bool
	Window *ast.Window
	// Final is EMIT FINAL: a window's result is emitted once, when it closes.
	Final bool
	Out   types.Schema
}

func (n *AggregateNode) Inputs() []Logical    { return []Logical{n.Input} }
func (n *AggregateNode) Schema() types.Schema { return n.Out }
func (n *AggregateNode) Describe() string {
	g := make([]string, len(n.GroupBy))
	for i, e := range n.GroupBy {
		g[i] = e.String()
	}
	a := make([]string, len(n.Aggs))
	for i, c := range n.Aggs {
		a[i] = c.Text
	}
	w := ""
	if n.Window != nil {
		w = " WINDOW " + n.Window.Type.String()
	}
	return fmt.Sprintf("[ AGGREGATE ] GROUP BY %s%s | %s", strings.Join(g, ", "), w, strings.Join(a, ", "))
}

func groupName(i int) string { return fmt.Sprintf("KSQL_GROUP_%d", i) }
func aggName(i int) string   { return fmt.Sprintf("KSQL_AGG_%d", i) }

// needsAggregate tells whether a query groups or aggregates.
func needsAggregate(q *ast.Query) bool {
	if len(q.GroupBy) > 0 || q.Window != nil {
		return true
	}
	for _, it := range q.Items {
		if it.Expr != nil && expr.IsAggregate(it.Expr) {
			return true
		}
	}
	return false
}

// planAggregate plans GROUP BY [WINDOW] [HAVING] and the projection over
// the aggregated rows. It returns the projection and, per grouping
// expression, the index of the select item that becomes its key column.
func planAggregate(q *ast.Query, items []ast.SelectItem, table bool, scope *expr.Scope,
	input Logical, opts QueryOptions) (*ProjectNode, []int, error) {
	if len(q.GroupBy) == 0 {
		// Without GROUP BY every column read outside an aggregate is
		// ungrouped, which ksqlDB reports first (suppress.json).
		var nonAgg []string
		var at ast.Pos
		for _, it := range items {
			if readsOutsideAggregates(it.Expr) {
				if len(nonAgg) == 0 {
					at = it.Expr.Position()
				}
				nonAgg = append(nonAgg, canonical(it.Expr, ""))
			}
		}
		if len(nonAgg) > 0 {
			return nil, nil, nonAggregateErr(at, nonAgg)
		}
		return nil, nil, ast.Errorf(ast.SemanticError, q.At, "Aggregate functions need a GROUP BY clause in Sluice (global aggregates are not supported).")
	}
	if opts.Kind == Persistent {
		// ksqlDB rejects a pseudo-column projected under its own name
		// before it resolves the grouping (elements.json).
		for _, it := range items {
			if c, ok := it.Expr.(*ast.ColumnRef); ok && it.Alias == "" && isReserved(c.Name) {
				return nil, nil, reservedInSelect(it.At, c.Name)
			}
		}
	}
	agg := &AggregateNode{Input: input, Table: table, Window: q.Window, Final: q.Emit == ast.EmitFinal}
	if agg.Final && q.Window == nil {
		return nil, nil, ast.Errorf(ast.SemanticError, q.At, "EMIT FINAL is only supported for windowed aggregations.")
	}
	if q.Window != nil {
		if err := checkWindowBounds(q, items); err != nil {
			return nil, nil, err
		}
		if err := checkRetention(q.Window, agg.Final); err != nil {
			return nil, nil, err
		}
	}
	groupText := make([]string, len(q.GroupBy))
	for i, g := range q.GroupBy {
		if expr.IsAggregate(g) {
			name := ""
			expr.Walk(g, func(n ast.Expr) bool {
				if c, ok := n.(*ast.Call); ok && functions.IsAggregate(c.Name) && name == "" {
					name = c.Name
				}
				return true
			})
			return nil, nil, ast.Errorf(ast.SemanticError, g.Position(), "GROUP BY does not support aggregate functions: %s is an aggregate function.", name)
		}
		be, err := expr.Bind(g, scope)
		if err != nil {
			return nil, nil, prefixErr(err, "GROUP BY")
		}
		agg.GroupBy = append(agg.GroupBy, be)
		agg.Out.Columns = append(agg.Out.Columns, types.Column{Name: groupName(i), Type: be.Type(), Namespace: types.KeyColumn})
		groupText[i] = canonical(g, "")
	}

	// Collect the aggregate calls of the select list and HAVING, once each.
	aggIndex := map[string]int{}
	var collectErr error
	collect := func(e ast.Expr) {
		expr.Walk(e, func(n ast.Expr) bool {
			c, ok := n.(*ast.Call)
			if !ok || collectErr != nil {
				return true
			}
			f, known := functions.Lookup(c.Name)
			if !known {
				// Binding words the error as ksqlDB does; it must come
				// before "GROUP BY requires aggregate functions".
				_, collectErr = expr.Bind(c, scope)
				return false
			}
			if f.Kind != functions.Aggregate {
				return true
			}
			text := canonical(c, "")
			if _, seen := aggIndex[text]; seen {
				return false
			}
			be, err := expr.BindWith(c, scope, expr.BindOptions{AllowAggregates: true})
			if err != nil {
				collectErr = err
				return false
			}
			call, ok := be.(*expr.Call)
			if !ok {
				collectErr = ast.Errorf(ast.SemanticError, c.Position(), "cannot aggregate %s", text)
				return false
			}
			ac := AggCall{Name: call.Name, Args: call.Args, Star: call.Star, Type: call.T, Text: text, Props: functionProps(opts.Defaults.Props)}
			ac.Consts = make([]any, len(c.Args))
			for i, a := range c.Args {
				if lit, ok := a.(*ast.Literal); ok {
					ac.Consts[i] = lit.Value
				}
			}
			if f.LiteralParams != nil {
				for _, i := range f.LiteralParams(len(c.Args)) {
					if ac.Consts[i] == nil {
						collectErr = ast.Errorf(ast.SemanticError, c.Args[i].Position(), "Parameter %d passed to function %s must be a literal constant, but was expression: '%s'",
							i+1, call.Name, canonical(c.Args[i], ""))
						return false
					}
				}
			}
			aggIndex[text] = len(agg.Aggs)
			agg.Aggs = append(agg.Aggs, ac)
			return false
		})
	}
	for _, it := range items {
		collect(it.Expr)
	}
	if q.Having != nil {
		collect(q.Having)
	}
	if collectErr != nil {
		return nil, nil, collectErr
	}
	if len(agg.Aggs) == 0 {
		return nil, nil, ast.Errorf(ast.SemanticError, q.At, "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.")
	}
	for j, a := range agg.Aggs {
		agg.Out.Columns = append(agg.Out.Columns, types.Column{Name: aggName(j), Type: a.Type})
	}
	agg.Out.Columns = append(agg.Out.Columns, types.Column{Name: types.RowTime, Type: types.TBigint})
	if q.Window != nil {
		agg.Out.Columns = append(agg.Out.Columns,
			types.Column{Name: types.WindowStart, Type: types.TBigint},
			types.Column{Name: types.WindowEnd, Type: types.TBigint})
	}
	aggScope := scopeOf(agg.Out, "")

	// over rewrites an expression of the select list or HAVING in terms
	// of the aggregated row.
	over := func(e ast.Expr, clause string) (expr.Expr, error) {
		rw := rewrite(e, func(n ast.Expr) (ast.Expr, bool) {
			text := canonical(n, "")
			for i, g := range groupText {
				if g == text {
					return &ast.ColumnRef{ExprBase: ast.ExprBase{At: n.Position()}, Name: groupName(i)}, true
				}
			}
			if c, ok := n.(*ast.Call); ok && functions.IsAggregate(c.Name) {
				return &ast.ColumnRef{ExprBase: ast.ExprBase{At: n.Position()}, Name: aggName(aggIndex[text])}, true
			}
			return nil, false
		})
		var stray []string
		expr.Walk(rw, func(n ast.Expr) bool {
			if _, ok := n.(*ast.Lambda); ok {
				return false
			}
			if c, ok := n.(*ast.ColumnRef); ok && !scopeHas(aggScope, c.Name) && !slices.Contains(stray, c.Name) {
				stray = append(stray, c.Name)
			}
			return true
		})
		if len(stray) > 0 {
			if clause == "HAVING" {
				// ksqlDB names the columns, not the whole expression.
				return nil, ast.Errorf(ast.SemanticError, e.Position(), "Non-aggregate HAVING expression not part of GROUP BY: %s", strings.Join(stray, ", "))
			}
			return nil, errNonAggregate{at: e.Position(), text: canonical(e, "")}
		}
		be, err := expr.Bind(rw, aggScope)
		if err != nil {
			return nil, internalNamesErr(err, clause, groupText, agg.Aggs)
		}
		return be, nil
	}

	var root Logical = agg
	if q.Having != nil {
		pred, err := over(q.Having, "HAVING")
		if err != nil {
			return nil, nil, err
		}
		root = &FilterNode{Input: root, Predicate: pred, Table: true}
	}
	proj := &ProjectNode{Input: root}
	keyOrder := make([]int, len(q.GroupBy))
	keyNames := make([]string, len(q.GroupBy))
	for i := range keyOrder {
		keyOrder[i] = -1
	}
	genIdx := colNamer{scope: scope}
	names := map[string]bool{}
	var nonAgg []string
	var nonAggAt ast.Pos
	for i, it := range items {
		be, err := over(it.Expr, "SELECT")
		if na, ok := err.(errNonAggregate); ok {
			// ksqlDB lists every offending select item in one message.
			if len(nonAgg) == 0 {
				nonAggAt = na.at
			}
			nonAgg = append(nonAgg, na.text)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr, &genIdx)
		}
		col := types.Column{Name: name, Type: be.Type()}
		if names[name] {
			// ksqlDB builds the projection's columns as values before it
			// picks the keys, so even a key alias clashes as a value.
			return nil, nil, ast.Errorf(ast.SemanticError, it.At, "Duplicate value columns found in schema: %s %s", types.QuoteIdent(name), col.Type)
		}
		names[name] = true
		text := canonical(it.Expr, "")
		for k, g := range groupText {
			if g != text {
				continue
			}
			if keyOrder[k] < 0 {
				keyOrder[k], keyNames[k] = i, name
				col.Namespace = types.KeyColumn
			} else if opts.Kind == Persistent {
				return nil, nil, ast.Errorf(ast.SemanticError, it.At, "The projection contains a key column more than once: %s and %s.",
					types.QuoteIdent(keyNames[k]), types.QuoteIdent(name))
			}
		}
		proj.Exprs = append(proj.Exprs, be)
		proj.Out.Columns = append(proj.Out.Columns, col)
	}
	if len(nonAgg) > 0 {
		return nil, nil, nonAggregateErr(nonAggAt, nonAgg)
	}
	var missing []string
	for k, i := range keyOrder {
		if i < 0 {
			missing = append(missing, canonical(q.GroupBy[k], ""))
		}
	}
	if len(missing) > 0 {
		if opts.Kind != Persistent {
			return proj, nil, nil
		}
		what := "grouping expression " + missing[0]
		if len(missing) > 1 {
			what = "grouping expressions " + andList(missing)
		}
		return nil, nil, ast.Errorf(ast.SemanticError, q.GroupBy[0].Position(),
			"The query used to build %s must include the %s in its projection (eg, SELECT %s...).",
			types.QuoteIdent(sinkName(opts)), what, strings.Join(missing, ", "))
	}
	return proj, keyOrder, nil
}

// internalNamesErr words an error binding a select item or HAVING over the
// aggregated row as ksqlDB does: groups and aggregates by their text rather
// than their internal column names, and a HAVING error prefixed.
func internalNamesErr(err error, clause string, groupText []string, aggs []AggCall) error {
	e, ok := err.(*ast.Error)
	if !ok {
		return err
	}
	cp := *e
	// Highest index first, so KSQL_AGG_1 does not replace part of KSQL_AGG_10.
	for j := len(aggs) - 1; j >= 0; j-- {
		cp.Msg = strings.ReplaceAll(cp.Msg, aggName(j), aggs[j].Text)
	}
	for i := len(groupText) - 1; i >= 0; i-- {
		cp.Msg = strings.ReplaceAll(cp.Msg, groupName(i), groupText[i])
	}
	if clause == "HAVING" {
		cp.Msg = "Error in HAVING expression: " + cp.Msg
	}
	return &cp
}

// errNonAggregate is a select item using columns that are neither grouped
// nor aggregated; planAggregate gathers them into one message.
type errNonAggregate struct {
	at   ast.Pos
	text string
}

func (e errNonAggregate) Error() string {
	return "Non-aggregate SELECT expression not part of GROUP BY: " + e.text
}

// checkAggregateState rejects aggregates whose intermediate state ksqlDB
// keeps as a STRUCT, ARRAY or MAP when the aggregation's store would use a
// format that cannot hold one (its input's value format, DELIMITED).
func checkAggregateState(root Logical, valueFormat string) error {
	if valueFormat != "DELIMITED" {
		return nil
	}
	for n := root; n != nil; {
		if a, ok := n.(*AggregateNode); ok {
			for _, c := range a.Aggs {
				if f, ok := functions.Lookup(c.Name); ok && f.StructuredState {
					return ast.Errorf(ast.SemanticError, ast.Pos{}, "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.")
				}
			}
			return nil
		}
		ins := n.Inputs()
		if len(ins) != 1 {
			return nil
		}
		n = ins[0]
	}
	return nil
}

// nonAggregateErr lists every offending select item in one message, as
// ksqlDB does.
func nonAggregateErr(at ast.Pos, items []string) error {
	return ast.Errorf(ast.SemanticError, at, "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the GROUP BY or remove them from the SELECT.",
		strings.Join(items, ", "))
}

// readsOutsideAggregates tells whether e reads a column other than through
// an aggregate call (lambda parameters are not columns).
func readsOutsideAggregates(e ast.Expr) bool {
	found := false
	expr.Walk(e, func(n ast.Expr) bool {
		switch n := n.(type) {
		case *ast.Lambda:
			return false
		case *ast.Call:
			return !functions.IsAggregate(n.Name)
		case *ast.ColumnRef:
			found = true
		}
		return !found
	})
	return found
}

func scopeHas(sc *expr.Scope, name string) bool {
	if sc == nil {
		return false
	}
	for _, c := range sc.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

// checkWindowBounds rejects WINDOWSTART and WINDOWEND outside the select
// list of a windowed aggregation: in GROUP BY, HAVING or an aggregate's
// arguments they have no value yet (window-bounds.json).
func checkWindowBounds(q *ast.Query, items []ast.SelectItem) error {
	var found *ast.ColumnRef
	find := func(e ast.Expr) {
		expr.Walk(e, func(n ast.Expr) bool {
			if found != nil {
				return false
			}
			if c, ok := n.(*ast.ColumnRef); ok && (c.Name == types.WindowStart || c.Name == types.WindowEnd) {
				found = c
			}
			return true
		})
	}
	for _, g := range q.GroupBy {
		find(g)
	}
	for _, it := range items {
		expr.Walk(it.Expr, func(n ast.Expr) bool {
			if c, ok := n.(*ast.Call); ok && functions.IsAggregate(c.Name) {
				for _, a := range c.Args {
					find(a)
				}
				return false
			}
			return true
		})
	}
	if q.Having != nil {
		find(q.Having)
	}
	if found == nil {
		return nil
	}
	return ast.Errorf(ast.SemanticError, found.Position(),
		"Window bounds column %s can only be used in the SELECT clause of windowed aggregations", found.Name)
}

// kstreamsDefaultGrace is the grace Kafka Streams gives windows declared
// without one (TimeWindows.of, SessionWindows.with): what is left of a day
// after the window size.
const kstreamsDefaultGrace = 24 * time.Hour

// checkRetention rejects a RETENTION shorter than the window size (session
// gap) plus the grace period, with the error Kafka Streams raises when it
// builds the window store.
func checkRetention(w *ast.Window, final bool) error {
	if w.Retention == nil {
		return nil
	}
	size, retention := w.Size.Milliseconds(), w.Retention.Milliseconds()
	var grace int64
	switch {
	case w.Grace != nil:
		grace = w.Grace.Milliseconds()
	case !final:
		grace = max(kstreamsDefaultGrace.Milliseconds()-size, 0)
	}
	if retention >= size+grace {
		return nil
	}
	if w.Type == ast.Session {
		return ast.Errorf(ast.SemanticError, w.At, "The retention period of the session store %s must be no smaller than the session inactivity gap plus the grace period. Got gap=[%d], grace=[%d], retention=[%d]",
			windowStoreName, size, grace, retention)
	}
	return ast.Errorf(ast.SemanticError, w.At, "The retention period of the window store %s must be no smaller than its window size plus the grace period. Got size=[%d], grace=[%d], retention=[%d]",
		windowStoreName, size, grace, retention)
}

// windowStoreName is the name ksqlDB gives an aggregation's store, as its
// error messages show it.
const windowStoreName = "Aggregate-Aggregate-Materialize"

// functionProps keeps the properties aggregate functions read.
func functionProps(props map[string]string) map[string]string {
	var out map[string]string
	for k, v := range props {
		if strings.HasPrefix(strings.ToLower(k), "ksql.functions.") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
