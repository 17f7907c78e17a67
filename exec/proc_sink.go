package exec

import (
	"context"
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// sinkProc encodes rows with the sink's formats and produces them.
type sinkProc struct {
	topic          string
	key, val       serde.Codec
	keyEnc, valEnc serde.Appender // key and val
	keyIdx         []int
	valIdx         []int
	tsIdx          int
	tsFormat       string
	windowed       bool
	session        bool
	produce        func(r *kafka.Record) error
	// Scratch reused for every record; the producer copies rec out.
	keyBuf, valBuf []any
	rec            kafka.Record
	// slab is the free tail of the buffer that encoded keys and values are
	// appended to, many records per allocation. Bytes handed to the
	// producer are never written again, and a slab is freed once the last
	// record using it is acknowledged.
	slab []byte
}

// slabSize is the size of a fresh slab; slabMin the free space below which
// a new one is started rather than letting append copy a nearly full one.
const (
	slabSize = 32 << 10
	slabMin  = 512
)

// encode appends the encoding of vals with c to the slab and returns it;
// nil means a Kafka null.
func (sp *sinkProc) encode(c serde.Appender, vals []any) ([]byte, error) {
	if cap(sp.slab) < slabMin {
		sp.slab = make([]byte, 0, slabSize)
	}
	out, null, err := c.AppendEncode(sp.slab, vals)
	if err != nil || null {
		return nil, err
	}
	// The record's bytes end at its own capacity, so nothing appended later
	// can reach them; an encoding larger than the slab moved to a new array.
	enc := out[:len(out):len(out)]
	sp.slab = out[len(out):]
	return enc, nil
}

func newSinkProc(p *planner.Proc, produce func(r *kafka.Record) error) (*sinkProc, error) {
	sp := &sinkProc{topic: p.Topic, keyIdx: p.KeyIndex, valIdx: p.ValueIndex, tsIdx: p.SinkTimestampIndex, tsFormat: p.TimestampFormat,
		windowed: p.Windowed != nil, session: p.Windowed != nil && p.Windowed.Type == ast.Session, produce: produce}
	var err error
	if sp.key, err = serde.NewKeyCodec(p.KeyFormat.Format, p.Schema.Keys(), codecOptions(p.KeyFormat)); err != nil {
		return nil, fmt.Errorf("sink %s: %w", p.Topic, err)
	}
	if sp.val, err = serde.NewValueCodec(p.ValueFormat.Format, p.Schema.Values(), codecOptions(p.ValueFormat)); err != nil {
		return nil, fmt.Errorf("sink %s: %w", p.Topic, err)
	}
	sp.keyEnc, sp.valEnc = serde.AppenderOf(sp.key), serde.AppenderOf(sp.val)
	return sp, nil
}

func allNil(vs []any) bool {
	for _, v := range vs {
		if v != nil {
			return false
		}
	}
	return true
}

// pick gathers row[idx...] into buf (reused across records).
func pick(buf []any, row types.Row, idx []int) []any {
	buf = buf[:0]
	for _, j := range idx {
		buf = append(buf, row[j])
	}
	return buf
}

func (sp *sinkProc) emit(m *rowMeta, row types.Row) error {
	var key []byte
	var err error
	if len(sp.keyIdx) > 0 {
		sp.keyBuf = pick(sp.keyBuf, row, sp.keyIdx)
		// A key of nothing but NULLs is a null key, not {"K1":null,...}.
		if !allNil(sp.keyBuf) {
			key, err = sp.encode(sp.keyEnc, sp.keyBuf)
		}
		if err != nil {
			return sp.serializeError(m, "key", err)
		}
	}
	if sp.windowed && m.windowed {
		if sp.session {
			key = serde.EncodeSessionWindowKey(key, m.windowStart, m.windowEnd)
		} else {
			key = serde.EncodeTimeWindowKey(key, m.windowStart)
		}
	}
	var val []byte
	if !m.nullValue {
		sp.valBuf = pick(sp.valBuf, row, sp.valIdx)
		if val, err = sp.encode(sp.valEnc, sp.valBuf); err != nil {
			return sp.serializeError(m, "value", err)
		}
	}
	if n := recordSize(key, val, m.headers); n > kafka.MaxRecordBytes {
		// The producer would refuse it and fail the query: it is this
		// record's fault, so it goes to the processing log instead.
		target := "value"
		if len(key) > len(val) {
			target = "key"
		}
		return sp.serializeError(m, target, fmt.Errorf("the record is %d bytes, over the %d bytes a record may have", n, kafka.MaxRecordBytes))
	}
	ts, err := sinkTime(sp.tsIdx, sp.tsFormat, m, row)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	if ts < 0 {
		return &recordError{m: m, err: fmt.Errorf("invalid (negative) output timestamp %d: record dropped", ts)}
	}
	// Input headers travel with the record, as in Kafka Streams.
	sp.rec = kafka.Record{Topic: sp.topic, Partition: -1, Key: key, Value: val, Timestamp: ts, Headers: m.headers}
	return sp.produce(&sp.rec)
}

func (sp *sinkProc) serializeError(m *rowMeta, target string, err error) error {
	return &recordError{m: m, err: serde.SerializeError(sp.topic, err), serialize: true, target: target, sinkTopic: sp.topic}
}

// recordSize is the size of a record's key, value and headers.
func recordSize(key, val []byte, headers []kafka.Header) int {
	n := len(key) + len(val)
	for _, h := range headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// sinkTime is the time of an output record: the sink's TIMESTAMP column
// (index tsIdx, read with format) when it has one, else the input's. As in
// ksqlDB, a row whose column gives no time is dropped (the error says why);
// a tombstone keeps the input's time.
func sinkTime(tsIdx int, format string, m *rowMeta, row types.Row) (int64, error) {
	if tsIdx < 0 || m.nullValue {
		return m.ts, nil
	}
	t, err := toMillis(row[tsIdx], format)
	if err != nil {
		return 0, fmt.Errorf("Failed to extract timestamp from row: %w", err)
	}
	return t, nil
}

// clientSink hands rows of a push query to the client, stopping at LIMIT.
type clientSink struct {
	ctx   context.Context
	out   chan<- []any
	limit int64
	sent  int64
	done  func()
}

func (c *clientSink) emit(m *rowMeta, row types.Row) error {
	if c.limit >= 0 && c.sent >= c.limit {
		return nil
	}
	if m.nullValue {
		return nil // push queries do not surface null values and tombstones
	}
	select {
	case c.out <- append([]any(nil), row...):
	case <-c.ctx.Done():
		return nil
	}
	c.sent++
	if c.limit >= 0 && c.sent >= c.limit {
		c.done()
	}
	return nil
}
