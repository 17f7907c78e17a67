package exec

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
	"github.com/sluicedb/sluice/state"
)

// legacyJoinGrace is Kafka Streams' JoinWindows.of grace: the window plus
// its grace span one day. ksqlDB uses it when no GRACE PERIOD is given.
const legacyJoinGrace = 24 * time.Hour

// joinWindow is one side's window store: its records by join key and time,
// kept for the join window plus grace past the side's own stream time, as
// Kafka Streams' join window stores are. Keys are state.WindowKey(join key,
// time, seq); seq grows with every record the join stores, so records of
// one key and time keep their arrival order.
type joinWindow struct {
	ws       state.WindowStore
	kv       state.KeyValueStore // ws's cached key-value layer
	observed int64               // the latest time put (the store's stream time)
	// applied is, per input partition, the last input position stored: a
	// record re-read after a restart is joined again (its results may
	// repeat, at least once) but not stored twice.
	applied map[int32]int64
	// last and n number the rows one input record brings (an n-way join
	// passes on several per record).
	last srcPos
	n    int64
}

// pendingRow is an unmatched outer-join record read back from the store.
type pendingRow struct {
	key  []byte
	ts   int64
	side int
	row  types.Row
}

// matchRow is a record of the other side that joins.
type matchRow struct {
	ts  int64
	seq uint32
	row types.Row
}

// streamJoinProc is a windowed stream-stream join after Kafka Streams'
// KStreamKStreamJoin: a record joins the other side's records with the same
// key whose time is within the window (left time - before .. left time +
// after); the result's time is the later of the two.
//
// Outer joins emit a record that found no match with NULLs for the other
// side. Without GRACE PERIOD (ksqlDB's legacy windows) that happens at once,
// and a later match still emits the joined row. With GRACE PERIOD the
// unmatched record waits in the outer store until stream time passes its
// window end plus grace, and is dropped from it if a match arrives first.
// The outer store's keys are time ‖ side (right before left) ‖ join key,
// Kafka Streams' order; its values encoded rows.
//
// The meta store keeps what the window stores cannot tell: each side's
// stream time, the seq counter and the input positions stored.
type streamJoinProc struct {
	joinSides
	before, after int64
	grace         int64
	retention     int64
	outerMode     bool // unmatched results wait for the window to close
	sides         [2]*joinWindow
	outer         state.KeyValueStore
	meta          state.KeyValueStore
	metaDirty     bool
	minOuter      int64 // no pending entry is older (an optimization)
	streamTime    int64
	seq           uint32
	wkey          []byte
	lo, hi        []byte // the other side's range of a record
	matches       []matchRow
	// cells holds the matches' decoded rows: reused record after record,
	// since emit copies a row's cells before passing it on.
	cells []any
}

const (
	noTime  = -1 << 62
	endTime = 1<<62 - 1
)

func newStreamJoinProc(p *planner.Proc, next emitFn, ts *taskStores) (*streamJoinProc, error) {
	js, err := newJoinSides(p, next)
	if err != nil {
		return nil, err
	}
	w := p.Within
	jp := &streamJoinProc{joinSides: js, before: w.Before.Milliseconds(), after: w.After.Milliseconds(),
		streamTime: noTime, minOuter: noTime}
	jp.joinSides.process = jp.process
	jp.grace, jp.retention = joinWindowTimes(w)
	jp.outerMode = w.Grace != nil && p.JoinType != ast.InnerJoin
	want := 3
	if jp.outerMode {
		want = 4
	}
	if len(p.JoinStores) != want {
		return nil, fmt.Errorf("stream-stream join has %d stores, needs %d", len(p.JoinStores), want)
	}
	for i := range jp.sides {
		ws, kv, err := ts.cachedWindow(p.JoinStores[i], max(jp.retention, 1))
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", p.JoinStores[i], err)
		}
		jp.sides[i] = &joinWindow{ws: ws, kv: kv, observed: noTime, applied: map[int32]int64{}, last: srcPos{pos: -1}}
	}
	if jp.outerMode {
		if jp.outer, err = ts.cachedKV(p.JoinStores[2]); err != nil {
			return nil, fmt.Errorf("open store %s: %w", p.JoinStores[2], err)
		}
	}
	name := p.JoinStores[len(p.JoinStores)-1]
	if jp.meta, err = ts.kv(name); err != nil {
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	if err := jp.readMeta(); err != nil {
		return nil, fmt.Errorf("read store %s: %w", name, err)
	}
	return jp, nil
}

// joinWindowTimes returns a stream-stream join's grace and how long (ms)
// its window stores keep a record: the window (before + after) plus grace,
// as Kafka Streams' join stores.
func joinWindowTimes(w *ast.Within) (grace, retention int64) {
	before, after := w.Before.Milliseconds(), w.After.Milliseconds()
	if w.Grace != nil {
		grace = w.Grace.Milliseconds()
	} else {
		grace = max(legacyJoinGrace.Milliseconds()-2*before, 0)
	}
	return grace, before + after + grace
}

// Meta store keys: 't' side → stream time; 's' → seq; 'p' side partition →
// input position.
func (jp *streamJoinProc) readMeta() error {
	var bad bool
	err := jp.meta.Range(nil, nil, func(k, v []byte) bool {
		if len(v) != 8 {
			bad = true
			return false
		}
		n := int64(binary.BigEndian.Uint64(v))
		switch {
		case len(k) == 2 && k[0] == 't' && k[1] < 2:
			jp.sides[k[1]].observed = n
			jp.streamTime = max(jp.streamTime, n)
		case len(k) == 1 && k[0] == 's':
			jp.seq = uint32(n)
		case len(k) == 6 && k[0] == 'p' && k[1] < 2:
			jp.sides[k[1]].applied[int32(binary.BigEndian.Uint32(k[2:]))] = n
		default:
			bad = true
			return false
		}
		return true
	})
	if err == nil && bad {
		err = state.ErrMalformedKey
	}
	if err != nil {
		return stateErr(err)
	}
	for _, s := range jp.sides {
		if s.observed != noTime {
			if err := s.ws.Expire(s.observed); err != nil {
				return stateErr(err)
			}
		}
	}
	return nil
}

// flush writes the meta store's changes: at commit, with the stores.
func (jp *streamJoinProc) flush() error {
	if !jp.metaDirty {
		return nil
	}
	jp.metaDirty = false
	var batch []state.Entry
	put := func(k []byte, n int64) {
		batch = append(batch, state.Entry{Key: k, Value: binary.BigEndian.AppendUint64(nil, uint64(n))})
	}
	put([]byte{'s'}, int64(jp.seq))
	for i, s := range jp.sides {
		put([]byte{'t', byte(i)}, s.observed)
		for p, pos := range s.applied {
			put(binary.BigEndian.AppendUint32([]byte{'p', byte(i)}, uint32(p)), pos)
		}
	}
	return jp.meta.Apply(batch)
}

// span is how far before and after its own time a side's record looks on
// the other side.
func (jp *streamJoinProc) span(side int) (before, after int64) {
	if side == 0 {
		return jp.before, jp.after
	}
	return jp.after, jp.before
}

// fresh tells whether the side has not stored this input row yet, and
// records that it has. Positions number the rows of one input record.
func (jp *streamJoinProc) fresh(side int, src srcPos) bool {
	s := jp.sides[side]
	if src.pos < 0 {
		return true
	}
	if src == s.last {
		s.n++
	} else {
		s.last, s.n = src, 0
	}
	pos := src.pos<<8 | min(s.n, 255)
	if last, ok := s.applied[src.partition]; ok && pos <= last {
		return false
	}
	s.applied[src.partition] = pos
	jp.metaDirty = true
	return true
}

func (jp *streamJoinProc) process(side int, m *rowMeta, row types.Row, src srcPos) error {
	if m.nullValue {
		return nil // Kafka Streams skips null values in stream-stream joins
	}
	key, k, err := jp.key(side, m, row)
	if err != nil || key == nil {
		return err
	}
	ts := m.ts
	before, after := jp.span(side)
	from, to := max(ts-before, 0), max(ts+after, 0)

	// The record goes into its side's window store first, unless already
	// expired there (the store drops such late writes).
	mine := jp.sides[side]
	if jp.fresh(side, src) && ts > mine.observed-jp.retention {
		v, err := jp.encodeRow(side, ts, row)
		if err != nil {
			return &recordError{m: m, err: fmt.Errorf("join state: %w", err)}
		}
		jp.seq++
		jp.wkey = state.WindowKey(jp.wkey[:0], k, ts, jp.seq)
		if err := mine.kv.Put(jp.wkey, v); err != nil {
			return stateErr(err)
		}
		jp.metaDirty = true
	}
	if ts > mine.observed {
		mine.observed = ts
		jp.metaDirty = true
		if err := mine.ws.Expire(ts); err != nil {
			return stateErr(err)
		}
	}
	jp.streamTime = max(jp.streamTime, ts)
	if jp.outerMode && ts == jp.streamTime {
		if err := jp.emitClosed(m); err != nil {
			return err
		}
	}

	if err := jp.findMatches(1-side, k, from, to); err != nil {
		return stateErr(fmt.Errorf("join state: %w", err))
	}
	for _, o := range jp.matches {
		if jp.outerMode {
			if err := jp.outer.Delete(jp.outerKey(o.ts, 1-side, k)); err != nil {
				return stateErr(err)
			}
		}
		if err := jp.emitPair(m, max(ts, o.ts), side, key, row, o.row); err != nil {
			return err
		}
	}
	if len(jp.matches) > 0 || !jp.preserved(side) {
		return nil
	}
	if !jp.outerMode || to < jp.streamTime {
		return jp.emitPair(m, ts, side, key, row, nil)
	}
	v, err := jp.encodeRow(side, ts, row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join state: %w", err)}
	}
	if err := jp.outer.Put(jp.outerKey(ts, side, k), v); err != nil {
		return stateErr(err)
	}
	if jp.minOuter == noTime || ts < jp.minOuter {
		jp.minOuter = ts
	}
	return nil
}

// findMatches reads into jp.matches side's records of join key k whose
// time is in [from, to] and not expired.
func (jp *streamJoinProc) findMatches(side int, k []byte, from, to int64) error {
	other := jp.sides[side]
	width := len(jp.types[side])
	jp.matches = jp.matches[:0]
	jp.cells = jp.cells[:0]
	jp.lo = state.WindowKey(jp.lo[:0], k, from, 0)
	jp.hi = append(state.WindowKey(jp.hi[:0], k, to, ^uint32(0)), 0)
	it, err := other.kv.NewIterator(jp.lo, jp.hi)
	if err != nil {
		return err
	}
	for it.Next() {
		kk, start, seq, err := state.SplitWindowKey(it.Key())
		if err != nil || string(kk) != string(k) || start < from || start > to || start <= other.observed-jp.retention {
			continue
		}
		n := len(jp.cells)
		jp.cells = append(jp.cells, make([]any, width)...)
		if _, err := jp.decodeRow(side, it.Value(), jp.cells[n:n+width:n+width]); err != nil {
			it.Close()
			return err
		}
		jp.matches = append(jp.matches, matchRow{ts: start, seq: seq, row: types.Row(jp.cells[n : n+width : n+width])})
	}
	// The rows were cut from cells as it grew: cut them again from its
	// final array.
	for i := range jp.matches {
		jp.matches[i].row = types.Row(jp.cells[i*width : (i+1)*width : (i+1)*width])
	}
	return it.Close()
}

// outerKey encodes an outer store key: time, then right before left.
func (jp *streamJoinProc) outerKey(ts int64, side int, k []byte) []byte {
	b := state.AppendInt64(make([]byte, 0, 9+len(k)), ts)
	return append(append(b, byte(1-side)), k...)
}

// emitClosed emits, in store order, the unmatched records whose window and
// grace have passed. minOuter is unknown (noTime) after a restart: the
// first call reads the store.
func (jp *streamJoinProc) emitClosed(m *rowMeta) error {
	if jp.minOuter == endTime || (jp.minOuter != noTime && jp.minOuter+min(jp.before, jp.after)+jp.grace >= jp.streamTime) {
		return nil
	}
	var due []pendingRow
	var derr error
	jp.minOuter = endTime
	err := jp.outer.Range(nil, nil, func(k, v []byte) bool {
		if len(k) < 9 {
			derr = state.ErrMalformedKey
			return false
		}
		ts, side := state.Int64At(k), 1-int(k[8])
		if _, lookBack := jp.span(side); ts+lookBack+jp.grace >= jp.streamTime {
			jp.minOuter = ts
			return false
		}
		r := make(types.Row, len(jp.types[side]))
		if _, derr = jp.decodeRow(side, v, r); derr != nil {
			return false
		}
		due = append(due, pendingRow{key: append([]byte(nil), k...), ts: ts, side: side, row: r})
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return stateErr(fmt.Errorf("join state: %w", err))
	}
	for _, p := range due {
		if err := jp.outer.Delete(p.key); err != nil {
			return stateErr(err)
		}
		key, err := jp.keyCodec.Decode(p.key[9:])
		if err != nil || len(key) != 1 {
			return stateErr(fmt.Errorf("join state: key %q: %v", p.key[9:], err))
		}
		if err := jp.emitPair(m, p.ts, p.side, key[0], p.row, nil); err != nil {
			return err
		}
	}
	return nil
}

// emitPair emits the join of this side's row mine with the other side's
// row (nil: unmatched), as left ‖ right ‖ key.
func (jp *streamJoinProc) emitPair(m *rowMeta, ts int64, side int, key any, mine, other types.Row) error {
	left, right := mine, other
	if side == 1 {
		left, right = other, mine
	}
	return jp.emit(m, ts, false, key, left, right)
}
