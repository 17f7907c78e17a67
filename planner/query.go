package planner

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// QueryOptions says what a SELECT is planned for.
type QueryOptions struct {
	QueryID string
	Kind    QueryKind
	// Create is the CREATE STREAM/TABLE ... AS statement for C*AS.
	Create *ast.CreateSource
	// Insert is the target of INSERT INTO ... SELECT.
	Insert   *catalog.Source
	Defaults Defaults
}

// PlanQuery plans a SELECT for a persistent or push query.
func PlanQuery(cat *catalog.Catalog, q *ast.Query, opts QueryOptions) (*Plan, error) {
	if err := checkSupported(q); err != nil {
		return nil, err
	}
	if opts.Kind == Persistent && q.Limit != nil {
		what := "INSERT INTO"
		if opts.Create != nil {
			what = "CREATE " + opts.Create.Kind.String() + " AS SELECT"
		}
		return nil, ast.Errorf(ast.SemanticError, q.At, "%s statements don't support LIMIT clause.", what)
	}
	if j, ok := q.From.(*ast.Join); ok {
		return planJoin(cat, q, j, opts)
	}
	ref := q.From.(*ast.SourceRef)
	src := cat.Source(ref.Name)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, ref.At, "Exception while preparing statement: %s does not exist.", ref.Name)
	}
	if opts.Kind == Persistent && src.Kind == ast.Table && src.Window != nil {
		return nil, ast.Errorf(ast.SemanticError, ref.At, "KSQL does not support persistent queries on windowed tables.")
	}
	if err := checkGlobalAggregate(q, opts); err != nil {
		return nil, err
	}
	if err := checkTableFunctions(q, src.Kind == ast.Table); err != nil {
		return nil, err
	}
	if opts.Create != nil && opts.Create.Kind != src.Kind && !needsAggregate(q) {
		produced, want := "STREAM", "CREATE STREAM AS SELECT"
		if src.Kind == ast.Table {
			produced, want = "TABLE", "CREATE TABLE AS SELECT"
		}
		return nil, ast.Errorf(ast.SemanticError, q.At, "Invalid result type. Your SELECT query produces a %s. Please use %s statement instead.", produced, want)
	}
	qualifier := ref.Name
	if ref.Alias != "" {
		qualifier = ref.Alias
	}
	srcNode := &SourceNode{Source: src, Alias: ref.Alias, schema: sourceRowSchema(src)}
	scope := scopeOf(srcNode.schema, qualifier)
	var root Logical = srcNode

	if q.Where != nil {
		var err error
		if root, err = planWhere(q.Where, scope, root, src.Kind == ast.Table); err != nil {
			return nil, err
		}
	}

	items, err := expandStars(q.Items, src, qualifier, opts.Kind != Persistent)
	if err != nil {
		return nil, err
	}
	// Table functions run between WHERE and the projection, which reads
	// their values as columns.
	root, bindOpts, err := planFlatMap(items, scope, root)
	if err != nil {
		return nil, err
	}
	if items, err = expandStructAll(items, scope, bindOpts); err != nil {
		return nil, err
	}
	if needsAggregate(q) {
		srcNode.Used = aggregateUsed(q, items)
		return planAggregated(q, items, src, src.Kind == ast.Table, []string{src.Name}, scope, root, opts)
	}
	srcNode.Used = usedColumns(q.Where, items)
	var partKeys []int
	if len(q.PartitionBy) > 0 {
		if partKeys, err = partitionKeys(q.PartitionBy, items, qualifier, sinkName(opts), opts.Kind == Persistent); err != nil {
			return nil, err
		}
	}
	proj := &ProjectNode{Input: root}
	genIdx := colNamer{scope: scope}
	names := map[string]bool{}
	keyCols := map[string]string{} // output name -> source key column
	for _, it := range items {
		be, err := expr.BindWith(it.Expr, scope, bindOpts)
		if err != nil {
			return nil, prefixErr(err, "SELECT")
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr, &genIdx)
			if opts.Kind == Persistent && isReserved(name) {
				return nil, reservedInSelect(it.At, name)
			}
		} else if isReserved(name) {
			return nil, ast.Errorf(ast.SemanticError, it.At, "%s is a reserved column name. You cannot use it as an alias for a column.", types.QuoteIdent(name))
		}
		if names[name] {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Duplicate column names: %s", name)
		}
		names[name] = true
		col := types.Column{Name: name, Type: be.Type()}
		if cr, ok := it.Expr.(*ast.ColumnRef); ok && partKeys == nil {
			if i := src.Schema.Find(cr.Name); i >= 0 && src.Schema.Columns[i].Namespace == types.KeyColumn && (cr.Source == "" || cr.Source == qualifier) {
				if prev, dup := findKeyAlias(keyCols, cr.Name); dup && opts.Kind == Persistent {
					return nil, ast.Errorf(ast.SemanticError, it.At, "The projection contains a key column (%s) more than once, aliased as: %s and %s.",
						types.QuoteIdent(cr.Name), prev, name)
				}
				keyCols[name] = cr.Name
				col.Namespace = types.KeyColumn
			}
		}
		if col.Type.Kind == types.Unknown && opts.Kind == Persistent {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		proj.Exprs = append(proj.Exprs, be)
		proj.Out.Columns = append(proj.Out.Columns, col)
	}
	if partKeys != nil {
		for _, i := range partKeys {
			proj.Out.Columns[i].Namespace = types.KeyColumn
		}
	}
	root = proj

	plan := &Plan{QueryID: opts.QueryID, Kind: opts.Kind, Sources: []string{src.Name}, Output: proj.Out, Limit: q.Limit}
	if opts.Kind == Persistent {
		if err := checkSinkTimestamp(proj.Out, opts); err != nil {
			return nil, err
		}
		if partKeys == nil {
			if err := checkKeysProjected(src, keyCols, sinkName(opts)); err != nil {
				return nil, err
			}
		}
		sink, err := buildSink(src, proj.Out, partKeys, opts)
		if err != nil {
			return nil, err
		}
		if opts.Create != nil {
			// Rows of a windowed source keep their windows.
			sink.Window = src.Window
		}
		plan.Sink = sink
		root = &SinkNode{Input: root, Sink: sink}
	} else {
		root = &SinkNode{Input: root}
	}
	plan.Logical = root
	if plan.Topology, err = Lower(opts.QueryID, root); err != nil {
		return nil, err
	}
	return plan, nil
}

// planAggregated finishes a GROUP BY query: aggregate, HAVING, projection
// and sink (always a table). src gives the sink its formats; table tells
// whether the rows aggregated are a table's changes.
func planAggregated(q *ast.Query, items []ast.SelectItem, src *catalog.Source, table bool, sources []string, scope *expr.Scope,
	root Logical, opts QueryOptions) (*Plan, error) {
	if opts.Create != nil && opts.Create.Kind != ast.Table {
		return nil, ast.Errorf(ast.SemanticError, q.At, "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.")
	}
	proj, keyOrder, err := planAggregate(q, items, table, scope, root, opts)
	if err != nil {
		return nil, err
	}
	if err := checkAggregateState(proj, src.ValueFormat.Format); err != nil {
		return nil, err
	}
	plan := &Plan{QueryID: opts.QueryID, Kind: opts.Kind, Sources: sources, Output: proj.Out, Limit: q.Limit}
	var out Logical = proj
	if opts.Kind == Persistent {
		for _, i := range keyOrder {
			proj.Out.Columns[i].Namespace = types.KeyColumn
		}
		sink, err := buildSink(src, proj.Out, keyOrder, opts)
		if err != nil {
			return nil, err
		}
		sink.Kind = ast.Table
		sink.Window = q.Window
		plan.Sink = sink
		out = &SinkNode{Input: proj, Sink: sink}
	} else {
		out = &SinkNode{Input: proj}
	}
	plan.Logical = out
	if plan.Topology, err = Lower(opts.QueryID, out); err != nil {
		return nil, err
	}
	return plan, nil
}

// planWhere filters root by a WHERE clause. As in ksqlDB, an error typing
// the clause (not one resolving its columns) is prefixed with the clause.
func planWhere(where ast.Expr, scope *expr.Scope, root Logical, table bool) (Logical, error) {
	where = magicTimestamps(where)
	pred, err := expr.Bind(where, scope)
	if err != nil {
		if e, ok := err.(*ast.Error); ok && !strings.HasPrefix(e.Msg, "Column '") && !strings.Contains(e.Msg, "is not a valid stream/table name") {
			cp := *e
			cp.Msg = "Error in WHERE expression: " + e.Msg
			return nil, &cp
		}
		return nil, prefixErr(err, "WHERE")
	}
	if t := pred.Type(); t.Kind != types.Boolean && t.Kind != types.Unknown {
		return nil, ast.Errorf(ast.SemanticError, where.Position(),
			"Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", ast.FormatExpr(where), t)
	}
	return &FilterNode{Input: root, Predicate: pred, Table: table}, nil
}

// aggregateUsed collects the column names a GROUP BY query reads: in WHERE,
// the select list, the grouping and HAVING.
func aggregateUsed(q *ast.Query, items []ast.SelectItem) map[string]bool {
	used := usedColumns(q.Where, items)
	for _, g := range q.GroupBy {
		for k := range usedColumns(g, nil) {
			used[k] = true
		}
	}
	if q.Having != nil {
		for k := range usedColumns(q.Having, nil) {
			used[k] = true
		}
	}
	return used
}

// checkGlobalAggregate rejects a CREATE TABLE AS SELECT that aggregates
// without GROUP BY, naming its aggregates as ksqlDB does (COUNT(*) is
// COUNT(ROWTIME) there).
func checkGlobalAggregate(q *ast.Query, opts QueryOptions) error {
	if opts.Create == nil || opts.Create.Kind != ast.Table || len(q.GroupBy) > 0 || q.Window != nil {
		return nil
	}
	var calls []string
	for _, it := range q.Items {
		expr.Walk(it.Expr, func(n ast.Expr) bool {
			c, ok := n.(*ast.Call)
			if !ok || !functions.IsAggregate(c.Name) {
				return true
			}
			text := canonical(c, "")
			if c.Star || (len(c.Args) == 0 && c.Name == "COUNT") {
				text = c.Name + "(" + types.RowTime + ")"
			}
			calls = append(calls, text)
			return false
		})
	}
	if len(calls) == 0 {
		return nil
	}
	return ast.Errorf(ast.SemanticError, q.At, "CREATE TABLE AS SELECT statement does not support aggregate function [%s] without a GROUP BY clause.",
		strings.Join(calls, ", "))
}

func checkSupported(q *ast.Query) error {
	switch {
	case q.Having != nil && len(q.GroupBy) == 0:
		return ast.Errorf(ast.SemanticError, q.Having.Position(), "HAVING requires a GROUP BY clause.")
	}
	return nil
}

func findKeyAlias(keyCols map[string]string, src string) (string, bool) {
	for alias, s := range keyCols {
		if s == src {
			return alias, true
		}
	}
	return "", false
}

func sinkName(opts QueryOptions) string {
	if opts.Create != nil {
		return opts.Create.Name
	}
	if opts.Insert != nil {
		return opts.Insert.Name
	}
	return ""
}

// andList joins names as ksqlDB's messages do: "A, B and C".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// checkKeysProjected rejects a persistent query that does not project every
// key column of its source; ksqlDB's message then names all of them.
func checkKeysProjected(src *catalog.Source, keyCols map[string]string, sink string) error {
	var keys []string
	complete := true
	for _, k := range src.Schema.Keys() {
		keys = append(keys, k.Name)
		if _, ok := findKeyAlias(keyCols, k.Name); !ok {
			complete = false
		}
	}
	if complete {
		return nil
	}
	what := "key column " + keys[0]
	if len(keys) > 1 {
		what = "key columns " + andList(keys)
	}
	return ast.Errorf(ast.SemanticError, ast.Pos{}, "Key missing from projection (ie, SELECT).\nThe query used to build %s must include the %s in its projection (eg, SELECT %s...).",
		types.QuoteIdent(sink), what, strings.Join(keys, ", "))
}

// buildSink derives the sink's schema (key columns first: in keyOrder when
// PARTITION BY gives one, else in projection order) and properties.
func buildSink(src *catalog.Source, out types.Schema, keyOrder []int, opts QueryOptions) (*catalog.Source, error) {
	var keys, vals []types.Column
	for _, i := range keyOrder {
		keys = append(keys, out.Columns[i])
	}
	for _, c := range out.Columns {
		if c.Namespace == types.KeyColumn {
			if keyOrder == nil {
				keys = append(keys, c)
			}
		} else {
			c.Namespace = types.ValueColumn
			vals = append(vals, c)
		}
	}
	if len(vals) == 0 {
		return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "The projection contains no value columns.")
	}
	schema := types.Schema{Columns: append(keys, vals...)}
	if opts.Insert != nil {
		sink := opts.Insert
		if !sameSchema(schema, sink.Schema) {
			return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s",
				schema.String("KEY"), sink.Schema.String("KEY"))
		}
		return sink, nil
	}
	st := opts.Create
	inherit := &SourceProps{KeyFormat: src.KeyFormat, ValueFormat: src.ValueFormat}
	inherit.ValueFormat.WrapSingleValue = nil
	sp, err := ParseProps(st.Props, opts.Defaults, inherit)
	if err != nil {
		return nil, err
	}
	if sp.Topic == "" {
		sp.Topic = st.Name
	}
	if sp.Partitions == 0 {
		sp.Partitions = src.Partitions
	}
	if len(keys) == 0 {
		sp.KeyFormat.Format = "NONE"
	} else {
		sp.KeyFormat = keyedFormat(sp.KeyFormat, opts.Defaults)
	}
	sink := &catalog.Source{Name: st.Name, Kind: st.Kind, Schema: schema, Topic: sp.Topic, Partitions: sp.Partitions,
		KeyFormat: sp.KeyFormat, ValueFormat: sp.ValueFormat, SQL: st.Text, Sink: opts.QueryID}
	if err := setTimestamp(sink, sp); err != nil {
		return nil, err
	}
	return sink, nil
}

func sameSchema(a, b types.Schema) bool {
	if len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		x, y := a.Columns[i], b.Columns[i]
		if x.Name != y.Name || x.Namespace != y.Namespace || !x.Type.Equal(y.Type) {
			return false
		}
	}
	return true
}

// sourceRowSchema is the row layout a source node produces: the source's
// columns, then the pseudo-columns, then for a windowed source the window
// bounds.
func sourceRowSchema(src *catalog.Source) types.Schema {
	cols := append([]types.Column{}, src.Schema.Columns...)
	cols = append(cols, types.PseudoColumns...)
	if src.Window != nil {
		cols = append(cols, types.Column{Name: types.WindowStart, Type: types.TBigint},
			types.Column{Name: types.WindowEnd, Type: types.TBigint})
	}
	return types.Schema{Columns: cols}
}

func scopeOf(s types.Schema, qualifier string) *expr.Scope {
	sc := &expr.Scope{}
	for i, c := range s.Columns {
		sc.Columns = append(sc.Columns, expr.ScopeColumn{Source: qualifier, Name: c.Name, Type: c.Type, Index: i})
	}
	return sc
}

func expandStars(items []ast.SelectItem, src *catalog.Source, qualifier string, withWindow bool) ([]ast.SelectItem, error) {
	var out []ast.SelectItem
	for _, it := range items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		if it.StarSource != "" && it.StarSource != qualifier {
			return nil, ast.Errorf(ast.SemanticError, it.At, "'%s' is not a valid stream/table name or alias.", it.StarSource)
		}
		for _, name := range starColumns(src, withWindow) {
			out = append(out, ast.SelectItem{At: it.At, Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Name: name}})
		}
	}
	return out, nil
}

// starColumns lists what SELECT * reads from src: the key columns, then,
// with withWindow and a windowed source, WINDOWSTART and WINDOWEND (ksqlDB
// shows them to pull and push queries, not to persistent ones), then the
// other columns.
func starColumns(src *catalog.Source, withWindow bool) []string {
	var out []string
	for _, c := range src.Schema.Keys() {
		out = append(out, c.Name)
	}
	if withWindow && src.Window != nil {
		out = append(out, types.WindowStart, types.WindowEnd)
	}
	for _, c := range src.Schema.Columns {
		if c.Namespace != types.KeyColumn {
			out = append(out, c.Name)
		}
	}
	return out
}

// defaultName names an unaliased select item as ksqlDB does: a column keeps
// its name, a struct dereference takes the field name, anything else is
// KSQL_COL_<n> with n counting generated names.
func defaultName(e ast.Expr, gen *colNamer) string {
	switch e := e.(type) {
	case *ast.ColumnRef:
		return e.Name
	case *ast.Deref:
		return e.Field
	}
	return gen.next()
}

// colNamer generates ksqlDB's names for unnamed select items, KSQL_COL_n
// (or prefix + n), skipping the names of the columns in scope
// (elements.json: "should handle sources with generated column names").
type colNamer struct {
	prefix string // "" : KSQL_COL_
	n      int
	scope  *expr.Scope
}

func (g *colNamer) next() string {
	prefix := cmp.Or(g.prefix, "KSQL_COL_")
	for {
		name := prefix + strconv.Itoa(g.n)
		g.n++
		if !scopeHas(g.scope, name) {
			return name
		}
	}
}

func prefixErr(err error, clause string) error {
	// ksqlDB names the clause of a column it cannot resolve, not of an
	// ambiguous one.
	if e, ok := err.(*ast.Error); ok && strings.HasPrefix(e.Msg, "Column '") && !strings.Contains(e.Msg, "' is ambiguous.") {
		cp := *e
		cp.Msg = clause + " column '" + strings.TrimPrefix(e.Msg, "Column '")
		return &cp
	}
	return err
}

// usedColumns collects the column names an expression list mentions.
func usedColumns(where ast.Expr, items []ast.SelectItem) map[string]bool {
	used := map[string]bool{}
	visit := func(e ast.Expr) {
		if e == nil {
			return
		}
		expr.Walk(e, func(n ast.Expr) bool {
			if c, ok := n.(*ast.ColumnRef); ok {
				used[c.Name] = true
			}
			return true
		})
	}
	visit(where)
	for _, it := range items {
		visit(it.Expr)
	}
	return used
}

// keyedFormat is the key format of rows given a key where they had none
// (NONE): ksqlDB's default key format, as for a new source.
func keyedFormat(f catalog.FormatInfo, d Defaults) catalog.FormatInfo {
	if f.Format != "NONE" {
		return f
	}
	if d.KeyFormat != "" {
		return catalog.FormatInfo{Format: d.KeyFormat}
	}
	return catalog.FormatInfo{Format: "KAFKA"}
}
