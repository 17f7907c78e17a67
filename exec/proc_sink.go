package exec

import (
	"context"
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// sinkProc encodes rows with the sink's formats and produces them.
type sinkProc struct {
	topic    string
	key, val serde.Codec
	keyIdx   []int
	valIdx   []int
	tsIdx    int
	produce  func(r *kafka.Record) error
}

func newSinkProc(p *planner.Proc, produce func(r *kafka.Record) error) (*sinkProc, error) {
	sp := &sinkProc{topic: p.Topic, keyIdx: p.KeyIndex, valIdx: p.ValueIndex, tsIdx: p.SinkTimestampIndex, produce: produce}
	var err error
	if sp.key, err = serde.NewKeyCodec(p.KeyFormat.Format, p.Schema.Keys(), codecOptions(p.KeyFormat)); err != nil {
		return nil, fmt.Errorf("sink %s: %w", p.Topic, err)
	}
	if sp.val, err = serde.NewValueCodec(p.ValueFormat.Format, p.Schema.Values(), codecOptions(p.ValueFormat)); err != nil {
		return nil, fmt.Errorf("sink %s: %w", p.Topic, err)
	}
	return sp, nil
}

func pick(row types.Row, idx []int) []any {
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = row[j]
	}
	return out
}

func (sp *sinkProc) emit(m *rowMeta, row types.Row) error {
	var key []byte
	var err error
	if len(sp.keyIdx) > 0 {
		if key, err = sp.key.Encode(pick(row, sp.keyIdx)); err != nil {
			return &recordError{m: m, err: serde.SerializeError(sp.topic, err)}
		}
	}
	var val []byte
	if !m.nullValue {
		if val, err = sp.val.Encode(pick(row, sp.valIdx)); err != nil {
			return &recordError{m: m, err: serde.SerializeError(sp.topic, err)}
		}
	}
	ts := m.ts
	if sp.tsIdx >= 0 {
		if t, err := toMillis(row[sp.tsIdx], ""); err == nil {
			ts = t
		}
	}
	return sp.produce(&kafka.Record{Topic: sp.topic, Partition: -1, Key: key, Value: val, Timestamp: ts})
}

// clientSink hands rows of a push query to the client, stopping at LIMIT.
type clientSink struct {
	ctx   context.Context
	out   chan<- []any
	limit int64
	sent  int64
	done  func()
}

func (c *clientSink) emit(_ *rowMeta, row types.Row) error {
	if c.limit >= 0 && c.sent >= c.limit {
		return nil
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
