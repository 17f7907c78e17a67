package exec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
	"github.com/sluicedb/sluice/state"
)

// Steps of a foreign-key join, carried in the op header of its internal
// topics (the same header the aggregation's repartition topic uses). The
// subscription steps are Kafka Streams' SubscriptionWrapper instructions
// as ksqlDB's version sends them.
const (
	// fkSubscribe: a new left row. It emits when it finds its right row, or
	// (LEFT JOIN) without one.
	fkSubscribe aggOp = iota + 16
	// fkResubscribe: an updated left row. It always emits: without a right
	// row an INNER JOIN emits a tombstone, unsetting the row's old result.
	fkResubscribe
	// fkUnsubscribe: a left row left this foreign key for another one,
	// whose task emits the new result.
	fkUnsubscribe
	// fkUnsubscribeEmit: a left row was deleted: a tombstone for its key.
	fkUnsubscribeEmit
	// fkForeignPut and fkForeignDelete: a right row changed; every left
	// row referencing it is joined again.
	fkForeignPut
	fkForeignDelete
)

// errNullJoinKey: a record on a foreign-key join's internal topic whose key
// is NULL (the sending half never sends one).
var errNullJoinKey = errors.New("null key")

// fkJoinProc is a foreign-key table-table join, after Kafka Streams'
// KTable-KTable foreign-key join (KIP-213), in two halves that meet in the
// task owning a foreign key:
//
//   - where the left table's partition is read, each left change is sent,
//     keyed by its foreign key, to the subscription topic: a new or
//     updated row subscribes to its foreign key, a row whose foreign key
//     changed unsubscribes from the old one, a deleted row unsubscribes
//     and emits a tombstone. The left rows are kept by key (FKLeftStore) to
//     know the old foreign key. Right rows are sent, keyed by primary key,
//     to the foreign topic: both topics key and partition the same way.
//   - where those topics' partition is read, the right rows are kept by
//     primary key (FKRightStore) and the subscribed left rows by foreign
//     key then left key (FKSubscriptionStore). A subscription emits the
//     left row joined with its right row; a right change re-emits every
//     left row subscribed to it.
//
// Results are keyed by the left row's key and stamped with the time of the
// change that caused them. Without internal topics (one task reads every
// partition) the halves call each other directly.
//
// Ordering hazard: a left row whose foreign key moves between tasks is
// unsubscribed in one task and subscribed in another. A right update
// processed by the old task before the unsubscribe arrives re-emits the
// row's old join result, and the two tasks' outputs race: the stale result
// can land after the new one. Kafka Streams closes this with a response
// topic back to the left row's task, which drops responses whose hash of
// the left row is no longer current (KIP-213); Sluice does not do that yet.
type fkJoinProc struct {
	leftJoin      bool
	inputs        []string
	fk, pk        eval.Func
	leftW         int
	rightW        int
	keyIdx        []int
	leftT, rightT []*types.Type
	keyT, fkT     []*types.Type

	left, right, subs state.KeyValueStore
	sendLeft          sendFn
	sendRight         sendFn
	next              emitFn

	old, lrow, rrow types.Row
	keyVals         []any
	kbuf, fbuf      []byte
	rbuf, sbuf      []byte
	out             types.Row
	meta            rowMeta
}

func buildFKJoin(p *planner.Proc, next emitFn, env buildEnv, pl *pipeline) (*fkJoinProc, error) {
	if len(p.JoinInputs) != 2 {
		return nil, fmt.Errorf("join needs two inputs, has %d", len(p.JoinInputs))
	}
	if len(p.Out.Columns) != p.LeftWidth+p.RightWidth+1 || len(p.SourceKeyIndex) == 0 {
		return nil, fmt.Errorf("foreign-key join: bad row layout")
	}
	fp := &fkJoinProc{leftJoin: p.JoinType == ast.LeftJoin, inputs: p.JoinInputs, leftW: p.LeftWidth, rightW: p.RightWidth,
		keyIdx: p.SourceKeyIndex, next: next, out: make(types.Row, len(p.Out.Columns)),
		fkT: []*types.Type{p.LeftKey.Type()}}
	var err error
	if fp.fk, err = eval.Compile(p.LeftKey); err != nil {
		return nil, err
	}
	if fp.pk, err = eval.Compile(p.RightKey); err != nil {
		return nil, err
	}
	for i, c := range p.Out.Columns[:p.LeftWidth+p.RightWidth] {
		if i < p.LeftWidth {
			fp.leftT = append(fp.leftT, c.Type)
		} else {
			fp.rightT = append(fp.rightT, c.Type)
		}
	}
	for _, i := range fp.keyIdx {
		fp.keyT = append(fp.keyT, fp.leftT[i])
	}
	fp.keyVals = make([]any, len(fp.keyIdx))
	fp.old, fp.lrow, fp.rrow = make(types.Row, fp.leftW), make(types.Row, fp.leftW), make(types.Row, fp.rightW)
	for _, s := range []struct {
		dst  *state.KeyValueStore
		name string
	}{{&fp.left, planner.FKLeftStore}, {&fp.right, planner.FKRightStore}, {&fp.subs, planner.FKSubscriptionStore}} {
		if *s.dst, err = env.stores.kv(s.name); err != nil {
			return nil, fmt.Errorf("open store %s: %w", s.name, err)
		}
	}
	fp.sendLeft, fp.sendRight = fp.subscription, fp.foreign
	if env.internal != nil {
		sub := newRepartition(env.topicPrefix+planner.FKSubscriptionTopic, types.Schema{Columns: p.Out.Columns[:fp.leftW]}, env.internal, fp.subscription)
		fgn := newRepartition(env.topicPrefix+planner.FKForeignTopic, types.Schema{Columns: p.Out.Columns[fp.leftW : fp.leftW+fp.rightW]}, env.internal, fp.foreign)
		pl.internal[sub.topic], pl.internal[fgn.topic] = sub.receive, fgn.receive
		fp.sendLeft, fp.sendRight = sub.send, fgn.send
	}
	return fp, nil
}

// input returns the emit function of the input processor named from.
func (fp *fkJoinProc) input(from string) (emitFn, error) {
	switch from {
	case fp.inputs[0]:
		return fp.leftChange, nil
	case fp.inputs[1]:
		return fp.rightChange, nil
	}
	return nil, fmt.Errorf("%s is not an input of the join", from)
}

// leftChange turns a left table change into subscription steps.
func (fp *fkJoinProc) leftChange(m *rowMeta, row types.Row) error {
	for i, j := range fp.keyIdx {
		fp.keyVals[i] = row[j]
	}
	sk, err := agg.AppendRow(fp.kbuf[:0], fp.keyT, fp.keyVals)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.kbuf = sk
	prev, err := fp.left.Get(sk)
	if err != nil {
		return err
	}
	hadOld := prev != nil
	if hadOld {
		if _, err := agg.ReadRow(prev, fp.leftT, fp.old); err != nil {
			return err
		}
	}
	src := positionOf(m, opAdd)
	if m.nullValue {
		if !hadOld {
			return nil
		}
		if err := fp.left.Delete(sk); err != nil {
			return err
		}
		return fp.route(m, fp.old, fkUnsubscribeEmit, src)
	}
	op := fkSubscribe
	if hadOld {
		op = fkResubscribe
		oldFK, err := fp.fk(fp.old)
		if err != nil {
			oldFK = nil // it subscribed nowhere
		}
		newFK, err := fp.fk(row)
		if err != nil {
			return &recordError{m: m, err: fmt.Errorf("foreign key: %w", err)}
		}
		if oldFK != nil && !fp.sameFK(oldFK, newFK) {
			if err := fp.route(m, fp.old, fkUnsubscribe, src); err != nil {
				return err
			}
		}
	}
	enc, err := agg.AppendRow(fp.rbuf[:0], fp.leftT, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.rbuf = enc
	if err := fp.left.Put(sk, enc); err != nil {
		return err
	}
	return fp.route(m, row, op, src)
}

// sameFK tells whether two foreign keys are the same key (by encoding, as
// Kafka Streams compares serialized keys).
func (fp *fkJoinProc) sameFK(a, b any) bool {
	if b == nil {
		return false
	}
	ea, err1 := agg.AppendRow(nil, fp.fkT, []any{a})
	eb, err2 := agg.AppendRow(nil, fp.fkT, []any{b})
	return err1 == nil && err2 == nil && string(ea) == string(eb)
}

// route sends a subscription step to the task owning the row's foreign key.
// A NULL foreign key references no right row: the step completes here.
func (fp *fkJoinProc) route(m *rowMeta, row types.Row, op aggOp, src srcPos) error {
	fk, err := fp.fk(row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("foreign key: %w", err)}
	}
	if fk == nil {
		return fp.unmatched(m, row, op)
	}
	fkey, err := agg.AppendRow(fp.fbuf[:0], fp.fkT, []any{fk})
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.fbuf = fkey
	return fp.sendLeft(m, row, nil, fkey, op, src)
}

// rightChange sends a right table change to the task owning its key.
func (fp *fkJoinProc) rightChange(m *rowMeta, row types.Row) error {
	pk, err := fp.pk(row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
	}
	if pk == nil {
		return nil
	}
	key, err := agg.AppendRow(fp.fbuf[:0], fp.fkT, []any{pk})
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.fbuf = key
	op := fkForeignPut
	if m.nullValue {
		op = fkForeignDelete
	}
	return fp.sendRight(m, row, nil, key, op, positionOf(m, opAdd))
}

// subKey is the subscription store's key: the foreign key's encoding,
// length-prefixed so that one foreign key's entries are a key range, then
// the left key's.
func (fp *fkJoinProc) subKey(dst, fkey []byte, row types.Row) ([]byte, error) {
	dst = binary.AppendUvarint(dst[:0], uint64(len(fkey)))
	dst = append(dst, fkey...)
	for i, j := range fp.keyIdx {
		fp.keyVals[i] = row[j]
	}
	return agg.AppendRow(dst, fp.keyT, fp.keyVals)
}

// subscription applies a subscription step in the task owning the foreign key.
func (fp *fkJoinProc) subscription(m *rowMeta, row types.Row, _ []any, _ []byte, op aggOp, _ srcPos) error {
	fk, err := fp.fk(row)
	if err == nil && fk == nil {
		err = errNullJoinKey
	}
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("foreign key of a subscription: %w", err)}
	}
	fkey, err := agg.AppendRow(fp.fbuf[:0], fp.fkT, []any{fk})
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.fbuf = fkey
	if fp.sbuf, err = fp.subKey(fp.sbuf, fkey, row); err != nil {
		return &recordError{m: m, err: err}
	}
	switch op {
	case fkUnsubscribe:
		return fp.subs.Delete(fp.sbuf)
	case fkUnsubscribeEmit:
		if err := fp.subs.Delete(fp.sbuf); err != nil {
			return err
		}
		return fp.emit(m, row, nil, true)
	case fkSubscribe, fkResubscribe:
	default:
		return &recordError{m: m, err: fmt.Errorf("unknown foreign-key join step %d", op)}
	}
	enc, err := agg.AppendRow(fp.rbuf[:0], fp.leftT, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.rbuf = enc
	if err := fp.subs.Put(fp.sbuf, enc); err != nil {
		return err
	}
	rv, err := fp.right.Get(fkey)
	if err != nil {
		return err
	}
	if rv == nil {
		return fp.unmatched(m, row, op)
	}
	if _, err := agg.ReadRow(rv, fp.rightT, fp.rrow); err != nil {
		return err
	}
	return fp.emit(m, row, fp.rrow, false)
}

// unmatched completes a subscription step that found no right row.
func (fp *fkJoinProc) unmatched(m *rowMeta, row types.Row, op aggOp) error {
	switch {
	case op == fkUnsubscribe || op == fkSubscribe && !fp.leftJoin:
		return nil
	case op == fkUnsubscribeEmit || !fp.leftJoin:
		return fp.emit(m, row, nil, true)
	}
	return fp.emit(m, row, nil, false)
}

// foreign applies a right change in the task owning its key and re-joins
// the left rows subscribed to it.
func (fp *fkJoinProc) foreign(m *rowMeta, row types.Row, _ []any, fkey []byte, op aggOp, _ srcPos) error {
	pk, err := fp.pk(row)
	if err == nil && pk == nil {
		err = errNullJoinKey
	}
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key of a right row: %w", err)}
	}
	if fkey, err = agg.AppendRow(fp.fbuf[:0], fp.fkT, []any{pk}); err != nil {
		return &recordError{m: m, err: err}
	}
	fp.fbuf = fkey
	var right types.Row
	if op == fkForeignDelete {
		prev, err := fp.right.Get(fkey)
		if err != nil || prev == nil {
			return err
		}
		if err := fp.right.Delete(fkey); err != nil {
			return err
		}
	} else {
		enc, err := agg.AppendRow(fp.rbuf[:0], fp.rightT, row)
		if err != nil {
			return &recordError{m: m, err: err}
		}
		fp.rbuf = enc
		if err := fp.right.Put(fkey, enc); err != nil {
			return err
		}
		right = row
	}
	// Collect first: emitting may reach stores while an iterator is open.
	from := binary.AppendUvarint(nil, uint64(len(fkey)))
	from = append(from, fkey...)
	var lefts [][]byte
	if err := fp.subs.Range(from, prefixEnd(from), func(_, v []byte) bool {
		lefts = append(lefts, append([]byte(nil), v...))
		return true
	}); err != nil {
		return err
	}
	for _, v := range lefts {
		if _, err := agg.ReadRow(v, fp.leftT, fp.lrow); err != nil {
			return err
		}
		tombstone := right == nil && !fp.leftJoin
		if err := fp.emit(m, fp.lrow, right, tombstone); err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd is the first key after every key starting with prefix (nil:
// none, the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// emit passes on left ‖ right ‖ foreign key, keyed by the left row's key
// columns; a tombstone carries only those.
func (fp *fkJoinProc) emit(m *rowMeta, left, right types.Row, tombstone bool) error {
	clear(fp.out)
	copy(fp.out[:fp.leftW], left)
	copy(fp.out[fp.leftW:fp.leftW+fp.rightW], right)
	if fk, err := fp.fk(left); err == nil {
		fp.out[fp.leftW+fp.rightW] = fk
	}
	fp.meta = *m
	fp.meta.nullValue = tombstone
	return fp.next(&fp.meta, fp.out)
}
