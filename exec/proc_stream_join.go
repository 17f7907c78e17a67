package exec

import (
	"fmt"
	"sort"
	"time"

	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// legacyJoinGrace is Kafka Streams' JoinWindows.of grace: the window plus
// its grace span one day. ksqlDB uses it when no GRACE PERIOD is given.
const legacyJoinGrace = 24 * time.Hour

// bufferedRow is one record held by a side of a stream-stream join.
type bufferedRow struct {
	row types.Row
	ts  int64
}

// joinBuffer is one side's window store: its records by join key, in
// arrival order, kept for the join window plus grace past the side's own
// stream time, as Kafka Streams' join window stores are.
type joinBuffer struct {
	recs      map[string][]bufferedRow
	observed  int64 // the latest time put (the store's stream time)
	lastSweep int64
}

// outerKey orders pending unmatched records as Kafka Streams' outer join
// store does: by time, right side before left, then key.
type outerKey struct {
	ts   int64
	side int
	key  string
}

type outerEntry struct {
	keyVal any
	row    types.Row
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
type streamJoinProc struct {
	joinSides
	before, after int64
	grace         int64
	retention     int64
	outerMode     bool // unmatched results wait for the window to close
	bufs          [2]*joinBuffer
	outer         map[outerKey]outerEntry
	minOuter      int64 // no pending entry is older (an optimization)
	streamTime    int64
}

func newStreamJoinProc(p *planner.Proc, next emitFn) (*streamJoinProc, error) {
	js, err := newJoinSides(p, next)
	if err != nil {
		return nil, err
	}
	w := p.Within
	jp := &streamJoinProc{joinSides: js, before: w.Before.Milliseconds(), after: w.After.Milliseconds(),
		outer: map[outerKey]outerEntry{}, streamTime: -1 << 62, minOuter: 1<<62 - 1}
	jp.joinSides.process = jp.process
	if w.Grace != nil {
		jp.grace = w.Grace.Milliseconds()
		jp.outerMode = p.JoinType != ast.InnerJoin
	} else {
		jp.grace = max(legacyJoinGrace.Milliseconds()-2*jp.before, 0)
	}
	jp.retention = jp.before + jp.after + jp.grace
	for i := range jp.bufs {
		jp.bufs[i] = &joinBuffer{recs: map[string][]bufferedRow{}, observed: -1 << 62, lastSweep: -1 << 62}
	}
	return jp, nil
}

// span is how far before and after its own time a side's record looks on
// the other side.
func (jp *streamJoinProc) span(side int) (before, after int64) {
	if side == 0 {
		return jp.before, jp.after
	}
	return jp.after, jp.before
}

func (jp *streamJoinProc) process(side int, m *rowMeta, row types.Row) error {
	if m.nullValue {
		return nil // Kafka Streams skips null values in stream-stream joins
	}
	keyFn := jp.leftKey
	if side == 1 {
		keyFn = jp.rightKey
	}
	key, err := keyFn(row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	if key == nil {
		return nil
	}
	jp.keyBuf = append(jp.keyBuf[:0], key)
	kb, err := jp.keyCodec.Encode(jp.keyBuf)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	k := string(kb)
	ts := m.ts
	before, after := jp.span(side)
	from, to := max(ts-before, 0), max(ts+after, 0)

	// The record goes into its side's window store first, unless already
	// expired there (the store drops such late writes).
	mine := jp.bufs[side]
	if ts > mine.observed-jp.retention {
		mine.recs[k] = append(mine.recs[k], bufferedRow{row: append(types.Row(nil), row...), ts: ts})
	}
	if ts > mine.observed {
		mine.observed = ts
		jp.prune(mine)
	}
	if ts > jp.streamTime {
		jp.streamTime = ts
	}
	if jp.outerMode && ts == jp.streamTime {
		if err := jp.emitClosed(m); err != nil {
			return err
		}
	}

	other := jp.bufs[1-side]
	matches := other.recs[k]
	if !sort.SliceIsSorted(matches, func(a, b int) bool { return matches[a].ts < matches[b].ts }) {
		sort.SliceStable(matches, func(a, b int) bool { return matches[a].ts < matches[b].ts })
	}
	matched := false
	for _, o := range matches {
		if o.ts < from || o.ts > to || o.ts <= other.observed-jp.retention {
			continue
		}
		matched = true
		if jp.outerMode {
			delete(jp.outer, outerKey{ts: o.ts, side: 1 - side, key: k})
		}
		if err := jp.emitPair(m, max(ts, o.ts), side, key, row, o.row); err != nil {
			return err
		}
	}
	if matched || !jp.preserved(side) {
		return nil
	}
	if !jp.outerMode || to < jp.streamTime {
		return jp.emitPair(m, ts, side, key, row, nil)
	}
	jp.outer[outerKey{ts: ts, side: side, key: k}] = outerEntry{keyVal: key, row: append(types.Row(nil), row...)}
	if ts < jp.minOuter {
		jp.minOuter = ts
	}
	return nil
}

// emitClosed emits, in store order, the unmatched records whose window and
// grace have passed.
func (jp *streamJoinProc) emitClosed(m *rowMeta) error {
	if len(jp.outer) == 0 || jp.minOuter+min(jp.before, jp.after)+jp.grace >= jp.streamTime {
		return nil
	}
	keys := make([]outerKey, 0, len(jp.outer))
	for k := range jp.outer {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		x, y := keys[a], keys[b]
		if x.ts != y.ts {
			return x.ts < y.ts
		}
		if x.side != y.side {
			return x.side > y.side
		}
		return x.key < y.key
	})
	for _, k := range keys {
		jp.minOuter = k.ts
		_, lookBack := jp.span(k.side)
		if k.ts+lookBack+jp.grace >= jp.streamTime {
			return nil
		}
		e := jp.outer[k]
		delete(jp.outer, k)
		if err := jp.emitPair(m, k.ts, k.side, e.keyVal, e.row, nil); err != nil {
			return err
		}
	}
	jp.minOuter = 1<<62 - 1
	return nil
}

// prune drops a side's expired records, at most twice per retention period.
func (jp *streamJoinProc) prune(b *joinBuffer) {
	if b.observed-b.lastSweep < jp.retention/2+1 {
		return
	}
	b.lastSweep = b.observed
	limit := b.observed - jp.retention
	for k, recs := range b.recs {
		kept := recs[:0]
		for _, r := range recs {
			if r.ts > limit {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(b.recs, k)
			continue
		}
		clear(recs[len(kept):])
		b.recs[k] = kept
	}
}

// emitPair emits the join of this side's row mine with the other side's
// row (nil: unmatched), as left ‖ right ‖ key.
func (jp *streamJoinProc) emitPair(m *rowMeta, ts int64, side int, key any, mine, other types.Row) error {
	left, right := mine, other
	if side == 1 {
		left, right = other, mine
	}
	clear(jp.out)
	copy(jp.out[:jp.leftW], left)
	copy(jp.out[jp.leftW:jp.leftW+jp.rightW], right)
	jp.out[jp.leftW+jp.rightW] = key
	jp.meta = *m
	jp.meta.ts = ts
	jp.meta.nullValue = false
	return jp.next(&jp.meta, jp.out)
}
