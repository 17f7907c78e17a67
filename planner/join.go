package planner

import (
	"fmt"
	"slices"
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
// NULLs. Each task joins one partition of both inputs, so both must be
// partitioned by the join key: a stream side joined on anything else is
// re-keyed through a repartition topic first.
type JoinNode struct {
	// Left is a source or, in an n-way join, the join of the sources before.
	Left  Logical
	Right *SourceNode
	Type  ast.JoinType
	// LeftKey is evaluated over a left row, RightKey over a right row.
	LeftKey, RightKey expr.Expr
	// TableTable marks a join of two tables (changes on either side emit);
	// otherwise it is a stream-table join (only the stream side emits).
	TableTable bool
	// ForeignKey marks a foreign-key table-table join (LeftKey is not the
	// left table's key): its result is keyed by the left table's key
	// columns, at LeftKeyIndex in the joined row (see fk_join.go).
	ForeignKey   bool
	LeftKeyIndex []int
	// Within is the window of a stream-stream join (nil otherwise).
	Within *ast.Within
	Out    types.Schema
	// Repartition tells, per side (left, right), whether that side's rows
	// reach the join through a repartition topic keyed by the join key.
	Repartition [2]bool
	// KeyFormat serializes repartitioned join keys: the format of the side
	// read in place, so that equal keys land on equal partitions.
	KeyFormat catalog.FormatInfo
	// Direct gives, per side, the source whose topic partitions that side
	// when no repartition topic lies between (nil otherwise): a re-keyed
	// other side takes its partition count.
	Direct [2]*catalog.Source
	// Depth is how many joins enclose this one: ksqlDB prefixes the names
	// of a nested join's topics and stores with "L_" per level.
	Depth int
}

func (n *JoinNode) Inputs() []Logical    { return []Logical{n.Left, n.Right} }
func (n *JoinNode) Schema() types.Schema { return n.Out }
func (n *JoinNode) Describe() string {
	kind := "STREAM-TABLE"
	if n.TableTable {
		kind = "TABLE-TABLE"
	}
	if n.ForeignKey {
		kind = "FOREIGN-KEY TABLE-TABLE"
	}
	if n.Within != nil {
		kind = "STREAM-STREAM " + WithinText(n.Within)
	}
	return fmt.Sprintf("[ JOIN ] %s %s ON %s = %s", n.Type, kind, n.LeftKey.String(), n.RightKey.String())
}

// WithinText prints a stream-stream join window as EXPLAIN shows it.
func WithinText(w *ast.Within) string {
	s := fmt.Sprintf("WITHIN (%v, %v)", w.Before, w.After)
	if w.Grace != nil {
		s += fmt.Sprintf(" GRACE PERIOD %v", *w.Grace)
	}
	return s
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

// planJoin plans SELECT ... FROM a JOIN b ON a.x = b.y [JOIN c ON ...]:
// stream-stream (WITHIN), stream-table and table-table on primary keys, as
// a left-deep chain of joins, each joining the result so far with the next
// source.
func planJoin(cat *catalog.Catalog, q *ast.Query, top *ast.Join, opts QueryOptions) (*Plan, error) {
	rels, joins := flattenJoin(top)
	sides := make([]*joinSide, len(rels))
	for i, r := range rels {
		s, err := lookupJoinSource(cat, r)
		if err != nil {
			return nil, err
		}
		sides[i] = s
	}
	for _, it := range q.Items {
		if it.Alias != "" && isReserved(it.Alias) {
			// ksqlDB checks a join's projection after aliasing, with the
			// message of an unaliased column (elements.json), before
			// anything about the sources.
			return nil, reservedInSelect(it.At, it.Alias)
		}
	}
	if len(sides) > 2 {
		seen := map[string]bool{}
		for _, s := range sides {
			if seen[s.src.Name] {
				return nil, ast.Errorf(ast.SemanticError, top.At, "N-way joins do not support multiple occurrences of the same source. Source: '%s'", s.src.Name)
			}
			seen[s.src.Name] = true
		}
	}
	for i, s := range sides {
		for _, o := range sides[:i] {
			if o.qual == s.qual {
				return nil, ast.Errorf(ast.SemanticError, joins[i-1].At, "Can not join a source to itself without distinct aliases: %s", s.qual)
			}
		}
	}
	var kafkaFmt []string
	for _, s := range sides {
		if strings.EqualFold(s.src.ValueFormat.Format, "KAFKA") {
			kafkaFmt = append(kafkaFmt, s.src.Name)
		}
	}
	if len(kafkaFmt) > 0 {
		return nil, ast.Errorf(ast.SemanticError, top.At, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafkaFmt, ", "))
	}
	if err := checkTableFunctions(q, sides[0].src.Kind == ast.Table); err != nil {
		return nil, err
	}

	// ksqlDB checks every join condition before the kinds of the joins.
	for i, j := range joins {
		if _, _, _, err := joinCondition(j, sides[:i+1], sides[i+1]); err != nil {
			return nil, err
		}
	}

	// offs[i] is where side i's row starts in the joined row: each join
	// appends the right side's row and then its key to the rows so far.
	offs := make([]int, len(sides))
	width := len(sides[0].row.Columns)
	var node Logical = &SourceNode{Source: sides[0].src, Alias: sides[0].qual, schema: sides[0].row}
	nodes := []*SourceNode{node.(*SourceNode)}
	leftTable := sides[0].src.Kind == ast.Table
	// equiv lists the joined-row columns equal to the current key, by side order.
	var equiv []int
	var jn *JoinNode
	var lexpr, rexpr ast.Expr
	var lkey expr.Expr
	var synthetic bool
	var lIsCol, rIsCol bool
	var keyIdx int
	var keyCands []string
	// part is how the rows joined so far are partitioned: by the key of a
	// source read in place (partSrc) or through a repartition topic, with
	// keys in partFmt.
	partSrc, partFmt := sides[0].src, sides[0].src.KeyFormat
	var chain []*JoinNode
	for i, j := range joins {
		right := sides[i+1]
		lefts := sides[:i+1]
		offs[i+1] = width
		lscope := &expr.Scope{}
		for k, s := range lefts {
			for ci, c := range s.row.Columns {
				lscope.Columns = append(lscope.Columns, expr.ScopeColumn{Source: s.qual, Name: c.Name, Type: c.Type, Index: offs[k] + ci})
			}
		}
		var lside int
		var err error
		lexpr, rexpr, lside, err = joinCondition(j, lefts, right)
		if err != nil {
			return nil, err
		}
		left := lefts[lside]
		lkey, err = expr.Bind(lexpr, lscope)
		if err != nil {
			return nil, prefixErr(err, "JOIN ON")
		}
		rkey, err := expr.Bind(rexpr, right.scope)
		if err != nil {
			return nil, prefixErr(err, "JOIN ON")
		}
		flipped := j.On.(*ast.Binary).L != lexpr
		condText := func() string {
			a, b := canonical(lexpr, left.qual), canonical(rexpr, right.qual)
			if flipped {
				a, b = b, a
			}
			return a + " = " + b
		}
		if !lkey.Type().Equal(rkey.Type()) {
			a := fmt.Sprintf("%s{%s}", canonical(lexpr, left.qual), lkey.Type())
			b := fmt.Sprintf("%s{%s}", canonical(rexpr, right.qual), rkey.Type())
			if flipped {
				a, b = b, a
			}
			return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: types don't match. Got %s = %s.", a, b)
		}
		got := fmt.Sprintf("Got %s %s %s.", sides[0].qual, joinTypeText(j.Type), right.qual)
		if i > 0 {
			got = fmt.Sprintf("Got %s %s %s.", left.qual, joinTypeText(j.Type), right.qual)
		}
		lt, rt := leftTable, right.src.Kind == ast.Table
		switch {
		case !lt && !rt:
			if j.Within == nil {
				return nil, ast.Errorf(ast.SemanticError, j.At, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
			}
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
		if err := windowsMatch(j, left, right); err != nil {
			return nil, err
		}
		tableTable := lt && rt
		if !isPrimaryKey(rexpr, right.src) && (lt || rt) {
			if tableTable {
				return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s.", condText())
			}
			return nil, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s.", condText())
		}
		// After a foreign-key join the result is keyed by the first
		// table's key: joining on anything else is another foreign key.
		fk := tableTable && !isPrimaryKey(lexpr, left.src) || i > 0 && jn.ForeignKey && !isPrimaryKey(lexpr, sides[0].src)
		if fk && (left.src.Window != nil || right.src.Window != nil) {
			return nil, ast.Errorf(ast.SemanticError, j.At, "Foreign-key table-table joins are not supported on windowed tables.")
		}
		if fk {
			if err := foreignKeyJoin(i, j, condText()); err != nil {
				return nil, err
			}
		}

		rnode := &SourceNode{Source: right.src, Alias: right.qual, schema: right.row}
		nodes = append(nodes, rnode)
		jn = &JoinNode{Left: node, Right: rnode, Type: j.Type, LeftKey: lkey, RightKey: rkey, TableTable: tableTable, ForeignKey: fk}
		leftKeyed := i == 0 && isPrimaryKey(lexpr, left.src)
		if b, ok := lkey.(*expr.ColumnRef); ok && i > 0 {
			leftKeyed = b.Index == keyIdx || slicesContains(equiv, b.Index)
		}
		// Tables are never re-keyed to another key here: an update moving a
		// row to another key would need the old key's retraction
		// (foreign-key joins).
		jn.Repartition = [2]bool{!leftKeyed && !lt, !isPrimaryKey(rexpr, right.src) && !rt}
		if !fk && !jn.Repartition[0] && !jn.Repartition[1] && !strings.EqualFold(partFmt.Format, right.src.KeyFormat.Format) {
			// Keys serialized differently hash to different partitions:
			// ksqlDB re-keys the right stream, the left against a table, and
			// the right of two tables (its key only changes format: every
			// row keeps its key, so updates and tombstones pass as they are).
			if !rt || lt {
				jn.Repartition[1] = true
			} else {
				jn.Repartition[0] = true
			}
		}
		switch {
		case !jn.Repartition[1]:
			jn.KeyFormat = right.src.KeyFormat
		case !jn.Repartition[0]:
			jn.KeyFormat = partFmt
		default:
			jn.KeyFormat = keyedFormat(sides[0].src.KeyFormat, opts.Defaults)
		}
		if !jn.Repartition[0] {
			jn.Direct[0] = partSrc
		}
		if !jn.Repartition[1] {
			jn.Direct[1] = right.src
		}
		if c, ok := lexpr.(*ast.ColumnRef); ok && (jn.Repartition[0] || jn.Repartition[1]) && containsMap(lkey.Type()) {
			// ksqlDB names the repartition key after the left column, with
			// its source's prefix, as in the join's internal schema.
			return nil, mapKeyError(j.At, left.qual+"_"+c.Name, lkey.Type())
		}
		if jn.Repartition[0] && left.src.Window != nil || jn.Repartition[1] && right.src.Window != nil {
			return nil, ast.Errorf(ast.SemanticError, j.At, "Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.")
		}
		if left.src.Window != nil {
			// Matching windowed sources pass ksqlDB's checks; Sluice does
			// not read windowed keys in joins yet.
			return nil, ast.Errorf(ast.SemanticError, j.At, "Joins of windowed sources are not supported yet.")
		}
		if err := coPartitioned(jn, j); err != nil {
			return nil, err
		}
		if jn.Repartition[0] {
			partSrc = nil
			if !jn.Repartition[1] {
				partSrc = right.src
			}
		}
		partFmt = jn.KeyFormat
		for _, c := range chain {
			c.Depth++
		}
		chain = append(chain, jn)
		if !lt && !rt {
			jn.Within = j.Within
		}
		jn.Out.Columns = append(jn.Out.Columns, node.Schema().Columns...)
		for _, c := range right.row.Columns {
			c.Namespace = types.ValueColumn
			jn.Out.Columns = append(jn.Out.Columns, c)
		}
		for k := range jn.Out.Columns {
			jn.Out.Columns[k].Namespace = types.ValueColumn
		}
		keyIdx = len(jn.Out.Columns)
		width = keyIdx + 1
		_, lc := lexpr.(*ast.ColumnRef)
		rcol, rc := rexpr.(*ast.ColumnRef)
		lIsCol, rIsCol = lc, rc
		synthetic = j.Type == ast.FullJoin || (!lIsCol && !rIsCol)
		// The columns equal to this join's key: the two join columns, and
		// the previous join's key columns if the left one is among them.
		var next []int
		keyCands = nil
		if !synthetic {
			lIdx, rIdx := -1, -1
			if lIsCol {
				if b, ok := lkey.(*expr.ColumnRef); ok {
					lIdx = b.Index
				}
			}
			if rIsCol {
				rIdx = offs[i+1] + right.row.Find(rcol.Name)
			}
			if lIdx >= 0 && slicesContains(equiv, lIdx) {
				next = append(next, equiv...)
			} else if lIdx >= 0 {
				next = append(next, lIdx)
			}
			if rIdx >= 0 {
				next = append(next, rIdx)
			}
			sort.Ints(next)
		}
		equiv = next
		if fk {
			synthetic, equiv = false, foreignKeyLayout(jn, left)
		}
		for _, idx := range equiv {
			k := sideAt(offs, idx)
			keyCands = append(keyCands, sides[k].qual+"."+sides[k].row.Columns[idx-offs[k]].Name)
		}
		jn.Out.Columns = append(jn.Out.Columns, types.Column{Name: "ROWKEY", Type: lkey.Type(), Namespace: types.KeyColumn})
		if fk {
			// The left table's key columns are the key (foreignKeyLayout).
			jn.Out.Columns[keyIdx].Namespace = types.ValueColumn
		}
		node = jn
		leftTable = tableTable
	}
	tableTable := jn.TableTable
	resultKind := ast.Stream
	if tableTable {
		resultKind = ast.Table
	}
	aggregate := needsAggregate(q)
	if opts.Create != nil && opts.Create.Kind != resultKind && !aggregate {
		produced, want := "STREAM", "CREATE STREAM AS SELECT"
		if resultKind == ast.Table {
			produced, want = "TABLE", "CREATE TABLE AS SELECT"
		}
		return nil, ast.Errorf(ast.SemanticError, q.At, "Invalid result type. Your SELECT query produces a %s. Please use %s statement instead.", produced, want)
	}

	scope := &expr.Scope{}
	for k, s := range sides {
		for ci, c := range s.row.Columns {
			scope.Columns = append(scope.Columns, expr.ScopeColumn{Source: s.qual, Name: c.Name, Type: c.Type, Index: offs[k] + ci})
		}
	}
	keyName := "ROWKEY"
	if synthetic {
		for n := 1; anySideHas(sides, keyName); n++ {
			keyName = fmt.Sprintf("ROWKEY_%d", n)
		}
		scope.Columns = append(scope.Columns, expr.ScopeColumn{Name: keyName, Type: lkey.Type(), Index: keyIdx})
	}
	jn.Out.Columns[keyIdx].Name = keyName

	var root Logical = jn
	if q.Where != nil {
		filtered, err := planWhere(q.Where, scope, root, tableTable)
		if err != nil {
			// ksqlDB words the error over the joined schema (I1_BAR, not I1.BAR).
			if fw, ferr := flatten(q.Where, scope, "WHERE"); ferr == nil {
				if _, ferr = planWhere(fw, flatScope(scope), root, tableTable); ferr != nil {
					err = ferr
				}
			}
			return nil, err
		}
		root = filtered
	}

	items, err := expandJoinStars(q.Items, sides, len(q.PartitionBy) > 0)
	if err != nil {
		return nil, err
	}
	root, bindOpts, err := planFlatMap(items, scope, root)
	if err != nil {
		return nil, err
	}
	if items, err = expandStructAll(items, scope, bindOpts); err != nil {
		return nil, err
	}
	used := usedColumns(q.Where, items)
	if aggregate {
		used = aggregateUsed(q, items)
	}
	for _, j := range joins {
		for k := range usedColumns(j.On, nil) {
			used[k] = true
		}
	}
	for _, n := range nodes {
		n.Used = used
	}
	if aggregate {
		return planJoinAggregated(q, items, sides, scope, root, tableTable, opts)
	}
	var partKeys []int
	if len(q.PartitionBy) > 0 {
		if partKeys, err = joinPartitionKeys(q.PartitionBy, items, scope, sinkName(opts), opts.Kind == Persistent); err != nil {
			return nil, err
		}
	}
	nameCount := sharedNames(sides)
	proj := &ProjectNode{Input: root}
	genIdx := colNamer{scope: scope}
	names := map[string]bool{}
	// The key item: the synthetic key, else the first of the columns equal
	// to the key (by source order) that is projected. Its value is the join
	// key (the side's own column may be NULL in an outer join).
	target := keyIdx
	if !synthetic {
		target = -1
		for _, idx := range equiv {
			if projects(items, scope, idx) {
				target = idx
				break
			}
		}
	}
	// targets are the joined-row columns the key items project: the one
	// chosen above, or every key column of a foreign-key join's left table.
	// PARTITION BY makes its own key: the join key is then a value like
	// any other.
	var targets []int
	if target >= 0 {
		targets = []int{target}
	}
	if jn.ForeignKey {
		targets = jn.LeftKeyIndex
	}
	if partKeys != nil {
		targets = nil
	}
	keyItems := make([]int, len(targets))
	for i := range keyItems {
		keyItems[i] = -1
	}
	dupKeys := make([][]string, len(targets))
	for i, it := range items {
		be, err := expr.BindWith(it.Expr, scope, bindOpts)
		if err != nil {
			return nil, prefixErr(err, "SELECT")
		}
		name := it.Alias
		if name == "" {
			name = defaultName(it.Expr, &genIdx)
			if cr, ok := it.Expr.(*ast.ColumnRef); ok && nameCount[cr.Name] > 1 {
				if ref, ok := be.(*expr.ColumnRef); ok && ref.Index != keyIdx {
					name = sides[sideAt(offs, ref.Index)].qual + "_" + cr.Name
				}
			}
			if opts.Kind == Persistent && isReserved(name) {
				return nil, reservedInSelect(it.At, name)
			}
		} else if isReserved(name) {
			return nil, reservedInSelect(it.At, name)
		}
		if names[name] {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Duplicate column names: %s", name)
		}
		names[name] = true
		col := types.Column{Name: name, Type: be.Type()}
		if _, plain := it.Expr.(*ast.ColumnRef); plain {
			if ref, ok := be.(*expr.ColumnRef); ok {
				if k := slices.Index(targets, ref.Index); k >= 0 {
					dupKeys[k] = append(dupKeys[k], name)
					if keyItems[k] < 0 {
						keyItems[k] = i
						col.Namespace = types.KeyColumn
						if !jn.ForeignKey {
							be = &expr.ColumnRef{Index: keyIdx, Name: ref.Name, T: ref.T}
						}
					}
				}
			}
		}
		if col.Type.Kind == types.Unknown && opts.Kind == Persistent {
			return nil, ast.Errorf(ast.SemanticError, it.At, "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).")
		}
		proj.Exprs = append(proj.Exprs, be)
		proj.Out.Columns = append(proj.Out.Columns, col)
	}
	keyItem := -1
	var dupKey []string
	if len(targets) > 0 {
		keyItem, dupKey = keyItems[0], dupKeys[0]
	}
	if jn.ForeignKey && slices.Contains(keyItems, -1) {
		keyItem = -1
	}
	if keyItem < 0 && synthetic && hasBareStar(q.Items) && partKeys == nil {
		// * covers the join's synthetic key column too, as in ksqlDB.
		proj.Exprs = append([]expr.Expr{&expr.ColumnRef{Index: keyIdx, Name: keyName, T: lkey.Type()}}, proj.Exprs...)
		proj.Out.Columns = append([]types.Column{{Name: keyName, Type: lkey.Type(), Namespace: types.KeyColumn}}, proj.Out.Columns...)
		keyItem = 0
	}
	if partKeys != nil {
		for i := range proj.Out.Columns {
			proj.Out.Columns[i].Namespace = types.ValueColumn
		}
		for _, i := range partKeys {
			proj.Out.Columns[i].Namespace = types.KeyColumn
		}
	} else if opts.Kind == Persistent && jn.ForeignKey {
		if err := foreignKeyProjection(sides[0], targets, dupKeys); err != nil {
			return nil, err
		}
	} else if opts.Kind == Persistent {
		if len(dupKey) > 1 {
			keyCol := proj.Out.Columns[keyItem].Name
			sort.Strings(dupKey)
			return nil, ast.Errorf(ast.SemanticError, q.At, "The projection contains a key column (%s) more than once, aliased as: %s.",
				types.QuoteIdent(keyCol), strings.Join(dupKey, " and "))
		}
		if keyItem < 0 {
			return nil, missingJoinKey(sinkName(opts), synthetic, keyName, keyCands)
		}
	} else if keyItem < 0 {
		// A push query may leave the key out: nothing is keyed on it.
		for i := range proj.Out.Columns {
			proj.Out.Columns[i].Namespace = types.ValueColumn
		}
	}

	plan := &Plan{QueryID: opts.QueryID, Kind: opts.Kind, Output: proj.Out, Limit: q.Limit}
	for _, s := range sides {
		plan.Sources = append(plan.Sources, s.src.Name)
	}
	var out Logical = proj
	if opts.Kind == Persistent {
		sink, err := buildSink(sides[0].src, proj.Out, partKeys, opts)
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

// windowsMatch refuses joins of windowed with non-windowed sources, and of
// session with time windows, with ksqlDB's messages.
func windowsMatch(j *ast.Join, left, right *joinSide) error {
	lw, rw := left.src.Window, right.src.Window
	describe := func(s *joinSide) string {
		if s.src.Window == nil {
			return "not windowed"
		}
		return s.src.Window.Type.String() + " windowed"
	}
	switch {
	case lw == nil && rw == nil:
		return nil
	case lw == nil || rw == nil:
		return ast.Errorf(ast.SemanticError, j.At, "Can not join windowed source to non-windowed source.\n`%s` is %s\n`%s` is %s",
			left.qual, describe(left), right.qual, describe(right))
	case (lw.Type == ast.Session) != (rw.Type == ast.Session):
		return ast.Errorf(ast.SemanticError, j.At, "Incompatible windowed sources.\nLeft source: %s\nRight source: %s\n"+
			"Session windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\n"+
			"Hopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources", lw.Type, rw.Type)
	}
	return nil
}

// coPartitioned checks that two sides read in place have as many
// partitions, as ksqlDB does: a task joins one partition of each.
// Foreign-key joins have no such requirement: they subscribe across
// partitions.
func coPartitioned(jn *JoinNode, j *ast.Join) error {
	l, r := jn.Direct[0], jn.Direct[1]
	if l == nil || r == nil || l.Partitions <= 0 || r.Partitions <= 0 || l.Partitions == r.Partitions || jn.ForeignKey {
		return nil
	}
	return ast.Errorf(ast.SemanticError, j.At, "Can't join %s with %s since the number of partitions don't match. %s partitions = %d; %s partitions = %d. Please repartition either one so that the number of partitions match.",
		types.QuoteIdent(l.Name), types.QuoteIdent(r.Name), types.QuoteIdent(l.Name), l.Partitions, types.QuoteIdent(r.Name), r.Partitions)
}

// flattenJoin lists the sources of a left-deep join tree and its joins:
// a JOIN b JOIN c is (a, b, c) and (a⋈b, (a⋈b)⋈c).
func flattenJoin(j *ast.Join) ([]ast.Relation, []*ast.Join) {
	var rels []ast.Relation
	var joins []*ast.Join
	if lj, ok := j.Left.(*ast.Join); ok {
		rels, joins = flattenJoin(lj)
	} else {
		rels = []ast.Relation{j.Left}
	}
	return append(rels, j.Right), append(joins, j)
}

// sideAt tells which side's row holds joined-row column idx.
func sideAt(offs []int, idx int) int {
	k := 0
	for i, o := range offs {
		if i > 0 && o == 0 {
			break // not placed yet
		}
		if idx >= o {
			k = i
		}
	}
	return k
}

func slicesContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func anySideHas(sides []*joinSide, name string) bool {
	for _, s := range sides {
		if s.src.Schema.Find(name) >= 0 {
			return true
		}
	}
	return false
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

func missingJoinKey(sink string, synthetic bool, keyName string, cands []string) error {
	if synthetic || len(cands) == 0 {
		return ast.Errorf(ast.SemanticError, ast.Pos{}, "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\n"+
			"The query used to build %s must include the join expression %s in its projection (eg, SELECT %s...).\n"+
			"%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.",
			types.QuoteIdent(sink), keyName, keyName, keyName)
	}
	what := "join expression " + cands[0]
	if len(cands) > 1 {
		what = "join expressions " + strings.Join(cands[:len(cands)-1], ", ") + " or " + cands[len(cands)-1]
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

// joinCondition splits ON a = b into the expression over the sources
// joined so far (lefts) and the one over the right source, whichever order
// they are written in; it also tells which of lefts the left one reads.
func joinCondition(j *ast.Join, lefts []*joinSide, right *joinSide) (ast.Expr, ast.Expr, int, error) {
	all := append(append([]*joinSide(nil), lefts...), right)
	b, ok := j.On.(*ast.Binary)
	if !ok || b.Op != ast.Eq {
		if ok && b.Op == ast.And {
			return nil, nil, 0, ast.Errorf(ast.SemanticError, j.On.Position(), "Invalid join condition: joins on multiple conditions are not yet supported. Got %s.", ast.FormatExprUnquoted(j.On))
		}
		return nil, nil, 0, ast.Errorf(ast.SemanticError, j.On.Position(), "Unsupported join expression: %s. Only equality joins (a = b) are supported.", ast.FormatExprUnquoted(j.On))
	}
	sideNamed := func(qual string) int {
		for i, s := range all {
			if s.qual == qual {
				return i
			}
		}
		return -1
	}
	var badQual error
	expr.Walk(j.On, func(n ast.Expr) bool {
		if c, ok := n.(*ast.ColumnRef); ok && badQual == nil && c.Source != "" && sideNamed(c.Source) < 0 {
			// ksqlDB reports this one without a position.
			badQual = ast.Errorf(ast.SemanticError, ast.Pos{}, "Failed to prepare statement: '%s' is not a valid stream/table name or alias.", c.Source)
		}
		return badQual == nil
	})
	if badQual != nil {
		return nil, nil, 0, badQual
	}
	// sideOf tells which single source e reads (-1 with an error otherwise).
	sideOf := func(e ast.Expr) (int, error) {
		side := -1
		multi := false
		var err error
		expr.Walk(e, func(n ast.Expr) bool {
			c, ok := n.(*ast.ColumnRef)
			if !ok || err != nil {
				return err == nil
			}
			s := -1
			if c.Source != "" {
				s = sideNamed(c.Source)
			} else {
				var in []string
				for i, sd := range all {
					if sd.row.Find(c.Name) >= 0 {
						if s < 0 {
							s = i
						}
						in = append(in, sd.qual+"."+c.Name)
					}
				}
				switch {
				case len(in) > 1:
					e := ast.Errorf(ast.SemanticError, c.Position(), "Column '%s' is ambiguous. Could be %s.", c.Name, strings.Join(in, " or "))
					e.Prefix = "Exception while preparing statement: "
					err = e
					return false
				case len(in) == 0:
					err = ast.Errorf(ast.SemanticError, c.Position(), "JOIN ON column '%s' cannot be resolved.", c.Name)
					return false
				}
			}
			if side >= 0 && side != s {
				multi = true
			}
			side = s
			return true
		})
		if err == nil && (side < 0 || multi) {
			err = ast.Errorf(ast.SemanticError, e.Position(), "Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.",
				ast.FormatExprUnquoted(e), ast.FormatExprUnquoted(j.On))
		}
		return side, err
	}
	ls, err := sideOf(b.L)
	if err != nil {
		return nil, nil, 0, err
	}
	rs, err := sideOf(b.R)
	if err != nil {
		return nil, nil, 0, err
	}
	if ls == rs {
		name := all[ls].qual
		return nil, nil, 0, ast.Errorf(ast.SemanticError, j.On.Position(), "Each side of the join must reference exactly one source and not the same source. Left side references `%s` and right references `%s`", name, name)
	}
	r := len(lefts)
	switch r {
	case ls:
		return b.R, b.L, rs, nil
	case rs:
		return b.L, b.R, ls, nil
	}
	return nil, nil, 0, ast.Errorf(ast.SemanticError, j.On.Position(), "A join criteria is expected to reference the source (`%s`) in the FROM clause, instead the right source references `%s` and the left source references `%s`",
		right.src.Name, all[rs].src.Name, all[ls].src.Name)
}

// expandJoinStars expands * and x.* over a join: every column of the side(s),
// named <QUALIFIER>_<COLUMN> as ksqlDB does. With PARTITION BY, ksqlDB
// expands a bare * over the joined schema it re-keys: each side's value
// columns, pseudo-columns, then key columns (partition-by.json "select star -
// with join").
func expandJoinStars(items []ast.SelectItem, all []*joinSide, partitioned bool) ([]ast.SelectItem, error) {
	var out []ast.SelectItem
	for _, it := range items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		var sides []*joinSide
		if it.StarSource == "" {
			sides = all
		} else {
			for _, s := range all {
				if s.qual == it.StarSource {
					sides = []*joinSide{s}
				}
			}
			if sides == nil {
				return nil, ast.Errorf(ast.SemanticError, it.At, "'%s' is not a valid stream/table name or alias.", it.StarSource)
			}
		}
		for _, s := range sides {
			cols := s.src.Schema.Columns
			if partitioned && it.StarSource == "" {
				cols = nil
				for _, c := range s.src.Schema.Columns {
					if c.Namespace != types.KeyColumn {
						cols = append(cols, c)
					}
				}
				cols = append(cols, types.PseudoColumns...)
				cols = append(cols, s.src.Schema.Keys()...)
			}
			for _, c := range cols {
				out = append(out, ast.SelectItem{At: it.At, Alias: s.qual + "_" + c.Name,
					Expr: &ast.ColumnRef{ExprBase: ast.ExprBase{At: it.At}, Source: s.qual, Name: c.Name}})
			}
		}
	}
	return out, nil
}

// hasBareStar tells whether the select list has an unqualified *.
func hasBareStar(items []ast.SelectItem) bool {
	for _, it := range items {
		if it.Star && it.StarSource == "" {
			return true
		}
	}
	return false
}
