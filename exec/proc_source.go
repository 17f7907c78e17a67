package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/eval"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// sourceProc decodes records of a topic into rows laid out as the source's
// columns followed by ROWTIME, ROWPARTITION, ROWOFFSET.
type sourceProc struct {
	topic    string
	key, val serde.Codec
	keyPos   []int // row index of each key column
	valPos   []int // row index of each value column
	hdrPos   []int
	hdrKeys  []string
	width    int
	tsIndex  int
	tsFormat string
	table    bool
	next     emitFn
	// meta and row are reused for every record: processing is synchronous
	// and no processor keeps them past its call.
	meta rowMeta
	row  types.Row
}

func newSourceProc(p *planner.Proc, next emitFn) (*sourceProc, error) {
	sp := &sourceProc{topic: p.Topic, tsIndex: p.TimestampIndex, tsFormat: p.TimestampFormat, table: p.Table, next: next,
		width: len(p.Schema.Columns) + len(types.PseudoColumns)}
	var keys, vals []types.Column
	var skip []bool
	for i, c := range p.Schema.Columns {
		switch c.Namespace {
		case types.KeyColumn:
			keys = append(keys, c)
			sp.keyPos = append(sp.keyPos, i)
		case types.ValueColumn:
			vals = append(vals, c)
			sp.valPos = append(sp.valPos, i)
			skip = append(skip, p.Needed != nil && !p.Needed[i])
		case types.HeaderColumn:
			sp.hdrPos = append(sp.hdrPos, i)
			sp.hdrKeys = append(sp.hdrKeys, c.HeaderKey)
		}
	}
	var err error
	if sp.key, err = serde.NewKeyCodec(p.KeyFormat.Format, keys, codecOptions(p.KeyFormat)); err != nil {
		return nil, fmt.Errorf("source %s: %w", p.Topic, err)
	}
	vopts := codecOptions(p.ValueFormat)
	vopts.Skip = skip
	if sp.val, err = serde.NewValueCodec(p.ValueFormat.Format, vals, vopts); err != nil {
		return nil, fmt.Errorf("source %s: %w", p.Topic, err)
	}
	return sp, nil
}

// decode turns a record into a row. A null value gives a row of key columns
// with m.nullValue set.
func (sp *sourceProc) decode(r *kafka.Record) (types.Row, *rowMeta, error) {
	m := &sp.meta
	*m = rowMeta{topic: r.Topic, partition: r.Partition, offset: r.Offset, ts: r.Timestamp, headers: r.Headers}
	if sp.row == nil {
		sp.row = make(types.Row, sp.width)
	}
	row := sp.row
	clear(row)
	kv, err := sp.key.Decode(r.Key)
	if err != nil {
		return nil, m, serde.DeserializeError(r.Topic, true, err)
	}
	keyNull := true
	for i, pos := range sp.keyPos {
		if i < len(kv) {
			row[pos] = kv[i]
			keyNull = keyNull && kv[i] == nil
		}
	}
	if sp.table && keyNull && len(sp.keyPos) > 0 {
		// A table has no row without a primary key (KTable drops them).
		return nil, m, fmt.Errorf("table record with a null key skipped")
	}
	var vv []any
	if r.Value == nil {
		m.nullValue = true
	} else if vv, err = sp.val.Decode(r.Value); err != nil {
		return nil, m, serde.DeserializeError(r.Topic, false, err)
	}
	for i, pos := range sp.valPos {
		if i < len(vv) {
			row[pos] = vv[i]
		}
	}
	for i, pos := range sp.hdrPos {
		row[pos] = headerValue(r.Headers, sp.hdrKeys[i])
	}
	if sp.tsIndex >= 0 && !m.nullValue {
		ts, err := toMillis(row[sp.tsIndex], sp.tsFormat)
		if err != nil {
			return nil, m, err
		}
		m.ts = ts
	}
	if m.ts < 0 {
		return nil, m, fmt.Errorf("invalid (negative) timestamp %d: record skipped", m.ts)
	}
	n := len(row) - len(types.PseudoColumns)
	row[n] = m.ts
	row[n+1] = r.Partition
	row[n+2] = r.Offset
	return row, m, nil
}

func headerValue(hs []kafka.Header, key string) any {
	if key != "" {
		var last any
		for _, h := range hs {
			if h.Key == key {
				last = h.Value
			}
		}
		return last
	}
	arr := make([]any, 0, len(hs))
	for _, h := range hs {
		arr = append(arr, &types.Struct{Values: []any{h.Key, h.Value}})
	}
	return arr
}

func (sp *sourceProc) process(r *kafka.Record) error {
	row, m, err := sp.decode(r)
	if err != nil {
		return &recordError{m: m, err: err}
	}
	return sp.next(m, row)
}

func toMillis(v any, format string) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case types.Timestamp:
		return int64(v), nil
	case nil:
		return 0, fmt.Errorf("timestamp column is null")
	case string:
		t, err := eval.ParseTimestamp(v, format)
		if err != nil {
			return 0, err
		}
		return t, nil
	}
	return 0, fmt.Errorf("cannot use %T as a timestamp", v)
}
