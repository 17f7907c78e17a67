package exec

import (
	"encoding/binary"

	"github.com/sluicedb/sluice/exec/agg"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/sql/types"
)

// opHeader, first on every repartition record, carries the aggregation step:
// the op (add, or take a table row's old contribution back out), then the
// input partition (4 bytes) and position (8 bytes) it comes from, so the
// aggregation (or join) can skip steps it already holds after a crash.
const opHeader = "sluice.op"

// tombstoneFlag, or-ed into the op byte, marks the row of a table deletion
// (a join's table side re-keyed to another key format), whose value columns
// are NULL. Aggregations never set it: they send what a row retracts.
const tombstoneFlag = 0x80

// repartition carries rows to the task that owns their group (or join
// key): the record key is the group key, so Kafka's key partitioner sends
// every row of a group to the same partition of the repartition topic; the
// value is the row in the type-directed binary encoding of exec/agg.
type repartition struct {
	topic   string
	inTypes []*types.Type
	produce func(*kafka.Record)
	apply   sendFn
	// tombstones passes on table deletions (m.nullValue) with tombstoneFlag.
	tombstones bool
	buf        []byte
	row        types.Row
	meta       rowMeta
}

func newRepartition(topic string, in types.Schema, produce func(*kafka.Record), apply sendFn) *repartition {
	rp := &repartition{topic: topic, produce: produce, apply: apply}
	for _, c := range in.Columns {
		rp.inTypes = append(rp.inTypes, c.Type)
	}
	rp.row = make(types.Row, len(rp.inTypes))
	return rp
}

// send writes a row to the repartition topic, keeping its time.
func (rp *repartition) send(m *rowMeta, row types.Row, _ []any, gkey []byte, op aggOp, src srcPos) error {
	b, err := agg.AppendRow(rp.buf[:0], rp.inTypes, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	rp.buf = b
	r := &kafka.Record{Topic: rp.topic, Partition: -1, Key: append([]byte(nil), gkey...), Value: append([]byte(nil), b...),
		Timestamp: m.ts}
	// Headers travel with the row, as Kafka Streams forwards them, after
	// the op header.
	step := make([]byte, 13)
	step[0] = byte(op)
	if rp.tombstones && m.nullValue {
		step[0] |= tombstoneFlag
	}
	binary.BigEndian.PutUint32(step[1:], uint32(src.partition))
	binary.BigEndian.PutUint64(step[5:], uint64(src.pos))
	r.Headers = append(make([]kafka.Header, 0, len(m.headers)+1), kafka.Header{Key: opHeader, Value: step})
	r.Headers = append(r.Headers, m.headers...)
	rp.produce(r)
	return nil
}

// receive decodes a repartition record and aggregates it.
func (rp *repartition) receive(r *kafka.Record) error {
	m := &rp.meta
	*m = rowMeta{topic: r.Topic, partition: r.Partition, offset: r.Offset, ts: r.Timestamp, headers: r.Headers}
	if _, err := agg.ReadRow(r.Value, rp.inTypes, rp.row); err != nil {
		return &recordError{m: m, err: err}
	}
	op, src := opAdd, srcPos{pos: -1}
	if len(r.Headers) > 0 && r.Headers[0].Key == opHeader && len(r.Headers[0].Value) == 13 {
		v := r.Headers[0].Value
		op = aggOp(v[0] &^ tombstoneFlag)
		m.nullValue = v[0]&tombstoneFlag != 0
		src = srcPos{partition: int32(binary.BigEndian.Uint32(v[1:])), pos: int64(binary.BigEndian.Uint64(v[5:]))}
		m.headers = m.headers[1:]
	}
	return rp.apply(m, rp.row, nil, nil, op, src)
}
