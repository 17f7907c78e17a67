package exec

import (
	"errors"
	"fmt"

	"github.com/sluicedb/sluice/exec/eval"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// sourceProc decodes records of a topic into rows laid out as the source's
// columns followed by ROWTIME, ROWPARTITION, ROWOFFSET.
type sourceProc struct {
	topic          string
	key, val       serde.Codec
	keyDec, valDec serde.RowDecoder // key and val
	keyPos         []int            // row index of each key column
	valPos         []int            // row index of each value column
	hdrPos         []int
	hdrKeys        []string
	width          int
	tsIndex        int
	tsFormat       string
	table          bool
	// window is set for a windowed source: keys carry the window, and
	// rows end with WINDOWSTART and WINDOWEND after the pseudo-columns.
	window *ast.Window
	nCols  int // the source's columns, before the pseudo-columns
	// badTimeFatal: an unreadable timestamp column fails the query.
	badTimeFatal bool
	next         emitFn
	// meta, row and the decode buffers are reused for every record:
	// processing is synchronous and no processor keeps them past its call.
	// Values decoded into them live in scratch's chunks, which are never
	// rewritten, so a processor may keep the values themselves.
	meta          rowMeta
	row           types.Row
	keyVals, vals []any
	scratch       serde.Scratch
	// covered: every column is a key, value or header column, so decode
	// writes each slot of row and need not clear it first.
	covered bool
}

func newSourceProc(p *planner.Proc, next emitFn) (*sourceProc, error) {
	sp := &sourceProc{topic: p.Topic, tsIndex: p.TimestampIndex, tsFormat: p.TimestampFormat, table: p.Table, next: next,
		window: p.Windowed, nCols: len(p.Schema.Columns), width: len(p.Schema.Columns) + len(types.PseudoColumns)}
	if sp.window != nil {
		sp.width += 2
	}
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
	sp.keyDec, sp.valDec = serde.RowDecoderOf(sp.key), serde.RowDecoderOf(sp.val)
	sp.row = make(types.Row, sp.width)
	sp.covered = len(sp.keyPos)+len(sp.valPos)+len(sp.hdrPos) == len(p.Schema.Columns)
	sp.keyVals = make([]any, len(keys))
	sp.vals = make([]any, len(vals))
	return sp, nil
}

// decode turns a record into a row. A null value gives a row of key columns
// with m.nullValue set.
func (sp *sourceProc) decode(r *kafka.Record) (types.Row, *rowMeta, error) {
	m := &sp.meta
	*m = rowMeta{topic: r.Topic, partition: r.Partition, offset: r.Offset, ts: r.Timestamp, headers: r.Headers}
	row := sp.row
	if !sp.covered {
		clear(row)
	}
	kv := sp.keyVals
	key := r.Key
	if sp.window != nil && key != nil {
		var err error
		if key, m.windowStart, m.windowEnd, err = splitWindowedKey(sp.window, key); err != nil {
			return nil, m, serde.DeserializeError(r.Topic, true, err)
		}
		m.windowed = true
	}
	if err := sp.keyDec.DecodeInto(kv, key, &sp.scratch); err != nil {
		return nil, m, serde.DeserializeError(r.Topic, true, err)
	}
	keyNull := true
	for i, pos := range sp.keyPos {
		row[pos] = kv[i]
		keyNull = keyNull && kv[i] == nil
	}
	if sp.table && keyNull && len(sp.keyPos) > 0 {
		// A table has no row without a primary key (KTable drops them).
		return nil, m, fmt.Errorf("table record with a null key skipped")
	}
	if r.Value == nil {
		m.nullValue = true
		for _, pos := range sp.valPos {
			row[pos] = nil
		}
	} else {
		vv := sp.vals
		if err := sp.valDec.DecodeInto(vv, r.Value, &sp.scratch); err != nil {
			return nil, m, serde.DeserializeError(r.Topic, false, err)
		}
		for i, pos := range sp.valPos {
			row[pos] = vv[i]
		}
	}
	for i, pos := range sp.hdrPos {
		row[pos] = headerValue(r.Headers, sp.hdrKeys[i])
	}
	if sp.tsIndex >= 0 && !m.nullValue {
		ts, err := toMillis(row[sp.tsIndex], sp.tsFormat)
		if err != nil && sp.badTimeFatal {
			return nil, m, &fatalError{fmt.Errorf("Fatal user code error in TimestampExtractor callback for record (topic %s, partition %d, offset %d): %w",
				r.Topic, r.Partition, r.Offset, err)}
		}
		if err != nil {
			return nil, m, err
		}
		m.ts = ts
	}
	if m.ts < 0 {
		return nil, m, fmt.Errorf("invalid (negative) timestamp %d: record skipped", m.ts)
	}
	n := sp.nCols
	row[n] = sp.scratch.Int64(m.ts)
	row[n+1] = r.Partition
	row[n+2] = sp.scratch.Int64(r.Offset)
	if sp.window != nil {
		if m.windowed {
			row[n+3], row[n+4] = sp.scratch.Int64(m.windowStart), sp.scratch.Int64(m.windowEnd)
		} else {
			row[n+3], row[n+4] = nil, nil
		}
	}
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
	var fatal *fatalError
	if errors.As(err, &fatal) {
		return fatal
	}
	if err != nil {
		return &recordError{m: m, err: err, raw: r.Value, decode: true}
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
