package exec

import (
	"fmt"
	"time"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// defaultGrace is ksqlDB's grace period for windows declared without one.
const defaultGrace = 24 * time.Hour

// aggEntry is the state of one group (one window of one group, when windowed).
type aggEntry struct {
	group      []any
	accs       []any
	ts         int64
	start, end int64
	dirty      bool // EMIT FINAL: changed since created, not yet emitted
	rows       int64
}

// contribution is what a table row added to a group, kept so an update or
// delete of the row can retract it.
type contribution struct {
	groupKey string
	args     [][]any
}

// aggProc folds rows into per-group accumulators and emits the new value of
// the group after every change (no record cache, as the conformance model
// wants). State is in memory for now; it moves to the state stores with the
// changelogs of the stateful issue.
type aggProc struct {
	groupFns []eval.Func
	argFns   [][]eval.Func
	aggs     []agg.Aggregate
	hidden   []bool // aggregate takes the record offset as a trailing argument
	keyCodec serde.Codec
	table    bool
	srcKey   []int
	window   *ast.Window
	final    bool
	grace    int64
	state    map[string]*aggEntry
	sessions map[string][]*aggEntry // session windows: a group's open sessions
	prev     map[string]contribution
	stream   int64 // stream time: the highest timestamp seen
	seen     bool
	out      types.Row
	next     emitFn
}

func newAggregateProc(p *planner.Proc, next emitFn) (emitFn, error) {
	ap := &aggProc{table: p.Table, srcKey: p.SourceKeyIndex, window: p.Window, final: p.Final,
		state: map[string]*aggEntry{}, sessions: map[string][]*aggEntry{}, prev: map[string]contribution{}, next: next,
		out: make(types.Row, len(p.Out.Columns))}
	var groupCols []types.Column
	for i, g := range p.GroupBy {
		f, err := eval.Compile(g)
		if err != nil {
			return nil, err
		}
		ap.groupFns = append(ap.groupFns, f)
		groupCols = append(groupCols, types.Column{Name: fmt.Sprintf("G%d", i), Type: g.Type()})
	}
	var err error
	if ap.keyCodec, err = serde.NewKeyCodec(serde.JSON, groupCols, serde.Options{}); err != nil {
		return nil, err
	}
	for _, a := range p.Aggs {
		var fns []eval.Func
		var argTypes []*types.Type
		for _, arg := range a.Args {
			f, err := eval.Compile(arg)
			if err != nil {
				return nil, err
			}
			fns = append(fns, f)
			argTypes = append(argTypes, arg.Type())
		}
		consts := a.Consts
		if len(consts) != len(argTypes) {
			consts = nil
		}
		fn, err := agg.New(a.Name, argTypes, consts, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Text, err)
		}
		ap.argFns = append(ap.argFns, fns)
		ap.aggs = append(ap.aggs, fn)
		ap.hidden = append(ap.hidden, a.Name == "LATEST_BY_OFFSET" || a.Name == "EARLIEST_BY_OFFSET")
	}
	if ap.window != nil {
		ap.grace = defaultGrace.Milliseconds()
		if ap.window.Grace != nil {
			ap.grace = ap.window.Grace.Milliseconds()
		}
	}
	return ap.process, nil
}

// windows lists the starts of the windows a timestamp falls in.
func (ap *aggProc) windows(ts int64) []int64 {
	size := ap.window.Size.Milliseconds()
	if ap.window.Type == ast.Tumbling {
		return []int64{ts - mod(ts, size)}
	}
	adv := ap.window.Advance.Milliseconds()
	first := ts - size + adv
	if first < 0 {
		first = 0
	}
	first -= mod(first, adv)
	var out []int64
	for s := first; s <= ts; s += adv {
		if s+size > ts {
			out = append(out, s)
		}
	}
	return out
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func (ap *aggProc) args(row types.Row, m *rowMeta) ([][]any, error) {
	out := make([][]any, len(ap.argFns))
	for i, fns := range ap.argFns {
		vals := make([]any, 0, len(fns)+1)
		for _, f := range fns {
			v, err := f(row)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
		if ap.hidden[i] {
			vals = append(vals, m.offset)
		}
		out[i] = vals
	}
	return out, nil
}

func (ap *aggProc) groupOf(row types.Row) ([]any, string, error) {
	g := make([]any, len(ap.groupFns))
	for i, f := range ap.groupFns {
		v, err := f(row)
		if err != nil {
			return nil, "", err
		}
		if v == nil {
			return nil, "", nil
		}
		g[i] = v
	}
	b, err := ap.keyCodec.Encode(g)
	if err != nil {
		return nil, "", err
	}
	return g, string(b), nil
}

func (ap *aggProc) process(m *rowMeta, row types.Row) error {
	if ap.table {
		return ap.processTable(m, row)
	}
	if m.nullValue {
		return nil // a stream record without a value adds nothing
	}
	group, key, err := ap.groupOf(row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	if group == nil {
		return &recordError{m: m, err: fmt.Errorf("GROUP BY column is null: record dropped")}
	}
	args, err := ap.args(row, m)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	if ap.window == nil {
		e := ap.entry(key, group, 0, 0)
		if err := ap.add(e, args); err != nil {
			return &recordError{m: m, err: err}
		}
		e.ts = max(e.ts, m.ts)
		return ap.emit(m, e)
	}
	if !ap.seen || m.ts > ap.stream {
		ap.stream, ap.seen = m.ts, true
	}
	if ap.window.Type == ast.Session {
		return ap.processSession(m, key, group, args)
	}
	size := ap.window.Size.Milliseconds()
	var firstErr error
	for _, start := range ap.windows(m.ts) {
		end := start + size
		if end <= ap.stream-ap.grace {
			firstErr = fmt.Errorf("record for expired window [%d, %d) dropped (stream time %d, grace %d ms)", start, end, ap.stream, ap.grace)
			continue
		}
		e := ap.entry(fmt.Sprintf("%s@%d", key, start), group, start, end)
		if err := ap.add(e, args); err != nil {
			return &recordError{m: m, err: err}
		}
		e.ts = max(e.ts, m.ts)
		if ap.final {
			e.dirty = true
			continue
		}
		if err := ap.emit(m, e); err != nil {
			return err
		}
	}
	if ap.final {
		if err := ap.emitClosed(m); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return &recordError{m: m, err: firstErr}
	}
	return nil
}

// processSession adds a record to its group's session: every session within
// the gap of the record merges with it into one; each merged-away session is
// deleted downstream (a tombstone for its windowed key), as Kafka Streams does.
func (ap *aggProc) processSession(m *rowMeta, key string, group []any, args [][]any) error {
	gap := ap.window.Size.Milliseconds()
	if m.ts < ap.stream-ap.grace {
		return &recordError{m: m, err: fmt.Errorf("record for expired session dropped (stream time %d, grace %d ms)", ap.stream, ap.grace)}
	}
	var keep, merged []*aggEntry
	for _, s := range ap.sessions[key] {
		if s.end+gap >= m.ts && s.start-gap <= m.ts {
			merged = append(merged, s)
		} else {
			keep = append(keep, s)
		}
	}
	e := &aggEntry{group: group, accs: make([]any, len(ap.aggs)), start: m.ts, end: m.ts, ts: m.ts}
	for i, a := range ap.aggs {
		e.accs[i] = a.Init()
	}
	sortByStart(merged)
	for _, s := range merged {
		for i, a := range ap.aggs {
			acc, err := a.Merge(e.accs[i], s.accs[i])
			if err != nil {
				return &recordError{m: m, err: err}
			}
			e.accs[i] = acc
		}
		e.start, e.end = min(e.start, s.start), max(e.end, s.end)
		e.ts = max(e.ts, s.ts)
		e.rows += s.rows
	}
	if err := ap.add(e, args); err != nil {
		return &recordError{m: m, err: err}
	}
	ap.sessions[key] = append(keep, e)
	for _, s := range merged {
		if err := ap.emitDelete(m, s); err != nil {
			return err
		}
	}
	e.ts = e.end // Kafka Streams stamps a session's result with its end
	if ap.final {
		e.dirty = true
		return ap.emitClosed(m)
	}
	return ap.emit(m, e)
}

func sortByStart(es []*aggEntry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].start < es[j-1].start; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// emitDelete sends a tombstone for a window that no longer exists.
func (ap *aggProc) emitDelete(m *rowMeta, e *aggEntry) error {
	row := ap.out
	clear(row)
	copy(row, e.group)
	out := *m
	out.nullValue = true
	out.ts = e.end // session results are stamped with the session's end
	out.windowed, out.windowStart, out.windowEnd = true, e.start, e.end
	return ap.next(&out, row)
}

// emitClosed emits, once, the final result of every window that closed.
func (ap *aggProc) emitClosed(m *rowMeta) error {
	var closed []*aggEntry
	var keys []string
	for k, e := range ap.state {
		if e.end+ap.grace <= ap.stream {
			closed = append(closed, e)
			keys = append(keys, k)
		}
	}
	for k, ss := range ap.sessions {
		var open []*aggEntry
		for _, e := range ss {
			if e.end+ap.grace < ap.stream {
				closed = append(closed, e)
				keys = append(keys, "")
			} else {
				open = append(open, e)
			}
		}
		ap.sessions[k] = open
	}
	sortEntries(closed, keys)
	for i, e := range closed {
		if keys[i] != "" {
			delete(ap.state, keys[i])
		}
		if !e.dirty {
			continue
		}
		if err := ap.emit(m, e); err != nil {
			return err
		}
	}
	return nil
}

func sortEntries(es []*aggEntry, keys []string) {
	// Insertion sort by window start then key: few windows close at once.
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && (es[j].start < es[j-1].start || es[j].start == es[j-1].start && keys[j] < keys[j-1]); j-- {
			es[j], es[j-1] = es[j-1], es[j]
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

func (ap *aggProc) entry(key string, group []any, start, end int64) *aggEntry {
	e := ap.state[key]
	if e == nil {
		e = &aggEntry{group: group, accs: make([]any, len(ap.aggs)), start: start, end: end, ts: -1}
		for i, a := range ap.aggs {
			e.accs[i] = a.Init()
		}
		ap.state[key] = e
	}
	return e
}

func (ap *aggProc) add(e *aggEntry, args [][]any) error {
	for i, a := range ap.aggs {
		acc, err := a.Add(e.accs[i], args[i])
		if err != nil {
			return err
		}
		e.accs[i] = acc
	}
	e.rows++
	return nil
}

func (ap *aggProc) undo(e *aggEntry, args [][]any) error {
	for i, a := range ap.aggs {
		acc, err := a.Undo(e.accs[i], args[i])
		if err != nil {
			return err
		}
		e.accs[i] = acc
	}
	e.rows--
	return nil
}

// processTable applies a table change: retract the row's old contribution
// (emitting the old group's new value), then add the new one.
func (ap *aggProc) processTable(m *rowMeta, row types.Row) error {
	skVals := make([]any, len(ap.srcKey))
	for i, j := range ap.srcKey {
		skVals[i] = row[j]
	}
	sk := fmt.Sprint(skVals...)
	if old, ok := ap.prev[sk]; ok {
		delete(ap.prev, sk)
		if e := ap.state[old.groupKey]; e != nil {
			if err := ap.undo(e, old.args); err != nil {
				return &recordError{m: m, err: err}
			}
			e.ts = max(e.ts, m.ts)
			if err := ap.emit(m, e); err != nil {
				return err
			}
		}
	}
	if m.nullValue {
		return nil
	}
	group, key, err := ap.groupOf(row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	if group == nil {
		return &recordError{m: m, err: fmt.Errorf("GROUP BY column is null: record dropped")}
	}
	args, err := ap.args(row, m)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	e := ap.entry(key, group, 0, 0)
	if err := ap.add(e, args); err != nil {
		return &recordError{m: m, err: err}
	}
	ap.prev[sk] = contribution{groupKey: key, args: args}
	e.ts = max(e.ts, m.ts)
	return ap.emit(m, e)
}

// emit sends a group's current value downstream as an aggregated row:
// groups, results, ROWTIME[, WINDOWSTART, WINDOWEND].
func (ap *aggProc) emit(m *rowMeta, e *aggEntry) error {
	row := ap.out
	n := copy(row, e.group)
	for i, a := range ap.aggs {
		row[n+i] = a.Result(e.accs[i])
	}
	n += len(ap.aggs)
	row[n] = e.ts
	out := *m
	out.ts = e.ts
	out.nullValue = false
	if ap.window != nil {
		row[n+1], row[n+2] = e.start, e.end
		out.windowed, out.windowStart, out.windowEnd = true, e.start, e.end
	}
	return ap.next(&out, row)
}
