package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
	"github.com/sluicedb/sluice/state"
)

// joinProc joins two inputs on their key expressions, as Kafka Streams'
// KStream-KTable and KTable-KTable (primary key) joins do. Each table side
// is materialized by join key in a key-value store of the task (behind its
// write-back cache, so changes reach RocksDB and the changelog at commit);
// a value is the row's time (state.AppendInt64) then the row (exec/agg's
// row encoding).
//
// Stream-table: a stream row looks up the table and emits (with the stream
// row's time); table changes only update the table. Table-table: a change on
// either side emits the new join result, or a tombstone when the result
// disappears, with the later of the two sides' times.
type joinProc struct {
	joinSides
	tableTable bool
	tables     [2]state.KeyValueStore // by side; stream-table: the right only
	rows       [2]types.Row           // decoded table rows, by side
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
	types             [2][]*types.Type
	out               types.Row
	meta              rowMeta
	next              emitFn
	buf               []byte
	process           func(side int, m *rowMeta, row types.Row, src srcPos) error
}

func newJoinSides(p *planner.Proc, next emitFn) (joinSides, error) {
	js := joinSides{typ: p.JoinType, leftW: p.LeftWidth, rightW: p.RightWidth, inputs: p.JoinInputs, next: next,
		out: make(types.Row, p.LeftWidth+p.RightWidth+1)}
	if len(p.JoinInputs) != 2 {
		return js, fmt.Errorf("join needs two inputs, has %d", len(p.JoinInputs))
	}
	for side, s := range p.JoinSchemas {
		for _, c := range s.Columns {
			js.types[side] = append(js.types[side], c.Type)
		}
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

func newJoinProc(p *planner.Proc, next emitFn, ts *taskStores) (*joinProc, error) {
	js, err := newJoinSides(p, next)
	if err != nil {
		return nil, err
	}
	jp := &joinProc{joinSides: js, tableTable: p.TableTable}
	jp.joinSides.process = jp.process
	sides := []int{1}
	if p.TableTable {
		sides = []int{0, 1}
	}
	if len(p.JoinStores) != len(sides) {
		return nil, fmt.Errorf("join has %d stores, needs %d", len(p.JoinStores), len(sides))
	}
	for i, side := range sides {
		if jp.tables[side], err = ts.cachedKV(p.JoinStores[i]); err != nil {
			return nil, fmt.Errorf("open store %s: %w", p.JoinStores[i], err)
		}
		jp.rows[side] = make(types.Row, len(js.types[side]))
	}
	return jp, nil
}

// input returns the emit function of the input processor named from: rows
// read in place come from the record they carry.
func (js *joinSides) input(from string) (emitFn, error) {
	side, err := js.sideOf(from)
	if err != nil {
		return nil, err
	}
	return func(m *rowMeta, row types.Row) error {
		return js.process(side, m, row, srcPos{partition: m.partition, pos: m.offset})
	}, nil
}

func (js *joinSides) sideOf(from string) (int, error) {
	switch from {
	case js.inputs[0]:
		return 0, nil
	case js.inputs[1]:
		return 1, nil
	}
	return 0, fmt.Errorf("%s is not an input of the join", from)
}

// key evaluates a side's join key and encodes it (valid until the next
// call); a NULL key joins nothing (ksqlDB drops the record): nil, nil.
func (js *joinSides) key(side int, m *rowMeta, row types.Row) (any, []byte, error) {
	key, err := js.keyValue(side, m, row)
	if err != nil || key == nil {
		return nil, nil, err
	}
	js.keyBuf = append(js.keyBuf[:0], key)
	kb, err := js.keyCodec.Encode(js.keyBuf)
	if err != nil {
		return nil, nil, &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	return key, kb, nil
}

// keyValue evaluates a side's join key.
func (js *joinSides) keyValue(side int, m *rowMeta, row types.Row) (any, error) {
	keyFn := js.leftKey
	if side == 1 {
		keyFn = js.rightKey
	}
	key, err := keyFn(row)
	if err != nil {
		return nil, &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	return key, nil
}

// encodeRow encodes a side's row after its time, into js.buf.
func (js *joinSides) encodeRow(side int, ts int64, row types.Row) ([]byte, error) {
	b, err := agg.AppendRow(state.AppendInt64(js.buf[:0], ts), js.types[side], row)
	js.buf = b
	return b, err
}

// decodeRow decodes what encodeRow wrote into dst.
func (js *joinSides) decodeRow(side int, v []byte, dst types.Row) (int64, error) {
	if len(v) < 8 {
		return 0, state.ErrMalformedKey
	}
	_, err := agg.ReadRow(v[8:], js.types[side], dst)
	return state.Int64At(v), err
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

// lookup reads a table side's row for key k into jp.rows[side] (nil: none).
func (jp *joinProc) lookup(side int, k []byte) (types.Row, int64, error) {
	v, err := jp.tables[side].Get(k)
	if err != nil || v == nil {
		return nil, 0, stateErr(err)
	}
	ts, err := jp.decodeRow(side, v, jp.rows[side])
	if err != nil {
		return nil, 0, stateErr(fmt.Errorf("join state: %w", err))
	}
	return jp.rows[side], ts, nil
}

// store records a table side's new row for key k (nil row: deleted).
func (jp *joinProc) store(m *rowMeta, side int, k []byte, row types.Row) error {
	if row == nil {
		return stateErr(jp.tables[side].Delete(k))
	}
	v, err := jp.encodeRow(side, m.ts, row)
	if err != nil {
		return stateErr(fmt.Errorf("join state: %w", err))
	}
	return stateErr(jp.tables[side].Put(k, v))
}

func (jp *joinProc) process(side int, m *rowMeta, row types.Row, _ srcPos) error {
	key, k, err := jp.key(side, m, row)
	if err != nil || key == nil {
		return err
	}
	var cur types.Row
	if !m.nullValue {
		cur = row
	}
	if !jp.tableTable {
		if side == 1 { // the table: remember, never emit
			return jp.store(m, 1, k, cur)
		}
		if m.nullValue {
			return nil
		}
		other, _, err := jp.lookup(1, k)
		if err != nil {
			return err
		}
		if other == nil && jp.typ != ast.LeftJoin {
			return nil
		}
		return jp.emit(m, m.ts, false, key, row, other)
	}

	// Table-table, after Kafka Streams' KTableKTable{Inner,Left,Outer}Join.
	old, err := jp.tables[side].Get(k)
	if err != nil {
		return stateErr(err)
	}
	hadOld := old != nil
	if err := jp.store(m, side, k, cur); err != nil {
		return err
	}
	other, ots, err := jp.lookup(1-side, k)
	if err != nil {
		return err
	}
	ts := m.ts
	if other == nil {
		if !jp.preserved(side) || (cur == nil && !hadOld) {
			return nil
		}
		if cur == nil {
			return jp.emit(m, ts, true, key, nil, nil)
		}
		return jp.side(m, ts, side, key, cur, nil)
	}
	ts = max(ts, ots)
	if cur == nil && !jp.preserved(1-side) {
		return jp.emit(m, ts, true, key, nil, nil)
	}
	return jp.side(m, ts, side, key, cur, other)
}

// side emits the join of this side's row mine with the other side's row.
func (jp *joinProc) side(m *rowMeta, ts int64, side int, key any, mine, other types.Row) error {
	if side == 0 {
		return jp.emit(m, ts, false, key, mine, other)
	}
	return jp.emit(m, ts, false, key, other, mine)
}

// emit passes on left ‖ right ‖ key; a nil side is all NULLs.
func (js *joinSides) emit(m *rowMeta, ts int64, tombstone bool, key any, left, right types.Row) error {
	clear(js.out)
	copy(js.out[:js.leftW], left)
	copy(js.out[js.leftW:js.leftW+js.rightW], right)
	js.out[js.leftW+js.rightW] = key
	js.meta = *m
	js.meta.ts = ts
	js.meta.nullValue = tombstone
	return js.next(&js.meta, js.out)
}
