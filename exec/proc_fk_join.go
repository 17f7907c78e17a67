package exec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/kafka"
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
// KTable-KTable foreign-key join (KIP-213), in three steps:
//
//   - where the left table's partition is read, each left change is sent,
//     keyed by its foreign key, to the subscription topic: a new or
//     updated row subscribes to its foreign key, a row whose foreign key
//     changed unsubscribes from the old one, a deleted row unsubscribes
//     asking for a tombstone. The left rows are kept by key (FKLeftStore)
//     to know the old foreign key. Right rows are sent, keyed by primary
//     key, to the foreign topic: both topics key and partition the same.
//   - where those topics' partition is read, the right rows are kept by
//     primary key (FKRightStore) and the subscriptions by foreign key then
//     left key (FKSubscriptionStore, holding the subscribed left row's hash
//     and partition). A subscription, or a right change for each of its
//     subscriptions, answers on the response topic, to the left row's
//     partition, with the left row's hash and the right row.
//   - back where the left row lives, a response whose hash is not the
//     current left row's is stale and dropped; the others emit the left
//     row joined with the right row, or a tombstone.
//
// The hash check is what keeps a left row whose foreign key moves between
// tasks right: the old task may still answer (an in-flight right update,
// or the old subscription's answer overtaking the new one), but it answers
// for a left row that is no longer current.
//
// Results are keyed by the left row's key and stamped with the time of the
// change that caused them. Without internal topics (one task reads every
// partition) the steps call each other directly.
type fkJoinProc struct {
	leftJoin      bool
	inputs        []string
	fk, pk        eval.Func
	leftW, rightW int
	keyIdx        []int
	leftT, rightT []*types.Type
	keyT, fkT     []*types.Type

	left, right, subs state.KeyValueStore
	sendLeft          sendFn
	sendRight         sendFn
	respond           func(m *rowMeta, partition int32, lkey, resp []byte) error
	next              emitFn

	old, lrow, rrow types.Row
	keyVals         []any
	kbuf, fbuf      []byte
	rbuf, sbuf      []byte
	vbuf            []byte
	out             types.Row
	meta            rowMeta
}

// Response value layout: flags, the left row's hash, the right row.
const (
	fkHasHash  = 1 << 0 // the left row exists (else: it was deleted)
	fkHasRight = 1 << 1
	fkHashLen  = 16
)

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
	fp.respond = func(m *rowMeta, _ int32, lkey, resp []byte) error { return fp.response(m, lkey, resp) }
	if env.internal != nil {
		sub := newRepartition(env.topicPrefix+planner.FKSubscriptionTopic, types.Schema{Columns: p.Out.Columns[:fp.leftW]}, env.internal, fp.subscription)
		fgn := newRepartition(env.topicPrefix+planner.FKForeignTopic, types.Schema{Columns: p.Out.Columns[fp.leftW : fp.leftW+fp.rightW]}, env.internal, fp.foreign)
		pl.internal[sub.topic], pl.internal[fgn.topic] = sub.receive, fgn.receive
		fp.sendLeft, fp.sendRight = sub.send, fgn.send
		topic := env.topicPrefix + planner.FKResponseTopic
		fp.respond = func(m *rowMeta, partition int32, lkey, resp []byte) error {
			env.internal(&kafka.Record{Topic: topic, Partition: partition, Key: bytes.Clone(lkey), Value: bytes.Clone(resp),
				Timestamp: m.ts, Headers: m.headers})
			return nil
		}
		var meta rowMeta
		pl.internal[topic] = func(r *kafka.Record) error {
			meta = rowMeta{topic: r.Topic, partition: r.Partition, offset: r.Offset, ts: r.Timestamp, headers: r.Headers}
			return fp.response(&meta, r.Key, r.Value)
		}
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

// leftKey encodes row's left key columns into dst.
func (fp *fkJoinProc) leftKey(dst []byte, row types.Row) ([]byte, error) {
	for i, j := range fp.keyIdx {
		fp.keyVals[i] = row[j]
	}
	return agg.AppendRow(dst[:0], fp.keyT, fp.keyVals)
}

// leftChange turns a left table change into subscription steps.
func (fp *fkJoinProc) leftChange(m *rowMeta, row types.Row) error {
	sk, err := fp.leftKey(fp.kbuf, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.kbuf = sk
	prev, err := fp.left.Get(sk)
	if err != nil {
		return stateErr(err)
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
			return stateErr(err)
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
		return stateErr(err)
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
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// route sends a subscription step to the task owning the row's foreign key.
// A NULL foreign key references no right row: the step is answered here.
func (fp *fkJoinProc) route(m *rowMeta, row types.Row, op aggOp, src srcPos) error {
	fk, err := fp.fk(row)
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("foreign key: %w", err)}
	}
	if fk == nil {
		return fp.answer(m, src.partition, row, op, nil)
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

// subPrefix starts the subscription store's keys of one foreign key: its
// encoding, length-prefixed so that one foreign key's entries are a key
// range. The left key's encoding follows.
func subPrefix(dst, fkey []byte) []byte {
	dst = binary.AppendUvarint(dst[:0], uint64(len(fkey)))
	return append(dst, fkey...)
}

// rowHash is the hash a response carries to tell whether the left row it
// answers for is still current.
func rowHash(enc []byte) []byte {
	h := fnv.New128a()
	h.Write(enc)
	return h.Sum(nil)
}

// subscription applies a subscription step in the task owning the foreign key.
func (fp *fkJoinProc) subscription(m *rowMeta, row types.Row, _ []any, _ []byte, op aggOp, src srcPos) error {
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
	lk, err := fp.leftKey(fp.kbuf, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.kbuf = lk
	sk := append(subPrefix(fp.sbuf, fkey), lk...)
	fp.sbuf = sk
	switch op {
	case fkUnsubscribe:
		return stateErr(fp.subs.Delete(sk))
	case fkUnsubscribeEmit:
		if err := fp.subs.Delete(sk); err != nil {
			return stateErr(err)
		}
		return fp.answer(m, src.partition, row, op, nil)
	case fkSubscribe, fkResubscribe:
	default:
		return &recordError{m: m, err: fmt.Errorf("unknown foreign-key join step %d", op)}
	}
	enc, err := agg.AppendRow(fp.rbuf[:0], fp.leftT, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.rbuf = enc
	sub := binary.BigEndian.AppendUint32(nil, uint32(src.partition))
	sub = append(sub, rowHash(enc)...)
	if err := fp.subs.Put(sk, sub); err != nil {
		return stateErr(err)
	}
	rv, err := fp.right.Get(fkey)
	if err != nil {
		return stateErr(err)
	}
	return fp.answer(m, src.partition, row, op, rv)
}

// answer completes a subscription step for the left row: a response to its
// partition, unless the step asks for none (an unsubscribe, or a new row
// of an INNER JOIN without its right row). right is the encoded right row
// (nil: none).
func (fp *fkJoinProc) answer(m *rowMeta, partition int32, row types.Row, op aggOp, right []byte) error {
	switch {
	case op == fkUnsubscribe, op == fkSubscribe && right == nil && !fp.leftJoin:
		return nil
	}
	lk, err := fp.leftKey(fp.kbuf, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	fp.kbuf = lk
	var hash []byte
	if op != fkUnsubscribeEmit {
		enc, err := agg.AppendRow(fp.rbuf[:0], fp.leftT, row)
		if err != nil {
			return &recordError{m: m, err: err}
		}
		fp.rbuf = enc
		hash = rowHash(enc)
	}
	return fp.respond(m, partition, lk, fp.response1(hash, right))
}

// response1 encodes a response value.
func (fp *fkJoinProc) response1(hash, right []byte) []byte {
	var flags byte
	if hash != nil {
		flags |= fkHasHash
	}
	if right != nil {
		flags |= fkHasRight
	}
	v := append(fp.vbuf[:0], flags)
	v = append(v, hash...)
	v = append(v, right...)
	fp.vbuf = v
	return v
}

// foreign applies a right change in the task owning its key and answers
// every subscription to it.
func (fp *fkJoinProc) foreign(m *rowMeta, row types.Row, _ []any, _ []byte, op aggOp, _ srcPos) error {
	pk, err := fp.pk(row)
	if err == nil && pk == nil {
		err = errNullJoinKey
	}
	if err != nil {
		return &recordError{m: m, err: fmt.Errorf("join key of a right row: %w", err)}
	}
	fkey, err := agg.AppendRow(nil, fp.fkT, []any{pk})
	if err != nil {
		return &recordError{m: m, err: err}
	}
	var right []byte
	if op == fkForeignDelete {
		prev, err := fp.right.Get(fkey)
		if err != nil || prev == nil {
			return stateErr(err)
		}
		if err := fp.right.Delete(fkey); err != nil {
			return stateErr(err)
		}
	} else {
		if right, err = agg.AppendRow(nil, fp.rightT, row); err != nil {
			return &recordError{m: m, err: err}
		}
		if err := fp.right.Put(fkey, right); err != nil {
			return stateErr(err)
		}
	}
	// Collect first: answering may write to stores while a range is open.
	from := subPrefix(nil, fkey)
	type sub struct {
		lk, v []byte
	}
	var subs []sub
	if err := fp.subs.Range(from, prefixEnd(from), func(k, v []byte) bool {
		subs = append(subs, sub{lk: bytes.Clone(k[len(from):]), v: bytes.Clone(v)})
		return true
	}); err != nil {
		return stateErr(err)
	}
	for _, s := range subs {
		if len(s.v) != 4+fkHashLen {
			return fmt.Errorf("store %s: bad subscription of %d bytes", planner.FKSubscriptionStore, len(s.v))
		}
		if err := fp.respond(m, int32(binary.BigEndian.Uint32(s.v)), s.lk, fp.response1(s.v[4:], right)); err != nil {
			return err
		}
	}
	return nil
}

// prefixEnd is the first key after every key starting with prefix (nil:
// none, the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// response emits the join result a response carries, where the left row
// lives, unless the left row has changed since (a stale response).
func (fp *fkJoinProc) response(m *rowMeta, lkey, resp []byte) error {
	if len(resp) < 1 || resp[0]&fkHasHash != 0 && len(resp) < 1+fkHashLen {
		return &recordError{m: m, err: fmt.Errorf("bad foreign-key join response of %d bytes", len(resp))}
	}
	flags, rest := resp[0], resp[1:]
	cur, err := fp.left.Get(lkey)
	if err != nil {
		return stateErr(err)
	}
	if flags&fkHasHash != 0 {
		if cur == nil || !bytes.Equal(rowHash(cur), rest[:fkHashLen]) {
			return nil
		}
		rest = rest[fkHashLen:]
	} else if cur != nil {
		return nil // deleted, then written again: that write answers
	}
	if cur != nil {
		if _, err := agg.ReadRow(cur, fp.leftT, fp.lrow); err != nil {
			return err
		}
	} else {
		clear(fp.lrow)
		if _, err := agg.ReadRow(lkey, fp.keyT, fp.keyVals); err != nil {
			return &recordError{m: m, err: err}
		}
		for i, j := range fp.keyIdx {
			fp.lrow[j] = fp.keyVals[i]
		}
	}
	var right types.Row
	if flags&fkHasRight != 0 {
		if _, err := agg.ReadRow(rest, fp.rightT, fp.rrow); err != nil {
			return &recordError{m: m, err: err}
		}
		right = fp.rrow
	}
	return fp.emit(m, fp.lrow, right, right == nil && (!fp.leftJoin || cur == nil))
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
