package exec

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// Pull queries on a table that a running aggregation writes are answered
// from the aggregation's state (its tasks' cached entries and stores)
// rather than from the table's topic: each entry is passed through the
// processors that follow the aggregation (HAVING, projection) into a
// capture that lays it out as the table's columns, as the sink would have
// written it.
//
// Stores and processors belong to the query's loop goroutine: a pull query
// hands it a request (runningQuery.ask) and the loop runs it between polls.

// queryRequest is work for a query's loop goroutine: fn runs there, with
// the query's tasks, and done is closed after it.
type queryRequest struct {
	fn   func(*taskSet)
	done chan struct{}
}

// errQueryStopped reports a request the query's loop will never serve.
var errQueryStopped = errors.New("the query is not running")

// serve runs the pending requests. Called by the loop goroutine only.
func (q *runningQuery) serve(tasks *taskSet) {
	for {
		select {
		case r := <-q.reqs:
			r.fn(tasks)
			close(r.done)
		default:
			return
		}
	}
}

// armWake records how to interrupt the poll about to start (nil: no poll in
// progress). A request queued before the poll started interrupts it at once.
func (q *runningQuery) armWake(cancel context.CancelFunc) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.wake = cancel
	if cancel != nil && len(q.reqs) > 0 {
		cancel()
	}
}

// ask runs fn on the query's loop goroutine and waits for it. On error fn
// may still run later: it must not publish anything the caller reads after
// an error.
func (q *runningQuery) ask(ctx context.Context, fn func(*taskSet)) error {
	r := queryRequest{fn: fn, done: make(chan struct{})}
	select {
	case q.reqs <- r:
	case <-q.done:
		return errQueryStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	q.mu.Lock()
	if q.wake != nil {
		q.wake()
	}
	q.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-q.done:
		select {
		case <-r.done:
			return nil
		default:
			return errQueryStopped
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// matView is how a table's rows derive from the aggregation writing it.
type matView struct {
	agg *planner.Proc
	// chain lists the Filter and Project processors between the aggregation
	// and the sink, in data-flow order.
	chain []*planner.Proc
	sink  *planner.Proc
	// keyGroup gives, per key column of the table (in schema order), the
	// group-by value it holds, or -1 when it is computed otherwise.
	keyGroup []int
}

// newMatView returns how the table src derives from topology t, or nil when
// the table is not served from state: t has no aggregation, or anything
// but filters and projections follow it.
func newMatView(t *planner.Topology, src *catalog.Source) *matView {
	byName := map[string]*planner.Proc{}
	var v matView
	for _, p := range t.Procs {
		byName[p.Name] = p
		if p.Kind == planner.ProcAggregate {
			if v.agg != nil {
				return nil
			}
			v.agg = p
		}
	}
	if v.agg == nil {
		return nil
	}
	for p := v.agg; v.sink == nil; {
		if len(p.Children) != 1 {
			return nil
		}
		p = byName[p.Children[0]]
		switch {
		case p == nil:
			return nil
		case p.Kind == planner.ProcFilter || p.Kind == planner.ProcProject:
			v.chain = append(v.chain, p)
		case p.Kind == planner.ProcSink:
			v.sink = p
		default:
			return nil
		}
	}
	if v.sink.Topic != src.Topic || len(v.sink.Schema.Columns) != len(src.Schema.Columns) {
		return nil
	}
	for i, c := range v.sink.Schema.Columns {
		if c.Name != src.Schema.Columns[i].Name || c.Namespace != src.Schema.Columns[i].Namespace {
			return nil
		}
	}
	for _, idx := range v.sink.KeyIndex {
		v.keyGroup = append(v.keyGroup, v.groupOf(idx))
	}
	return &v
}

// groupOf traces column idx of the sink's input back through the chain: the
// group-by value it copies, or -1.
func (v *matView) groupOf(idx int) int {
	for i := len(v.chain) - 1; i >= 0 && idx >= 0; i-- {
		p := v.chain[i]
		if p.Kind != planner.ProcProject {
			continue // filters pass rows through unchanged
		}
		if idx >= len(p.Exprs) {
			return -1
		}
		ref, ok := p.Exprs[idx].(*expr.ColumnRef)
		if !ok {
			return -1
		}
		idx = ref.Index
	}
	if idx < 0 || idx >= len(v.agg.GroupBy) {
		return -1
	}
	return idx
}

// pullLookup is what a pull query's WHERE narrows the read to: the group
// keys (nil: every group) and window bounds, all inclusive. The whole
// WHERE is still applied to the rows read.
type pullLookup struct {
	gkeys            [][]byte
	startLo, startHi int64
	endLo, endHi     int64
}

// maxLookupKeys bounds the key combinations a WHERE may expand to before
// a scan is cheaper.
const maxLookupKeys = 1024

// lookupOf derives the lookup from the conjuncts of a pull query's WHERE:
// key column = constant, key column IN (constants), and comparisons of
// WINDOWSTART and WINDOWEND with constants.
func (v *matView) lookupOf(plan *planner.PullPlan) (*pullLookup, error) {
	lk := &pullLookup{startLo: math.MinInt64, startHi: math.MaxInt64, endLo: math.MinInt64, endHi: math.MaxInt64}
	if plan.Where == nil {
		return lk, nil
	}
	src := plan.Source
	n := len(src.Schema.Columns)
	// The table's key columns, by pull row index, with the group value each holds.
	keyCol := map[int]int{}
	k := 0
	for i, c := range src.Schema.Columns {
		if c.Namespace == types.KeyColumn {
			if g := v.keyGroup[k]; g >= 0 {
				keyCol[i] = g
			}
			k++
		}
	}
	groupTypes := make([]*types.Type, len(v.agg.GroupBy))
	for i, g := range v.agg.GroupBy {
		groupTypes[i] = g.Type()
	}
	cands := make([][]any, len(groupTypes))
	constrained := make([]bool, len(groupTypes))
	for _, c := range conjuncts(plan.Where, nil) {
		switch c := c.(type) {
		case *expr.Binary:
			col, val, op, ok := columnVsConstant(c)
			if !ok {
				continue
			}
			if g, isKey := keyCol[col]; isKey && op == ast.Eq && !constrained[g] {
				vals, ok := constants(groupTypes[g], val)
				if ok {
					cands[g], constrained[g] = vals, true
				}
				continue
			}
			if src.Window != nil && (col == n+1 || col == n+2) {
				x, ok := constInt64(val)
				if !ok {
					continue
				}
				lo, hi := &lk.startLo, &lk.startHi
				if col == n+2 {
					lo, hi = &lk.endLo, &lk.endHi
				}
				narrow(lo, hi, op, x)
			}
		case *expr.In:
			ref, ok := c.X.(*expr.ColumnRef)
			if c.Not || !ok {
				continue
			}
			if g, isKey := keyCol[ref.Index]; isKey && !constrained[g] {
				if vals, ok := constants(groupTypes[g], c.List...); ok {
					cands[g], constrained[g] = vals, true
				}
			}
		case *expr.Between:
			ref, ok := c.X.(*expr.ColumnRef)
			if c.Not || !ok || src.Window == nil || (ref.Index != n+1 && ref.Index != n+2) {
				continue
			}
			lo, okLo := constInt64(c.Lo)
			hi, okHi := constInt64(c.Hi)
			if !okLo || !okHi {
				continue
			}
			plo, phi := &lk.startLo, &lk.startHi
			if ref.Index == n+2 {
				plo, phi = &lk.endLo, &lk.endHi
			}
			narrow(plo, phi, ast.Ge, lo)
			narrow(plo, phi, ast.Le, hi)
		}
	}
	if !slices.Contains(constrained, false) {
		combos := [][]any{{}}
		for _, vals := range cands {
			var next [][]any
			for _, c := range combos {
				for _, x := range vals {
					next = append(next, append(slices.Clip(c), x))
				}
			}
			if combos = next; len(combos) > maxLookupKeys {
				return lk, nil // too many: scan
			}
		}
		lk.gkeys = [][]byte{}
		seen := map[string]bool{}
		for _, c := range combos {
			b, err := agg.AppendRow(nil, groupTypes, c)
			if err != nil {
				return nil, fmt.Errorf("pull query key: %w", err)
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				lk.gkeys = append(lk.gkeys, b)
			}
		}
	}
	return lk, nil
}

// conjuncts flattens x's top-level ANDs.
func conjuncts(x expr.Expr, out []expr.Expr) []expr.Expr {
	if b, ok := x.(*expr.Binary); ok && b.Op == ast.And {
		return conjuncts(b.R, conjuncts(b.L, out))
	}
	return append(out, x)
}

// columnVsConstant matches `column op constant` either way round, with op
// as seen from the column.
func columnVsConstant(b *expr.Binary) (col int, val expr.Expr, op ast.BinaryOp, ok bool) {
	flip := map[ast.BinaryOp]ast.BinaryOp{ast.Eq: ast.Eq, ast.Lt: ast.Gt, ast.Le: ast.Ge, ast.Gt: ast.Lt, ast.Ge: ast.Le}
	if _, cmpOp := flip[b.Op]; !cmpOp {
		return 0, nil, 0, false
	}
	if ref, isRef := b.L.(*expr.ColumnRef); isRef && isConstant(b.R) {
		return ref.Index, b.R, b.Op, true
	}
	if ref, isRef := b.R.(*expr.ColumnRef); isRef && isConstant(b.L) {
		return ref.Index, b.L, flip[b.Op], true
	}
	return 0, nil, 0, false
}

// isConstant tells whether x is a literal, possibly cast: its value is the
// same for every row, so it can select keys and windows before any row is
// read.
func isConstant(x expr.Expr) bool {
	switch x := x.(type) {
	case *expr.Literal:
		return true
	case *expr.Cast:
		return isConstant(x.X)
	}
	return false
}

func constantValue(x expr.Expr) (any, bool) {
	if !isConstant(x) {
		return nil, false
	}
	f, err := eval.Compile(x)
	if err != nil {
		return nil, false
	}
	v, err := f(nil)
	return v, err == nil
}

// constants evaluates key values of type t; NULLs are dropped (no group
// is NULL). ok is false when a value is not a constant of exactly type t,
// whose encoding would not be the group key's.
func constants(t *types.Type, xs ...expr.Expr) ([]any, bool) {
	var out []any
	for _, x := range xs {
		if !x.Type().Equal(t) {
			return nil, false
		}
		v, ok := constantValue(x)
		if !ok {
			return nil, false
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, true
}

func constInt64(x expr.Expr) (int64, bool) {
	v, ok := constantValue(x)
	if !ok {
		return 0, false
	}
	i, ok := v.(int64)
	return i, ok
}

// narrow tightens the inclusive range [lo, hi] with `value op x`.
func narrow(lo, hi *int64, op ast.BinaryOp, x int64) {
	switch op {
	case ast.Eq:
		*lo, *hi = max(*lo, x), min(*hi, x)
	case ast.Lt:
		if x == math.MinInt64 {
			*lo, *hi = 1, 0 // nothing
			return
		}
		*hi = min(*hi, x-1)
	case ast.Le:
		*hi = min(*hi, x)
	case ast.Gt:
		if x == math.MaxInt64 {
			*lo, *hi = 1, 0
			return
		}
		*lo = max(*lo, x+1)
	case ast.Ge:
		*lo = max(*lo, x)
	}
}

// materializedRows reads a table's rows from the state of the aggregation
// writing it, laid out as the pull plan reads them (columns, ROWTIME,
// window bounds) and sorted by key and window. ok is false when the table
// is not served from state (then nothing was read). Partitions other
// servers own are asked of them: their rows (the query's output, not table
// rows) come back in forwarded.
func (e *Engine) materializedRows(ctx context.Context, s *Session, plan *planner.PullPlan, sql string) (rows []types.Row, ok bool, forwarded [][]any, err error) {
	src := plan.Source
	if src.Kind != ast.Table || src.Sink == "" {
		return nil, false, nil, nil
	}
	e.mu.Lock()
	q := e.queries[src.Sink]
	e.mu.Unlock()
	if q == nil || q.reqs == nil {
		return nil, false, nil, nil
	}
	v := newMatView(q.plan.Topology, src)
	if v == nil {
		return nil, false, nil, nil
	}
	lk, err := v.lookupOf(plan)
	if err != nil {
		return nil, false, nil, err
	}
	partitions := 0
	for _, t := range q.topics {
		info, err := e.client.Topic(ctx, t)
		if err != nil {
			return nil, false, nil, err
		}
		partitions = max(partitions, info.Partitions)
	}
	var keyParts []int32
	if len(lk.gkeys) > 0 && slices.Contains(repartitionTopics(q.plan.Topology), planner.RepartitionTopic) {
		// Groups reach their task by the key partitioner on the group key.
		for _, k := range lk.gkeys {
			if p := kafka.KeyPartition(k, partitions); !slices.Contains(keyParts, p) {
				keyParts = append(keyParts, p)
			}
		}
	}
	route, err := e.routePull(ctx, s, q, partitions, keyParts)
	if err != nil {
		return nil, true, nil, err
	}
	// Set by the loop goroutine; read only once it is done with them.
	var readErr error
	err = q.ask(ctx, func(ts *taskSet) {
		rows, readErr = v.read(ts, route.local, plan, lk)
	})
	if errors.Is(err, errQueryStopped) {
		return nil, false, nil, nil
	}
	if err == nil {
		err = readErr
	}
	if err == nil {
		forwarded, err = e.forwardPull(ctx, sql, plan, route.remote)
	}
	if err != nil {
		return nil, true, nil, fmt.Errorf("pull query on %s: %w", src.Name, err)
	}
	sortTableRows(rows, src)
	return rows, true, forwarded, nil
}

// read runs on the query's loop goroutine: the matching entries of the
// given partitions' tasks, through the processors after the aggregation,
// into table rows. Tasks not started yet (no input since the query
// started) are started first, which restores their state.
func (v *matView) read(ts *taskSet, partitions []int32, plan *planner.PullPlan, lk *pullLookup) ([]types.Row, error) {
	for _, p := range partitions {
		if ts.tasks[p] != nil {
			continue
		}
		src, err := ts.build(p)
		if err != nil {
			return nil, err
		}
		ts.tasks[p] = &task{partition: p, src: src}
	}
	c := &tableCapture{sink: v.sink, width: plan.Width, windowed: plan.Source.Window != nil}
	for _, col := range v.sink.Schema.Columns {
		c.types = append(c.types, col.Type)
	}
	next := c.emit
	for i := len(v.chain) - 1; i >= 0; i-- {
		p := v.chain[i]
		var err error
		if p.Kind == planner.ProcFilter {
			next, err = newFilterProc(p, next)
		} else {
			// The query itself has reported any expression failure.
			next, err = newProjectProc(p, next, func(error) {})
		}
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", p.Name, err)
		}
	}
	parts := slices.Clone(partitions)
	slices.Sort(parts)
	for _, p := range parts {
		t := ts.tasks[p]
		if t == nil || t.src.agg == nil {
			continue
		}
		ap := t.src.agg
		entries, err := ap.entries(lk)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if err := ap.emitTo(e, next); err != nil {
				var re *recordError
				if errors.As(err, &re) {
					continue // the query dropped this row too
				}
				return nil, err
			}
		}
	}
	return c.rows, nil
}

// entries returns the entries a lookup selects, as the table holds them:
// cached entries win over the store's, and windows that EMIT FINAL has not
// emitted yet are left out. Nothing is written, to the cache or the stores.
func (ap *aggProc) entries(lk *pullLookup) ([]*aggEntry, error) {
	var out []*aggEntry
	var decodeErr error
	keep := func(ck string, gkey, v []byte) bool {
		if ap.cache[ck] != nil {
			return true // added from the cache below
		}
		var e *aggEntry
		if e, decodeErr = ap.decode(ck, bytes.Clone(gkey), v); decodeErr != nil {
			return false
		}
		out = append(out, e)
		return true
	}
	var err error
	switch {
	case ap.ss != nil:
		visit := func(gkey []byte, start, end int64, v []byte) bool {
			ck := sessionKey(gkey, start, end)
			if start < lk.startLo || end > lk.endHi || (ap.final && ap.sessionOpen(ck)) {
				return true
			}
			return keep(ck, gkey, v)
		}
		if lk.gkeys == nil {
			err = ap.ss.FindAll(lk.endLo, lk.startHi, visit)
		}
		for _, gkey := range lk.gkeys {
			if err = ap.ss.FindSessions(gkey, lk.endLo, lk.startHi, func(start, end int64, v []byte) bool {
				return visit(gkey, start, end, v)
			}); err != nil {
				break
			}
		}
		// Sessions are written to their store as they change: no decoded cache.
		if err == nil {
			err = decodeErr
		}
		return out, err
	case ap.ws != nil:
		lo, hi := lk.startLo, lk.startHi
		// Time windows end size after they start.
		if lk.endLo != math.MinInt64 {
			lo = max(lo, lk.endLo-ap.size)
		}
		if lk.endHi != math.MaxInt64 {
			hi = min(hi, lk.endHi-ap.size)
		}
		visit := func(gkey []byte, start int64, v []byte) bool {
			if ap.final && ap.isOpen(start, windowKey(gkey, start)) {
				return true
			}
			return keep(windowKey(gkey, start), gkey, v)
		}
		if lk.gkeys == nil {
			err = ap.ws.FetchAll(lo, hi, visit)
		}
		for _, gkey := range lk.gkeys {
			if err = ap.ws.Fetch(gkey, lo, hi, func(start int64, v []byte) bool {
				return visit(gkey, start, v)
			}); err != nil {
				break
			}
		}
		if err == nil {
			err = decodeErr
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ap.cached(lk.gkeys, func(e *aggEntry) bool {
			return e.start >= lo && e.start <= hi && !(ap.final && ap.isOpen(e.start, e.ck))
		})...)
		return out, nil
	}
	if lk.gkeys == nil {
		err = ap.kv.Range(nil, nil, func(k, v []byte) bool { return keep(string(k), k, v) })
	}
	for _, gkey := range lk.gkeys {
		if ap.cache[string(gkey)] != nil {
			continue
		}
		var v []byte
		if v, err = ap.kv.Get(gkey); err != nil || v == nil {
			if err != nil {
				break
			}
			continue
		}
		keep(string(gkey), gkey, v)
	}
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, err
	}
	out = append(out, ap.cached(lk.gkeys, func(*aggEntry) bool { return true })...)
	return out, nil
}

// cached lists the cache's entries of the given groups (nil: all) that
// pass ok.
func (ap *aggProc) cached(gkeys [][]byte, ok func(*aggEntry) bool) []*aggEntry {
	var want map[string]bool
	if gkeys != nil {
		want = map[string]bool{}
		for _, k := range gkeys {
			want[string(k)] = true
		}
	}
	var out []*aggEntry
	for _, e := range ap.cache {
		if (want == nil || want[string(e.gkey)]) && ok(e) {
			out = append(out, e)
		}
	}
	return out
}

// isOpen tells whether EMIT FINAL still holds a window back.
func (ap *aggProc) isOpen(start int64, ck string) bool {
	_, open := ap.open[start][ck]
	return open
}

// sessionOpen tells whether EMIT FINAL still holds a session back.
func (ap *aggProc) sessionOpen(ck string) bool {
	_, open := ap.openSess[ck]
	return open
}

// emitTo passes an entry's current result to next, as emit passes it
// downstream, without touching the processor's scratch row.
func (ap *aggProc) emitTo(e *aggEntry, next emitFn) error {
	row := make(types.Row, len(ap.out))
	n := copy(row, e.group)
	for i, a := range ap.aggs {
		row[n+i] = a.Result(e.accs[i])
	}
	n += len(ap.aggs)
	row[n] = e.ts
	m := rowMeta{partition: ap.partition, ts: e.ts}
	if ap.window != nil {
		row[n+1], row[n+2] = e.start, e.end
		m.windowed, m.windowStart, m.windowEnd = true, e.start, e.end
	}
	return next(&m, row)
}

// tableCapture stands in for a sink: it keeps the rows the sink would
// write, laid out as a pull query reads a table (columns, ROWTIME, window
// bounds). Tombstones and rows the sink would drop are left out.
type tableCapture struct {
	sink     *planner.Proc
	types    []*types.Type
	width    int
	windowed bool
	rows     []types.Row
	buf      []byte
}

func (c *tableCapture) emit(m *rowMeta, row types.Row) error {
	if m.nullValue {
		return nil
	}
	out := make(types.Row, c.width)
	ki, vi := 0, 0
	for j, col := range c.sink.Schema.Columns {
		if col.Namespace == types.KeyColumn {
			out[j] = row[c.sink.KeyIndex[ki]]
			ki++
		} else {
			out[j] = row[c.sink.ValueIndex[vi]]
			vi++
		}
	}
	n := len(c.types)
	// Results may share memory with the aggregation's accumulators, which
	// change once the loop goes on: the rows get copies of their own.
	b, err := agg.AppendRow(c.buf[:0], c.types, out[:n])
	if err == nil {
		c.buf = b
		_, err = agg.ReadRow(b, c.types, out[:n])
	}
	if err != nil {
		return &recordError{m: m, err: err}
	}
	ts, err := sinkTime(c.sink.SinkTimestampIndex, c.sink.TimestampFormat, m, row)
	if err != nil || ts < 0 {
		return nil // the sink drops it
	}
	out[n] = ts
	if c.windowed && m.windowed {
		out[n+1], out[n+2] = m.windowStart, m.windowEnd
	}
	c.rows = append(c.rows, out)
	return nil
}

// sortTableRows orders rows read from state by key columns, then window:
// stores and caches have no order of their own worth keeping.
func sortTableRows(rows []types.Row, src *catalog.Source) {
	var keys []int
	for i, c := range src.Schema.Columns {
		if c.Namespace == types.KeyColumn {
			keys = append(keys, i)
		}
	}
	n := len(src.Schema.Columns)
	if src.Window != nil {
		keys = append(keys, n+1, n+2)
	}
	slices.SortStableFunc(rows, func(a, b types.Row) int {
		for _, k := range keys {
			if c := compareAny(a[k], b[k]); c != 0 {
				return c
			}
		}
		return 0
	})
}

// compareAny orders values of one column, NULL first; kinds without a
// natural order compare by their printed form.
func compareAny(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case bool:
		if y, ok := b.(bool); ok {
			return cmp.Compare(boolInt(x), boolInt(y))
		}
	case int32:
		if y, ok := b.(int32); ok {
			return cmp.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := b.(string); ok {
			return cmp.Compare(x, y)
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	case types.Timestamp:
		if y, ok := b.(types.Timestamp); ok {
			return cmp.Compare(x, y)
		}
	case types.Date:
		if y, ok := b.(types.Date); ok {
			return cmp.Compare(x, y)
		}
	case types.Time:
		if y, ok := b.(types.Time); ok {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
