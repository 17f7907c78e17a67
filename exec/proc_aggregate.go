package exec

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
	"github.com/sluicedb/sluice/state"
)

// defaultGrace is ksqlDB's grace period for windows declared without one.
const defaultGrace = 24 * time.Hour

// aggEntry is the state of one group (one window of one group, when
// windowed), decoded. Stored, it is encoded by aggProc.encode.
type aggEntry struct {
	ck         string // cache key: group key, and window start when windowed
	gkey       []byte // the group's store key
	group      []any
	accs       []any
	ts         int64 // the latest record time folded in: the result's ROWTIME
	start, end int64
	dirty      bool // changed since the last flush
}

// entrySlab hands out entries and their value slices from chunks: a
// windowed aggregation makes an entry for nearly every record (a new group
// window), and one allocation per chunk instead of three per entry is a
// visible share of its CPU. A chunk lives while any of its entries is
// cached.
type entrySlab struct {
	entries []aggEntry
	vals    []any
}

func (s *entrySlab) entry() *aggEntry {
	if len(s.entries) == 0 {
		s.entries = make([]aggEntry, 256)
	}
	e := &s.entries[0]
	s.entries = s.entries[1:]
	return e
}

func (s *entrySlab) values(n int) []any {
	if len(s.vals) < n {
		s.vals = make([]any, max(1024, n))
	}
	v := s.vals[:n:n]
	s.vals = s.vals[n:]
	return v
}

// grouping evaluates a query's GROUP BY expressions and encodes the group
// key: the shuffle side and the aggregate side both need it.
type grouping struct {
	fns   []eval.Func
	types []*types.Type
	vals  []any
	buf   []byte
}

func newGrouping(p *planner.Proc) (*grouping, error) {
	g := &grouping{vals: make([]any, len(p.GroupBy))}
	for _, e := range p.GroupBy {
		f, err := eval.Compile(e)
		if err != nil {
			return nil, err
		}
		g.fns = append(g.fns, f)
		g.types = append(g.types, e.Type())
	}
	return g, nil
}

// of returns the row's group values and key (valid until the next call), or
// nil values when a grouping expression is NULL: such rows join no group.
func (g *grouping) of(row types.Row) ([]any, []byte, error) {
	for i, f := range g.fns {
		v, err := f(row)
		if err != nil {
			return nil, nil, err
		}
		if v == nil {
			return nil, nil, nil
		}
		g.vals[i] = v
	}
	b, err := agg.AppendRow(g.buf[:0], g.types, g.vals)
	g.buf = b
	return g.vals, b, err
}

var errNullGroup = fmt.Errorf("GROUP BY column is null: record dropped")

// aggOp is what a row does to its group.
type aggOp uint8

const (
	opAdd aggOp = iota
	// opUndo takes a table row's old contribution out of its group and
	// emits the group's new value.
	opUndo
	// opReplace takes the old contribution out without emitting: the row's
	// new version follows into the same group, and ksqlDB emits the group
	// once for both (Kafka Streams sends old and new value together when
	// the grouping did not change).
	opReplace
)

// srcPos identifies the input record an aggregation step comes from: its
// partition and position (offset*2, +1 for an add) in the query's input.
// Positions already folded into the restored state are skipped, so input
// re-read after a crash (and the repartition records it writes again) is
// not counted twice. A negative pos is never skipped.
type srcPos struct {
	partition int32
	pos       int64
}

func positionOf(m *rowMeta, op aggOp) srcPos {
	p := srcPos{partition: m.partition, pos: m.offset * 2}
	if op == opAdd {
		p.pos++
	}
	return p
}

// aggProc folds rows into per-group accumulators kept in the task's stores.
//
// Decoded entries are cached between commits: every change marks its entry
// dirty, and at commit (flush) dirty entries are encoded and written to the
// store, whose changelog records then leave with the commit. With the
// record cache on (cache.max.bytes.buffering > 0, ksqlDB's default) a
// group's result is also emitted only then, once per commit however often
// it changed; with it off, every change is emitted at once, as ksqlDB's test
// runner expects.
type aggProc struct {
	g        *grouping
	argFns   [][]eval.Func
	aggs     []agg.Aggregate
	hidden   []bool // aggregate takes the record offset as a trailing argument
	window   *ast.Window
	final    bool
	grace    int64
	size     int64
	coalesce bool
	maxCache int

	kv  state.KeyValueStore // unwindowed
	ws  state.WindowStore   // tumbling and hopping
	wkv state.KeyValueStore // ws's key-value layer, for batched writes
	ss  state.SessionStore  // session

	// batch and arena are the flush's writes, reused.
	batch []state.Entry
	arena []byte
	spans []int

	cache  map[string]*aggEntry
	dirty  []*aggEntry
	starts []int64 // windows' result, reused
	// emit's reused metadata and boxed window bounds.
	meta             rowMeta
	startBox, endBox boxed
	slab             entrySlab
	// applied is, per input partition, the last position folded into the
	// state; positions persist with the state, in their own store.
	applied      map[int32]int64
	appliedDirty map[int32]bool
	positions    state.KeyValueStore // nil: no deduplication (state is not restored)
	// EMIT FINAL: windows not yet emitted, by window start (cache keys), or
	// for sessions by session cache key.
	open     map[int64]map[string]struct{}
	openSess map[string]sessionRef

	partition int32
	stream    int64 // stream time: the highest timestamp seen
	seen      bool
	args      [][]any
	out       types.Row
	buf       []byte
	ckBuf     []byte // lookup's cache key
	next      emitFn
}

type sessionRef struct {
	gkey       string
	start, end int64
}

// aggStoreOptions are the parts of a query's configuration an aggregation
// reads.
type aggStoreOptions struct {
	stores   *taskStores
	coalesce bool // record cache on: emit at commit
	maxCache int  // decoded entries kept between commits
	// dedup keeps the input positions folded into the state, so input read
	// again after a crash is not counted twice. Positions are per input
	// partition: over a join (several topics) they would mix, so there is
	// no de-duplication (at-least-once may count a replayed row twice;
	// exactly_once_v2 does not replay).
	dedup bool
}

func newAggregateProc(p *planner.Proc, next emitFn, o aggStoreOptions) (*aggProc, error) {
	g, err := newGrouping(p)
	if err != nil {
		return nil, err
	}
	ap := &aggProc{g: g, window: p.Window, final: p.Final, coalesce: o.coalesce && !p.Final, maxCache: max(o.maxCache, 1000),
		cache: map[string]*aggEntry{}, open: map[int64]map[string]struct{}{}, openSess: map[string]sessionRef{},
		partition: o.stores.partition, next: next, out: make(types.Row, len(p.Out.Columns))}
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
		fn, err := agg.New(a.Name, argTypes, consts, a.Props)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Text, err)
		}
		ap.argFns = append(ap.argFns, fns)
		ap.aggs = append(ap.aggs, fn)
		ap.hidden = append(ap.hidden, agg.NeedsOffset(a.Name))
		ap.args = append(ap.args, make([]any, 0, len(fns)+1))
	}
	if err := ap.open_(p.StoreName, o.stores); err != nil {
		return nil, fmt.Errorf("open store %s: %w", p.StoreName, err)
	}
	if o.stores.log != nil && o.dedup {
		if err := ap.openPositions(o.stores); err != nil {
			return nil, fmt.Errorf("open store %s: %w", planner.PositionsStore, err)
		}
	}
	return ap, nil
}

// openPositions restores the input positions the state holds.
func (ap *aggProc) openPositions(ts *taskStores) error {
	var err error
	if ap.positions, err = ts.kv(planner.PositionsStore); err != nil {
		return err
	}
	ap.applied, ap.appliedDirty = map[int32]int64{}, map[int32]bool{}
	return ap.positions.Range(nil, nil, func(k, v []byte) bool {
		if len(k) == 4 && len(v) == 8 {
			ap.applied[int32(binary.BigEndian.Uint32(k))] = int64(binary.BigEndian.Uint64(v))
		}
		return true
	})
}

// seenBefore tells whether the state already holds the step at p, and
// otherwise records it.
func (ap *aggProc) seenBefore(p srcPos) bool {
	if ap.applied == nil || p.pos < 0 {
		return false
	}
	if last, ok := ap.applied[p.partition]; ok && p.pos <= last {
		return true
	}
	ap.applied[p.partition] = p.pos
	ap.appliedDirty[p.partition] = true
	return false
}

// open_ opens and restores the aggregation's store; for windows it also
// recovers stream time from the restored entries and, for EMIT FINAL, the
// windows still to be emitted.
func (ap *aggProc) open_(name string, ts *taskStores) error {
	if ap.window == nil {
		var err error
		ap.kv, err = ts.kv(name)
		return err
	}
	ap.size = ap.window.Size.Milliseconds()
	ap.grace = windowGrace(ap.window, ap.final)
	retention := ap.retention()
	peek := func(r state.Record) {
		if t, n := binary.Varint(r.Value); n > 0 && (!ap.seen || t > ap.stream) {
			ap.stream, ap.seen = t, true
		}
	}
	var err error
	var seg *state.Segmented
	if ap.window.Type == ast.Session {
		if ap.ss, seg, err = ts.session(name, retention, peek); err != nil {
			return err
		}
	} else if ap.ws, seg, ap.wkv, err = ts.window(name, retention, peek); err != nil {
		return err
	}
	if !ap.seen {
		return nil
	}
	if err := seg.Expire(ap.stream); err != nil {
		return err
	}
	if !ap.final {
		return nil
	}
	if ap.ss != nil {
		return ap.ss.FindAll(ap.stream-ap.size-ap.grace, math.MaxInt64, func(key []byte, start, end int64, _ []byte) bool {
			ap.openSess[sessionKey(key, start, end)] = sessionRef{gkey: string(key), start: start, end: end}
			return true
		})
	}
	return ap.ws.FetchAll(ap.stream-ap.size-ap.grace+1, math.MaxInt64, func(key []byte, start int64, _ []byte) bool {
		ap.markOpen(windowKey(key, start), start)
		return true
	})
}

// retention is how long the window store keeps a window (a session past
// its end).
func (ap *aggProc) retention() int64 { return windowRetention(ap.window, ap.grace) }

// windowGrace is how long (ms) a window of an aggregation takes late records.
func windowGrace(w *ast.Window, final bool) int64 {
	switch {
	case w.Grace != nil:
		return w.Grace.Milliseconds()
	case final:
		// ksqlDB closes an EMIT FINAL window at its end when no grace is
		// given (suppress.json 'should emit at window end if no grace
		// period given'), not after the 24-hour default.
		return 0
	}
	return defaultGrace.Milliseconds()
}

// windowRetention is how long (ms) an aggregation's store keeps a window (a
// session past its end): size (gap) + grace, or the RETENTION clause when
// longer.
func windowRetention(w *ast.Window, grace int64) int64 {
	r := w.Size.Milliseconds() + grace
	if w.Retention != nil {
		r = max(r, w.Retention.Milliseconds())
	}
	return r
}

func windowKey(gkey []byte, start int64) string {
	return string(binary.BigEndian.AppendUint64(gkey[:len(gkey):len(gkey)], uint64(start)))
}

func sessionKey(gkey []byte, start, end int64) string {
	b := binary.BigEndian.AppendUint64(gkey[:len(gkey):len(gkey)], uint64(start))
	return string(binary.BigEndian.AppendUint64(b, uint64(end)))
}

func (ap *aggProc) markOpen(ck string, start int64) {
	m := ap.open[start]
	if m == nil {
		m = map[string]struct{}{}
		ap.open[start] = m
	}
	m[ck] = struct{}{}
}

// encode writes an entry as its store value: time and window first (restore
// reads the time without decoding the rest), then the group, then each
// accumulator with its length.
func (ap *aggProc) encode(e *aggEntry) ([]byte, error) {
	b := binary.AppendVarint(ap.buf[:0], e.ts)
	b = binary.AppendVarint(b, e.start)
	b = binary.AppendVarint(b, e.end)
	b, err := agg.AppendRow(b, ap.g.types, e.group)
	if err != nil {
		return nil, err
	}
	for i, a := range ap.aggs {
		enc, err := a.Encode(e.accs[i])
		if err != nil {
			return nil, err
		}
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
	}
	ap.buf = b
	return b, nil
}

func (ap *aggProc) decode(ck string, gkey, v []byte) (*aggEntry, error) {
	e := ap.slab.entry()
	e.ck, e.gkey, e.group, e.accs = ck, gkey, ap.slab.values(len(ap.g.types)), ap.slab.values(len(ap.aggs))
	var vals [3]int64
	for i := range vals {
		x, n := binary.Varint(v)
		if n <= 0 {
			return nil, fmt.Errorf("corrupt aggregate state for group %x", gkey)
		}
		vals[i], v = x, v[n:]
	}
	e.ts, e.start, e.end = vals[0], vals[1], vals[2]
	v, err := agg.ReadRow(v, ap.g.types, e.group)
	if err != nil {
		return nil, err
	}
	for i, a := range ap.aggs {
		l, n := binary.Uvarint(v)
		if n <= 0 || uint64(len(v)-n) < l {
			return nil, fmt.Errorf("corrupt aggregate state for group %x", gkey)
		}
		if e.accs[i], err = a.Decode(v[n : n+int(l)]); err != nil {
			return nil, err
		}
		v = v[n+int(l):]
	}
	return e, nil
}

// lookup returns the entry of a group (window), from the cache, the store,
// or new.
func (ap *aggProc) lookup(group []any, gkey []byte, start, end int64) (*aggEntry, error) {
	ckb := gkey
	if ap.window != nil {
		ap.ckBuf = binary.BigEndian.AppendUint64(append(ap.ckBuf[:0], gkey...), uint64(start))
		ckb = ap.ckBuf
	}
	if e := ap.cache[string(ckb)]; e != nil { // no string allocated for a hit
		return e, nil
	}
	ck := string(ckb)
	var v []byte
	var err error
	if ap.window == nil {
		v, err = ap.kv.Get(gkey)
	} else {
		v, err = ap.ws.Get(gkey, start)
	}
	if err != nil {
		return nil, stateErr(err)
	}
	var e *aggEntry
	if v != nil {
		if e, err = ap.decode(ck, []byte(ck[:len(gkey)]), v); err != nil {
			return nil, stateErr(err)
		}
	} else {
		e = ap.newEntry(ck, group, start, end)
		e.gkey = []byte(ck[:len(gkey)])
	}
	ap.cache[ck] = e
	return e, nil
}

func (ap *aggProc) newEntry(ck string, group []any, start, end int64) *aggEntry {
	e := ap.slab.entry()
	e.ck, e.group, e.accs, e.start, e.end, e.ts = ck, ap.slab.values(len(group)), ap.slab.values(len(ap.aggs)), start, end, -1
	copy(e.group, group)
	for i, a := range ap.aggs {
		e.accs[i] = a.Init()
	}
	return e
}

func (ap *aggProc) touch(e *aggEntry) {
	if !e.dirty {
		e.dirty = true
		ap.dirty = append(ap.dirty, e)
	}
}

// computeArgs evaluates the aggregates' arguments into ap.args (reused).
func (ap *aggProc) computeArgs(row types.Row, m *rowMeta) error {
	for i, fns := range ap.argFns {
		vals := ap.args[i][:0]
		for _, f := range fns {
			v, err := f(row)
			if err != nil {
				return err
			}
			vals = append(vals, v)
		}
		if ap.hidden[i] {
			vals = append(vals, m.offset)
		}
		ap.args[i] = vals
	}
	return nil
}

// apply folds one row into its group: added, or (a table row replaced or
// deleted) taken back out. group and gkey are the row's group when the
// caller has computed it, else nil; src is the input step it comes from.
func (ap *aggProc) apply(m *rowMeta, row types.Row, group []any, gkey []byte, op aggOp, src srcPos) error {
	if ap.seenBefore(src) {
		return nil
	}
	if group == nil {
		var err error
		if group, gkey, err = ap.g.of(row); err != nil {
			return &recordError{m: m, err: err}
		}
		if group == nil {
			return &recordError{m: m, err: errNullGroup}
		}
	}
	if err := ap.computeArgs(row, m); err != nil {
		return &recordError{m: m, err: err}
	}
	if ap.window == nil {
		e, err := ap.lookup(group, gkey, 0, 0)
		if err != nil {
			return err
		}
		if op == opAdd {
			err = ap.add(e)
		} else {
			err = ap.undo(e)
		}
		if err != nil {
			return &recordError{m: m, err: err}
		}
		e.ts = max(e.ts, m.ts)
		if op == opReplace {
			ap.touch(e)
			return nil
		}
		return ap.changed(m, e)
	}
	if !ap.seen || m.ts > ap.stream {
		ap.stream, ap.seen = m.ts, true
	}
	if ap.ss != nil {
		return ap.processSession(m, group, gkey)
	}
	late := 0
	for _, start := range ap.windows(m.ts) {
		end := start + ap.size
		if end <= ap.stream-ap.grace {
			late++
			continue
		}
		e, err := ap.lookup(group, gkey, start, end)
		if err != nil {
			return err
		}
		if err := ap.add(e); err != nil {
			return &recordError{m: m, err: err}
		}
		e.ts = max(e.ts, m.ts)
		if ap.final {
			ap.touch(e)
			ap.markOpen(e.ck, start)
			continue
		}
		if err := ap.changed(m, e); err != nil {
			return err
		}
	}
	if ap.final {
		if err := ap.emitClosed(m); err != nil {
			return err
		}
	}
	if late > 0 {
		return &lateError{windows: late, stream: ap.stream, grace: ap.grace}
	}
	return nil
}

// changed records that e changed: emitted now, or at the next flush when
// the record cache coalesces updates.
func (ap *aggProc) changed(m *rowMeta, e *aggEntry) error {
	ap.touch(e)
	if !ap.coalesce {
		if err := ap.emit(m, e); err != nil {
			return err
		}
	}
	if len(ap.dirty) > 2*ap.maxCache {
		return ap.flush()
	}
	return nil
}

// windows lists the starts of the windows a timestamp falls in, in a
// slice reused from call to call.
func (ap *aggProc) windows(ts int64) []int64 {
	size := ap.size
	out := ap.starts[:0]
	if ap.window.Type == ast.Tumbling {
		ap.starts = append(out, ts-mod(ts, size))
		return ap.starts
	}
	adv := ap.window.Advance.Milliseconds()
	first := ts - size + adv
	if first < 0 {
		first = 0
	}
	first -= mod(first, adv)
	for s := first; s <= ts; s += adv {
		if s+size > ts {
			out = append(out, s)
		}
	}
	ap.starts = out
	return out
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// processSession adds a record to its group's session: every session within
// the gap of the record merges with it into one; each merged-away session is
// deleted downstream (a tombstone for its windowed key), as Kafka Streams does.
//
// As in Kafka Streams, sessions close at stream time - gap - grace: one that
// ended before is expired and takes no more merges (the store no longer
// returns it), and a record whose session would end before is dropped
// (sqltests/query-upgrades/session-windows.sql 'out of order - explicit
// grace period').
func (ap *aggProc) processSession(m *rowMeta, group []any, gkey []byte) error {
	gap := ap.size
	closeTime := ap.stream - gap - ap.grace
	visible := max(m.ts-gap, ap.stream-ap.retention())
	var merged []*aggEntry
	var decodeErr error
	err := ap.ss.FindSessions(gkey, visible, m.ts+gap, func(start, end int64, v []byte) bool {
		var s *aggEntry
		if s, decodeErr = ap.decode(sessionKey(gkey, start, end), gkey, v); decodeErr != nil {
			return false
		}
		merged = append(merged, s)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return stateErr(err)
	}
	if len(merged) == 0 && m.ts < closeTime {
		return &lateError{windows: 1, stream: ap.stream, grace: ap.grace}
	}
	e := ap.newEntry("", group, m.ts, m.ts)
	e.ts = m.ts
	slices.SortFunc(merged, func(a, b *aggEntry) int { return cmp.Compare(a.start, b.start) })
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
	}
	if err := ap.add(e); err != nil {
		return &recordError{m: m, err: err}
	}
	gk := slices.Clone(gkey)
	for _, s := range merged {
		if err := ap.ss.Remove(gk, s.start, s.end); err != nil {
			return stateErr(err)
		}
		if ap.final {
			delete(ap.openSess, s.ck)
			continue
		}
		if err := ap.emitDelete(m, s); err != nil {
			return err
		}
	}
	e.gkey, e.ck = gk, sessionKey(gk, e.start, e.end)
	e.ts = e.end // Kafka Streams stamps a session's result with its end
	v, err := ap.encode(e)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	if err := ap.ss.Put(gk, e.start, e.end, v); err != nil {
		return stateErr(err)
	}
	if ap.final {
		ap.openSess[e.ck] = sessionRef{gkey: string(gk), start: e.start, end: e.end}
		return ap.emitClosed(m)
	}
	return ap.emit(m, e)
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

// emitClosed emits, once, the final result of every window that closed:
// ordered by window start, then group key. A session closes once stream time
// passes its end + gap + grace.
//
// Like Kafka Streams (which reads the closed windows back from a store that
// only returns windows starting at or after stream time - retention), a
// time window that closed during a jump of stream time past its retention
// is never emitted (suppress.json 'should support final results for
// hopping windows').
func (ap *aggProc) emitClosed(m *rowMeta) error {
	if ap.ss != nil {
		var closed []sessionRef
		for ck, s := range ap.openSess {
			if s.end+ap.size+ap.grace < ap.stream {
				closed = append(closed, s)
				delete(ap.openSess, ck)
			}
		}
		slices.SortFunc(closed, func(a, b sessionRef) int {
			if c := cmp.Compare(a.start, b.start); c != 0 {
				return c
			}
			return strings.Compare(a.gkey, b.gkey)
		})
		for _, s := range closed {
			v, err := ap.ss.Get([]byte(s.gkey), s.start, s.end)
			if err != nil {
				return stateErr(err)
			}
			if v == nil {
				continue
			}
			e, err := ap.decode("", []byte(s.gkey), v)
			if err != nil {
				return stateErr(err)
			}
			if err := ap.emit(m, e); err != nil {
				return err
			}
		}
		return nil
	}
	var starts []int64
	oldest := ap.stream - ap.retention()
	for start := range ap.open {
		if start+ap.size+ap.grace > ap.stream {
			continue
		}
		if start < oldest {
			delete(ap.open, start)
			continue
		}
		starts = append(starts, start)
	}
	slices.Sort(starts)
	for _, start := range starts {
		cks := make([]string, 0, len(ap.open[start]))
		for ck := range ap.open[start] {
			cks = append(cks, ck)
		}
		delete(ap.open, start)
		slices.Sort(cks)
		for _, ck := range cks {
			gkey := []byte(ck[:len(ck)-8])
			e, err := ap.lookup(nil, gkey, start, start+ap.size)
			if err != nil {
				return err
			}
			if err := ap.emit(m, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ap *aggProc) add(e *aggEntry) error {
	for i, a := range ap.aggs {
		acc, err := a.Add(e.accs[i], ap.args[i])
		if err != nil {
			return err
		}
		e.accs[i] = acc
	}
	return nil
}

func (ap *aggProc) undo(e *aggEntry) error {
	for i, a := range ap.aggs {
		acc, err := a.Undo(e.accs[i], ap.args[i])
		if err != nil {
			return err
		}
		e.accs[i] = acc
	}
	return nil
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
	// The row's metadata and window bounds are reused from emit to emit:
	// nothing downstream keeps them, and a commit emits a row per changed
	// group, most of them sharing a few window starts.
	out := &ap.meta
	*out = *m
	out.ts = e.ts
	out.nullValue = false
	if ap.window != nil {
		row[n+1], row[n+2] = ap.startBox.of(e.start), ap.endBox.of(e.end)
		out.windowed, out.windowStart, out.windowEnd = true, e.start, e.end
	}
	return ap.next(out, row)
}

// boxed keeps the last int64 boxed into an interface, so that emitting the
// same window bound again does not allocate.
type boxed struct {
	v   int64
	box any
}

func (b *boxed) of(v int64) any {
	if b.box == nil || b.v != v {
		b.v, b.box = v, v
	}
	return b.box
}

// flush writes the entries changed since the last flush to the store (and
// so to its changelog), emitting them first when the record cache
// coalesces, and expires windows behind stream time. The commit that
// follows makes the changelog and outputs durable before the input offsets.
func (ap *aggProc) flush() error {
	var firstErr error
	if n := len(ap.dirty); n > 0 && len(ap.arena) == 0 {
		// Room for the batch at once, guessed from the last entry's size:
		// growing a commit's megabytes by doubling copies them repeatedly.
		per := len(ap.buf) + len(ap.dirty[n-1].gkey) + 16
		ap.arena = slices.Grow(ap.arena, n*per)
		ap.spans = slices.Grow(ap.spans, 2*n)
	}
	for _, e := range ap.dirty {
		e.dirty = false
		if ap.coalesce {
			m := rowMeta{partition: ap.partition, ts: e.ts}
			if err := ap.emit(&m, e); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		// One batch for all: a RocksDB write per entry costs several times
		// the write itself.
		v, err := ap.encode(e)
		if err != nil {
			return fmt.Errorf("write aggregate state: %w", err)
		}
		if ap.window == nil {
			ap.arena = append(ap.arena, e.gkey...)
		} else {
			ap.arena = state.WindowKey(ap.arena, e.gkey, e.start, 0)
		}
		ap.spans = append(ap.spans, len(ap.arena))
		ap.arena = append(ap.arena, v...)
		ap.spans = append(ap.spans, len(ap.arena))
	}
	if err := ap.writeBatch(); err != nil {
		return err
	}
	clear(ap.dirty)
	ap.dirty = ap.dirty[:0]
	for p := range ap.appliedDirty {
		var k [4]byte
		var v [8]byte
		binary.BigEndian.PutUint32(k[:], uint32(p))
		binary.BigEndian.PutUint64(v[:], uint64(ap.applied[p]))
		if err := ap.positions.Put(k[:], v[:]); err != nil {
			return fmt.Errorf("write input positions: %w", err)
		}
		delete(ap.appliedDirty, p)
	}
	if len(ap.cache) > ap.maxCache {
		// Everything cached is clean now: start again rather than track
		// recency per entry (clear keeps the map's room).
		clear(ap.cache)
	}
	if ap.ws != nil && ap.seen {
		if err := ap.ws.Expire(ap.stream); err != nil {
			return err
		}
		for ck, e := range ap.cache {
			if e.end+ap.grace <= ap.stream && !ap.final {
				delete(ap.cache, ck)
			}
		}
	}
	if ap.ss != nil && ap.seen {
		if err := ap.ss.Expire(ap.stream); err != nil {
			return err
		}
	}
	return firstErr
}

// writeBatch writes the flushed entries gathered in the arena (key, value,
// key, value, ... ending at spans) as one batch.
func (ap *aggProc) writeBatch() error {
	if len(ap.spans) == 0 {
		return nil
	}
	ap.batch = ap.batch[:0]
	from := 0
	for i := 0; i < len(ap.spans); i += 2 {
		k, v := ap.spans[i], ap.spans[i+1]
		ap.batch = append(ap.batch, state.Entry{Key: ap.arena[from:k:k], Value: ap.arena[k:v:v]})
		from = v
	}
	kv := ap.kv
	if ap.window != nil {
		kv = ap.wkv
	}
	err := kv.Apply(ap.batch)
	clear(ap.batch)
	ap.arena, ap.spans = ap.arena[:0], ap.spans[:0]
	if cap(ap.arena) > 16<<20 {
		ap.arena = nil // do not keep a large arena between commits
	}
	if err != nil {
		return fmt.Errorf("write aggregate state: %w", err)
	}
	return nil
}

// groupByProc routes rows to their group's aggregation: in place, or through
// the repartition topic to the task owning the group. Over a table it keeps
// each key's last row, so that an update first takes the old row's
// contribution back out of its (possibly different) group.
type groupByProc struct {
	g       *grouping
	table   bool
	srcKey  []int
	keyT    []*types.Type
	inTypes []*types.Type
	prev    state.KeyValueStore
	old     types.Row
	keyVals []any
	kbuf    []byte
	rbuf    []byte
	oldKey  []byte
	send    sendFn
}

// sendFn takes a row to its group's aggregation.
type sendFn func(m *rowMeta, row types.Row, group []any, gkey []byte, op aggOp, src srcPos) error

func newGroupByProc(p *planner.Proc, ts *taskStores, send sendFn) (*groupByProc, error) {
	g, err := newGrouping(p)
	if err != nil {
		return nil, err
	}
	gp := &groupByProc{g: g, table: p.Table, srcKey: p.SourceKeyIndex, send: send}
	for _, c := range p.InSchema.Columns {
		gp.inTypes = append(gp.inTypes, c.Type)
	}
	if gp.table {
		for _, i := range gp.srcKey {
			gp.keyT = append(gp.keyT, gp.inTypes[i])
		}
		gp.keyVals = make([]any, len(gp.srcKey))
		gp.old = make(types.Row, len(gp.inTypes))
		if gp.prev, err = ts.cachedKV(planner.TableSourceStore); err != nil {
			return nil, fmt.Errorf("open store %s: %w", planner.TableSourceStore, err)
		}
	}
	return gp, nil
}

func (gp *groupByProc) process(m *rowMeta, row types.Row) error {
	if !gp.table {
		if m.nullValue {
			return nil // a stream record without a value adds nothing
		}
		group, gkey, err := gp.g.of(row)
		if err != nil {
			return &recordError{m: m, err: err}
		}
		if group == nil {
			return &recordError{m: m, err: errNullGroup}
		}
		return gp.send(m, row, group, gkey, opAdd, positionOf(m, opAdd))
	}
	for i, j := range gp.srcKey {
		gp.keyVals[i] = row[j]
	}
	sk, err := agg.AppendRow(gp.kbuf[:0], gp.keyT, gp.keyVals)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	gp.kbuf = sk
	old, err := gp.prev.Get(sk)
	if err != nil {
		return stateErr(err)
	}
	// The old row leaves its group; when the new one goes to the same group
	// the group is emitted once, after both.
	var oldGroup []any
	if old != nil {
		if _, err := agg.ReadRow(old, gp.inTypes, gp.old); err != nil {
			return stateErr(err)
		}
		group, gkey, err := gp.g.of(gp.old)
		if err == nil && group != nil {
			oldGroup = slices.Clone(group)
			gp.oldKey = append(gp.oldKey[:0], gkey...)
		}
	}
	var newGroup []any
	var newKey []byte
	if !m.nullValue {
		newGroup, newKey, err = gp.g.of(row)
		if err == nil && newGroup == nil {
			err = errNullGroup
		}
	}
	if oldGroup != nil {
		op := opUndo
		if newGroup != nil && bytes.Equal(newKey, gp.oldKey) {
			op = opReplace
		}
		if err := gp.send(m, gp.old, oldGroup, gp.oldKey, op, positionOf(m, op)); err != nil {
			return err
		}
	}
	if m.nullValue {
		if old != nil {
			return stateErr(gp.prev.Delete(sk))
		}
		return nil
	}
	if err != nil {
		// The row joins no group: nothing to take back when it changes.
		if old != nil {
			if derr := gp.prev.Delete(sk); derr != nil {
				return stateErr(derr)
			}
		}
		return &recordError{m: m, err: err}
	}
	enc, err := agg.AppendRow(gp.rbuf[:0], gp.inTypes, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	gp.rbuf = enc
	if err := gp.prev.Put(sk, enc); err != nil {
		return stateErr(err)
	}
	// g.of reused its buffers for the old row: compute the group again.
	newGroup, newKey, err = gp.g.of(row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	return gp.send(m, row, newGroup, newKey, opAdd, positionOf(m, opAdd))
}
