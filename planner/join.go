package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// JoinNode joins two sources on LeftKey = RightKey. Its rows are the left
// source's row (columns and pseudo-columns), the right source's row, then
// the join key (one column, the result's key). A side with no match is all
// NULLs. In embedded mode one task sees every partition of both inputs, so
// no repartition is needed whatever the key expressions are.
type JoinNode struct {
	Left, Right *SourceNode
	Type        ast.JoinType
	// LeftKey is evaluated over a left row, RightKey over a right row.
	LeftKey, RightKey expr.Expr
	// TableTable marks a join of two tables (changes on either side emit);
	// otherwise it is a stream-table join (only the stream side emits).
	TableTable bool
	Out        types.Schema
}

func (n *JoinNode) Inputs() []Logical    { return []Logical{n.Left, n.Right} }
func (n *JoinNode) Schema() types.Schema { return n.Out }
func (n *JoinNode) Describe() string {
	kind := "STREAM-TABLE"
	if n.TableTable {
		kind = "TABLE-TABLE"
	}
	return fmt.Sprintf("[ JOIN ] %s %s ON %s = %s", n.Type, kind, n.LeftKey.String(), n.RightKey.String())
}

// joinSide is one input of a join as the planner sees it.
type joinSide struct {
	src   *catalog.Source
	qual  string
	row   types.Schema
	scope *expr.Scope // over the side's own row
}

func joinTypeText(t ast.JoinType) string {
	switch t {
	case ast.LeftJoin:
		return "LEFT [OUTER] JOIN"
	case ast.RightJoin:
		return "RIGHT [OUTER] JOIN"
	case ast.FullJoin:
		return "[FULL] OUTER JOIN"
	}
	return "[INNER] JOIN"
}

func lookupJoinSource(cat *catalog.Catalog, r ast.Relation) (*joinSide, error) {
	ref, ok := r.(*ast.SourceRef)
	if !ok {
		return nil, ast.Errorf(ast.SemanticError, r.Position(), "Joins of more than two sources are not supported yet.")
	}
	src := cat.Source(ref.Name)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, ref.At, "Exception while preparing statement: %s does not exist.", ref.Name)
	}
	s := &joinSide{src: src, qual: ref.Name, row: sourceRowSchema(src)}
	if ref.Alias != "" {
		s.qual = ref.Alias
	}
	s.scope = scopeOf(s.row, s.qual)
	return s, nil
}

// planJoin plans SELECT ... FROM a JOIN b ON a.x = b.y: stream-table
// (INNER, LEFT) and table-table on primary keys (INNER, LEFT, RIGHT, FULL).
func planJoin(cat *catalog.Catalog, q *ast.Query, j *ast.Join, opts QueryOptions) (*Plan, error) {
	left, err := lookupJoinSource(cat, j.Left)
	if err != nil {
		return nil, err
	}
	right, err := lookupJoinSource(cat, j.Right)
	if err != nil {
		return nil, err
	}
	if needsAggregate(q) {
		return nil, ast.Errorf(ast.SemanticError, q.At, "Aggregations over joins are not supported yet.")
	}
	if len(q.PartitionBy) > 0 {
		return nil, ast.Errorf(ast.SemanticError, q.At, "PARTITION BY over joins is not supported yet.")
	}
	if left.qual == right.qual {
		return nil, ast.Errorf(ast.SemanticError, j.At, "Can not join a source to itself without distinct aliases: %s", left.qual)
	}
	var kafkaFmt []string
	for _, s := range []*joinSide{left, right} {
		if strings.EqualFold(s.src.ValueFormat.Format, "KAFKA") {
			kafkaFmt = append(kafkaFmt, s.src.Name)
		}
	}
	if len(kafkaFmt) > 0 {
		return nil, ast.Errorf(ast.SemanticError, j.At, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafkaFmt, ", "))
	}
	lexpr, rexpr, err := joinCondition(j, left, right)
	if err != nil {
		return nil, err
	}
	lkey, err := expr.Bind(lexpr, left.scope)
	if err != nil {
		return nil, prefixErr(err, "JOIN ON")
	}
	rkey, err := expr.Bind(rexpr, right.scope)
	if err != nil {
		return nil, prefixErr(err, "JOIN ON")
	}
	condText := func() string {
		a, b := canonical(lexpr, left.qual), canonical(rexpr, right.qual)
		if j.On.(*ast.Binary).L != lexpr {
			a, b = b, a
		}
		return a + " = " + b
	}
	if !lkey.Type().Equal(rkey.Type()) {
		a := fmt.Sprintf("%s{%s}", canonical(lexpr, left.qual), lkey.Type())
		b := fmt.Sprintf("%s{%s}", canonical(rexpr, right.qual), rkey.Type())
		if j.On.(*ast.Binary).L != lexpr {
			a, b = b, a
		}
		return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: types don't match. Got %s = %s.", a, b)
	}
	got := fmt.Sprintf("Got %s %s %s.", left.qual, joinTypeText(j.Type), right.qual)
	lt, rt := left.src.Kind == ast.Table, right.src.Kind == ast.Table
	switch {
	case !lt && !rt:
		if j.Within == nil {
			return nil, ast.Errorf(ast.SemanticError, j.At, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
		}
		return nil, ast.Errorf(ast.SemanticError, j.At, "Stream-stream joins are not supported yet.")
	case lt && !rt:
		return nil, ast.Errorf(ast.SemanticError, j.At, "Invalid join order: table-stream joins are not supported; only stream-table joins. %s", got)
	case !lt && rt:
		switch j.Type {
		case ast.FullJoin:
			return nil, ast.Errorf(ast.SemanticError, j.At, "Invalid join type: full-outer join not supported for stream-table join. %s", got)
		case ast.RightJoin:
			return nil, ast.Errorf(ast.SemanticError, j.At, "Invalid join type: right join not supported for stream-table join. %s", got)
		}
	}
	if j.Within != nil && (lt || rt) {
		kind := "Stream-Table"
		if lt {
			kind = "Table-Table"
		}
		return nil, ast.Errorf(ast.SemanticError, j.At, "A window definition was provided for a %s join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to run your join again.", kind)
	}
	if left.src.Window != nil || right.src.Window != nil {
		return nil, ast.Errorf(ast.SemanticError, j.At, "Joins of windowed sources are not supported yet.")
	}
	tableTable := lt && rt
	resultKind := ast.Stream
	if tableTable {
		resultKind = ast.Table
	}
	if opts.Create != nil && opts.Create.Kind != resultKind {
		produced, want := "STREAM", "CREATE STREAM AS SELECT"
		if resultKind == ast.Table {
			produced, want = "TABLE", "CREATE TABLE AS SELECT"
		}
		return nil, ast.Errorf(ast.SemanticError, q.At, "Invalid result type. Your SELECT query produces a %s. Please use %s statement instead.", produced, want)
	}

	if !isPrimaryKey(rexpr, right.src) {
		if tableTable {
			return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", condText())
		}
		return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s.", condText())
	}
	if tableTable && !isPrimaryKey(lexpr, left.src) {
		return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Foreign-key table-table joins are not supported yet. Got %s.", condText())
	}

	// The joined row: left row, right row, join key.
	jn := &JoinNode{Type: j.Type, LeftKey: lkey, RightKey: rkey, TableTable: tableTable}
	jn.Left = &SourceNode{Source: left.src, Alias: left.qual, schema: left.row}
	jn.Right = &SourceNode{Source: right.src, Alias: right.qual, schema: right.row}
	scope := &expr.Scope{}
	for _, s := range []*joinSide{left, right} {
		for _, c := range s.row.Columns {
			scope.Columns = append(scope.Columns, expr.ScopeColumn{Source: s.qual, Name: c.Name, Type: c.Type, Index: len(jn.Out.Columns)})
			c.Namespace = types.ValueColumn
			jn.Out.Columns = append(jn.Out.Columns, c)
		}
	}
	keyIdx := len(jn.Out.Columns)
	lcol, lIsCol := lexpr.(*ast.ColumnRef)
	rcol, rIsCol := rexpr.(*ast.ColumnRef)
	synthetic := j.Type == ast.FullJoin || (!lIsCol && !rIsCol)
	keyName := "ROWKEY"
	if synthetic {
		for n := 1; left.src.Schema.Find(keyName) >= 0 || right.src.Schema.Find(keyName) >= 0; n++ {
			keyName = fmt.Sprintf("ROWKEY_%d", n)
		}
		scope.Columns = append(scope.Columns, expr.ScopeColumn{Name: keyName, Type: lkey.Type(), Index: keyIdx})
	}
	jn.Out.Columns = append(jn.Out.Columns, types.Column{Name: keyName, Type: lkey.Type(), Namespace: types.KeyColumn})
	// Index in the joined row of the source column each side joins on (-1: none).
	lKeyCol, rKeyCol := -1, -1
	if !synthetic {
		if lIsCol {
			lKeyCol = left.row.Find(lcol.Name)
		}
		if rIsCol {
			rKeyCol = len(left.row.Columns) + right.row.Find(rcol.Name)
		}
	}

	var root Logical = jn
	if q.Where != nil {
		pred, err := expr.Bind(q.Where, scope)
		if err != nil {
			return nil, prefixErr(err, "WHERE")
		}
		if t := pred.Type(); t.Kind != types.Boolean && t.Kind != types.Unknown {
			return nil, ast.Errorf(ast.SemanticError, q.Where.Position(),
				"Type error in WHERE expression: Should evaluate to boolean but is %s (%s) instead.", ast.FormatExpr(q.Where), t)
		}
		root = &FilterNode{Input: root, Predicate: pred, Table: tableTable}
	}

	items, err := expandJoinStars(q.Items, left, right)
	if err != nil {
		return nil, err
	}
	jn.Left.Used = usedColumns(q.Where, items)
	jn.Right.Used = jn.Left.Used
	for _, e := range []ast.Expr{lexpr, rexpr} {
		for k := range usedColumns(e, nil) {
			jn.Left.Used[k] = true
		}
	}
	nameCount := map[string]int{}
	for _, s := range []*joinSide{left, right} {
		for _, c := range s.row.Columns {
			nameCount[c.Name]++
		}
	}
	proj := &ProjectNode{Input: root}
	genIdx := 0
	names := map[string]bool{}
	// The key item: the synthetic key, else the left join column if
	// projected, else the right one. Its value is the join key (the side's
	// own column may be NULL in an outer join).
	target := keyIdx
	if !synthetic {
		target = -1
		if projects(items, scope, lKeyCol) {
			target = lKeyCol
		} else if projects(items, scope, rKeyCol) {
			target = rKeyCol
		}
	}
	keyItem := -1
	var dupKey []string
	for i, it := range items {
		be, err := expr.Bind(it.Expr, scope)
		if err != nil {
			return nil, prefixErr(err, "SELECT")
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr, &genIdx)
			if cr, ok := it.Expr.(*ast.ColumnRef); ok && nameCount[cr.Name] > 1 {
				if ref, ok := be.(*expr.ColumnRef); ok && ref.Index < keyIdx {
					qual := left.qual
					if ref.Index >= len(left.row.Columns) {
						qual = right.qual
					}
					name = qual + "_" + cr.Name
				}
			}
			if opts.Kind == Persistent && isReserved(name) {
				return nil, ast.Errorf(ast.SemanticError, it.At, "Reserved column name in select: %s. Please remove or alias the column.", types.QuoteIdent(name))
			}
		} else if isReserved(name) {
			return nil, ast.Errorf(ast.SemanticError, it.At, "%s is a reserved column name. You cannot use it as an alias for a column.", types.QuoteIdent(name))
		}
		if names[name] {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Duplicate column names: %s", name)
		}
		names[name] = true
		col := types.Column{Name: name, Type: be.Type()}
		if _, plain := it.Expr.(*ast.ColumnRef); plain && target >= 0 {
			if ref, ok := be.(*expr.ColumnRef); ok && ref.Index == target {
				dupKey = append(dupKey, name)
				if keyItem < 0 {
					keyItem = i
					col.Namespace = types.KeyColumn
					be = &expr.ColumnRef{Index: keyIdx, Name: ref.Name, T: ref.T}
				}
			}
		}
		if col.Type.Kind == types.Unknown && opts.Kind == Persistent {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		proj.Exprs = append(proj.Exprs, be)
		proj.Out.Columns = append(proj.Out.Columns, col)
	}
	if opts.Kind == Persistent {
		if len(dupKey) > 1 {
			keyCol := proj.Out.Columns[keyItem].Name
			sort.Strings(dupKey)
			return nil, ast.Errorf(ast.SemanticError, q.At, "The projection contains a key column (%s) more than once, aliased as: %s.",
				types.QuoteIdent(keyCol), strings.Join(dupKey, " and "))
		}
		if keyItem < 0 {
			return nil, missingJoinKey(sinkName(opts), synthetic, keyName, lIsCol, rIsCol, canonical(lexpr, left.qual), canonical(rexpr, right.qual))
		}
	} else if keyItem < 0 {
		// A push query may leave the key out: nothing is keyed on it.
		for i := range proj.Out.Columns {
			proj.Out.Columns[i].Namespace = types.ValueColumn
		}
	}

	plan := &Plan{QueryID: opts.QueryID, Kind: opts.Kind, Sources: []string{left.src.Name, right.src.Name}, Output: proj.Out, Limit: q.Limit}
	var out Logical = proj
	if opts.Kind == Persistent {
		sink, err := buildSink(left.src, proj.Out, nil, opts)
		if err != nil {
			return nil, err
		}
		if opts.Create != nil {
			sink.Kind = resultKind
		}
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

// projects tells whether some select item is a plain reference to the
// joined-row column idx.
func projects(items []ast.SelectItem, scope *expr.Scope, idx int) bool {
	if idx < 0 {
		return false
	}
	for _, it := range items {
		if _, ok := it.Expr.(*ast.ColumnRef); !ok {
			continue
		}
		if be, err := expr.Bind(it.Expr, scope); err == nil {
			if ref, ok := be.(*expr.ColumnRef); ok && ref.Index == idx {
				return true
			}
		}
	}
	return false
}

func missingJoinKey(sink string, synthetic bool, keyName string, lIsCol, rIsCol bool, ltext, rtext string) error {
	if synthetic {
		return ast.Errorf(ast.SemanticError, ast.Pos{}, "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"+
			"The query used to build %s must include the join expression %s in its projection (eg, SELECT %s...).\n"+
			"%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.",
			types.QuoteIdent(sink), keyName, keyName, keyName)
	}
	var cands []string
	if lIsCol {
		cands = append(cands, ltext)
	}
	if rIsCol {
		cands = append(cands, rtext)
	}
	what := "join expression " + cands[0]
	if len(cands) > 1 {
		what = "join expressions " + strings.Join(cands, " or ")
	}
	return ast.Errorf(ast.SemanticError, ast.Pos{}, "The query used to build %s must include the %s in its projection (eg, SELECT %s...).",
		types.QuoteIdent(sink), what, cands[0])
}

// isPrimaryKey tells whether e names the single primary key column of a table.
func isPrimaryKey(e ast.Expr, src *catalog.Source) bool {
	c, ok := e.(*ast.ColumnRef)
	if !ok {
		return false
	}
	keys := src.Schema.Keys()
	return len(keys) == 1 && keys[0].Name == c.Name
}

// joinCondition splits ON a = b into the left source's and the right
// source's expression, whichever order they are written in.
func joinCondition(j *ast.Join, left, right *joinSide) (ast.Expr, ast.Expr, error) {
	b, ok := j.On.(*ast.Binary)
	if !ok || b.Op != ast.Eq {
		if ok && b.Op == ast.And {
			return nil, nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", ast.FormatExprUnquoted(j.On))
		}
		return nil, nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Unsupported join expression: %s. Only equality joins (a = b) are supported.", ast.FormatExprUnquoted(j.On))
	}
	var badQual error
	expr.Walk(j.On, func(n ast.Expr) bool {
		if c, ok := n.(*ast.ColumnRef); ok && badQual == nil && c.Source != "" && c.Source != left.qual && c.Source != right.qual {
			badQual = ast.Errorf(ast.SemanticError, c.Position(), "'%s' is not a valid stream/table name or alias.", c.Source)
		}
		return badQual == nil
	})
	if badQual != nil {
		return nil, nil, badQual
	}
	sideOf := func(e ast.Expr) (int, error) {
		side := 0 // 1 left, 2 right, 3 both
		var err error
		expr.Walk(e, func(n ast.Expr) bool {
			c, ok := n.(*ast.ColumnRef)
			if !ok || err != nil {
				return err == nil
			}
			var s int
			switch {
			case c.Source == left.qual:
				s = 1
			case c.Source == right.qual:
				s = 2
			case c.Source != "":
				err = ast.Errorf(ast.SemanticError, c.Position(), "'%s' is not a valid stream/table name or alias.", c.Source)
				return false
			default:
				inL, inR := left.row.Find(c.Name) >= 0, right.row.Find(c.Name) >= 0
				switch {
				case inL && inR:
					err = ast.Errorf(ast.SemanticError, c.Position(), "Column '%s' is ambiguous. Could be %s.%s or %s.%s.", c.Name, left.qual, c.Name, right.qual, c.Name)
					return false
				case inL:
					s = 1
				case inR:
					s = 2
				default:
					err = ast.Errorf(ast.SemanticError, c.Position(), "JOIN ON column '%s' cannot be resolved.", c.Name)
					return false
				}
			}
			side |= s
			return true
		})
		if err == nil && (side == 0 || side == 3) {
			err = ast.Errorf(ast.SemanticError, e.Position(), "Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.",
				ast.FormatExprUnquoted(e), ast.FormatExprUnquoted(j.On))
		}
		return side, err
	}
	ls, err := sideOf(b.L)
	if err != nil {
		return nil, nil, err
	}
	rs, err := sideOf(b.R)
	if err != nil {
		return nil, nil, err
	}
	if ls == rs {
		name := left.qual
		if ls == 2 {
			name = right.qual
		}
		return nil, nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Each side of the join must reference exactly one source and not the same source. Left side references `%s` and right references `%s`", name, name)
	}
	if ls == 1 {
		return b.L, b.R, nil
	}
	return b.R, b.L, nil
}

// expandJoinStars expands * and x.* over a join: every column of the side(s),
// named <QUALIFIER>_<COLUMN> as ksqlDB does.
func expandJoinStars(items []ast.SelectItem, left, right *joinSide) ([]ast.SelectItem, error) {
	var out []ast.SelectItem
	for _, it := range items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		var sides []*joinSide
		switch it.StarSource {
		case "":
			sides = []*joinSide{left, right}
		case left.qual:
			sides = []*joinSide{left}
		case right.qual:
			sides = []*joinSide{right}
		default:
			return nil, ast.Errorf(ast.SemanticError, it.At, "'%s' is not a valid stream/table name or alias.", it.StarSource)
		}
		for _, s := range sides {
			for _, c := range s.src.Schema.Columns {
				out = append(out, ast.SelectItem{At: it.At, Alias: s.qual + "_" + c.Name,
					Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Source: s.qual, Name: c.Name}})
			}
		}
	}
	return out, nil
}
