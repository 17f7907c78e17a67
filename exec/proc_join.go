package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// joinEntry is a table side's current row for one key.
type joinEntry struct {
	row types.Row
	ts  int64
}

// joinProc joins two inputs on their key expressions, as Kafka Streams'
// KStream-KTable and KTable-KTable (primary key) joins do. Each table side
// is materialized by key; state is in memory for now, like the aggregate's.
//
// Stream-table: a stream row looks up the table and emits (with the stream
// row's time); table changes only update the table. Table-table: a change on
// either side emits the new join result, or a tombstone when the result
// disappears, with the later of the two sides' times.
type joinProc struct {
	joinSides
	tableTable bool
	state      [2]map[string]*joinEntry // by side: left, right
}

// joinSides is what every join processor has: its two inputs, their key
// expressions and the encoding that makes keys comparable.
type joinSides struct {
	typ               ast.JoinType
	leftKey, rightKey eval.Func
	leftW, rightW     int
	inputs            []string
	keyCodec          serde.Codec
	keyBuf            []any
	out               types.Row
	meta              rowMeta
	next              emitFn
	process           func(side int, m *rowMeta, row types.Row) error
}

func newJoinSides(p *planner.Proc, next emitFn) (joinSides, error) {
	js := joinSides{typ: p.JoinType, leftW: p.LeftWidth, rightW: p.RightWidth, inputs: p.JoinInputs, next: next,
		out: make(types.Row, p.LeftWidth+p.RightWidth+1)}
	if len(p.JoinInputs) != 2 {
		return js, fmt.Errorf("join needs two inputs, has %d", len(p.JoinInputs))
	}
	var err error
	if js.leftKey, err = eval.Compile(p.LeftKey); err != nil {
		return js, err
	}
	if js.rightKey, err = eval.Compile(p.RightKey); err != nil {
		return js, err
	}
	js.keyCodec, err = serde.NewKeyCodec(serde.JSON, []types.Column{{Name: "K", Type: p.LeftKey.Type()}}, serde.Options{})
	return js, err
}

func newJoinProc(p *planner.Proc, next emitFn) (*joinProc, error) {
	js, err := newJoinSides(p, next)
	if err != nil {
		return nil, err
	}
	jp := &joinProc{joinSides: js, tableTable: p.TableTable, state: [2]map[string]*joinEntry{{}, {}}}
	jp.joinSides.process = jp.process
	return jp, nil
}

// input returns the emit function of the input processor named from.
func (js *joinSides) input(from string) (emitFn, error) {
	switch from {
	case js.inputs[0]:
		return func(m *rowMeta, row types.Row) error { return js.process(0, m, row) }, nil
	case js.inputs[1]:
		return func(m *rowMeta, row types.Row) error { return js.process(1, m, row) }, nil
	}
	return nil, fmt.Errorf("%s is not an input of the join", from)
}

// preserved tells whether a side's rows appear in the result without a match.
func (js *joinSides) preserved(side int) bool {
	switch js.typ {
	case ast.FullJoin:
		return true
	case ast.LeftJoin:
		return side == 0
	case ast.RightJoin:
		return side == 1
	}
	return false
}

func (jp *joinProc) process(side int, m *rowMeta, row types.Row) error {
	keyFn := jp.leftKey
	if side == 1 {
		keyFn = jp.rightKey
	}
	key, err := keyFn(row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	if key == nil {
		return nil // a NULL key joins nothing (ksqlDB drops the record)
	}
	jp.keyBuf = append(jp.keyBuf[:0], key)
	kb, err := jp.keyCodec.Encode(jp.keyBuf)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	k := string(kb)
	if !jp.tableTable {
		if side == 1 { // the table: remember, never emit
			if m.nullValue {
				delete(jp.state[1], k)
			} else {
				jp.state[1][k] = &joinEntry{row: append(types.Row(nil), row...), ts: m.ts}
			}
			return nil
		}
		if m.nullValue {
			return nil
		}
		other := jp.state[1][k]
		if other == nil && jp.typ != ast.LeftJoin {
			return nil
		}
		var orow types.Row
		if other != nil {
			orow = other.row
		}
		return jp.emit(m, m.ts, false, key, row, orow)
	}

	// Table-table, after Kafka Streams' KTableKTable{Inner,Left,Outer}Join.
	mine := jp.state[side]
	old := mine[k]
	var cur types.Row
	if m.nullValue {
		delete(mine, k)
	} else {
		e := &joinEntry{row: append(types.Row(nil), row...), ts: m.ts}
		mine[k] = e
		cur = e.row
	}
	other := jp.state[1-side][k]
	ts := m.ts
	if other == nil {
		if !jp.preserved(side) || (cur == nil && old == nil) {
			return nil
		}
		if cur == nil {
			return jp.emit(m, ts, true, key, nil, nil)
		}
		return jp.side(m, ts, side, key, cur, nil)
	}
	if other.ts > ts {
		ts = other.ts
	}
	if cur == nil && !jp.preserved(1-side) {
		return jp.emit(m, ts, true, key, nil, nil)
	}
	return jp.side(m, ts, side, key, cur, other.row)
}

// side emits the join of this side's row mine with the other side's row.
func (jp *joinProc) side(m *rowMeta, ts int64, side int, key any, mine, other types.Row) error {
	if side == 0 {
		return jp.emit(m, ts, false, key, mine, other)
	}
	return jp.emit(m, ts, false, key, other, mine)
}

// emit passes on left ‖ right ‖ key; a nil side is all NULLs.
func (jp *joinProc) emit(m *rowMeta, ts int64, tombstone bool, key any, left, right types.Row) error {
	clear(jp.out)
	copy(jp.out[:jp.leftW], left)
	copy(jp.out[jp.leftW:jp.leftW+jp.rightW], right)
	jp.out[jp.leftW+jp.rightW] = key
	jp.meta = *m
	jp.meta.ts = ts
	jp.meta.nullValue = tombstone
	return jp.next(&jp.meta, jp.out)
}
