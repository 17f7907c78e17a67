package exec

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// assertTimeout bounds how long ASSERT VALUES waits for the next record.
const assertTimeout = 10 * time.Second

// topicReader reads a topic from its start for one session, remembering
// what it has handed out.
type topicReader struct {
	cons *kafka.Consumer
	buf  []kafka.Record
}

func (r *topicReader) close() { r.cons.Close() }

func (e *Engine) nextRecord(ctx context.Context, s *Session, src *catalog.Source, timeout time.Duration) (*OutputRecord, error) {
	rd := s.readers[src.Topic]
	if rd == nil {
		offs, err := e.client.StartOffsets(ctx, src.Topic)
		if err != nil {
			return nil, err
		}
		cons, err := e.client.NewPartitionConsumer(src.Topic, offs)
		if err != nil {
			return nil, err
		}
		rd = &topicReader{cons: cons}
		s.readers[src.Topic] = rd
	}
	deadline := time.Now().Add(timeout)
	for len(rd.buf) == 0 {
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		pctx, cancel := context.WithTimeout(ctx, left)
		recs, err := rd.cons.Poll(pctx)
		cancel()
		if err != nil {
			return nil, err
		}
		rd.buf = append(rd.buf, recs...)
	}
	r := rd.buf[0]
	rd.buf = rd.buf[1:]
	return decodeOutput(src, &r)
}

func decodeOutput(src *catalog.Source, r *kafka.Record) (*OutputRecord, error) {
	out := &OutputRecord{Timestamp: r.Timestamp, Partition: r.Partition, Offset: r.Offset}
	keys, vals := src.Schema.Keys(), src.Schema.Values()
	kc, err := serde.NewKeyCodec(src.KeyFormat.Format, keys, codecOptions(src.KeyFormat))
	if err != nil {
		return nil, err
	}
	rawKey := r.Key
	if src.Window != nil && rawKey != nil {
		if rawKey, out.WindowStart, out.WindowEnd, err = splitWindowedKey(src.Window, rawKey); err != nil {
			return nil, fmt.Errorf("decode windowed key of %s: %w", src.Topic, err)
		}
	}
	kv, err := kc.Decode(rawKey)
	if err != nil {
		return nil, fmt.Errorf("decode key of %s: %w", src.Topic, err)
	}
	for i, c := range keys {
		out.Columns = append(out.Columns, c.Name)
		if i < len(kv) {
			out.Values = append(out.Values, kv[i])
		} else {
			out.Values = append(out.Values, nil)
		}
	}
	if r.Value == nil {
		out.Tombstone = true
		return out, nil
	}
	vc, err := serde.NewValueCodec(src.ValueFormat.Format, vals, codecOptions(src.ValueFormat))
	if err != nil {
		return nil, err
	}
	vv, err := vc.Decode(r.Value)
	if err != nil {
		return nil, fmt.Errorf("decode value of %s: %w", src.Topic, err)
	}
	for i, c := range vals {
		out.Columns = append(out.Columns, c.Name)
		if i < len(vv) {
			out.Values = append(out.Values, vv[i])
		} else {
			out.Values = append(out.Values, nil)
		}
	}
	return out, nil
}

func assertErr(st ast.Statement, format string, args ...any) error {
	return ast.Errorf(ast.AssertError, st.Position(), format, args...)
}

func (e *Engine) assertValues(ctx context.Context, s *Session, st *ast.AssertValues) ([]Result, error) {
	src := e.cat.Source(st.Source)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, st.At, "Source %s does not exist.", types.QuoteIdent(st.Source))
	}
	if len(st.Columns) != len(st.Values) {
		return nil, ast.Errorf(ast.SemanticError, st.At, "Expected number columns and values to match: %d, %d", len(st.Columns), len(st.Values))
	}
	want := make([]any, len(st.Values))
	for i, name := range st.Columns {
		t := types.TBigint
		if !isRecordColumn(name) {
			j := src.Schema.Find(name)
			if j < 0 {
				return nil, ast.Errorf(ast.SemanticError, st.Values[i].Position(), "Column name %s does not exist.", types.QuoteIdent(name))
			}
			t = src.Schema.Columns[j].Type
		}
		v, err := constValue(st.Values[i], t, types.QuoteIdent(name))
		if err != nil {
			return nil, err
		}
		want[i] = v
	}
	got, err := e.nextRecord(ctx, s, src, assertTimeout)
	if err != nil {
		return nil, err
	}
	expected := describeExpected(st.Columns, want)
	if got == nil {
		return nil, assertErr(st, "Expected another record (%s) for %s but already read all records.", expected, src.Name)
	}
	if got.Tombstone && !st.Null && onlyNullValues(src, st.Columns, want) {
		// A null-valued stream record reads as all value columns NULL.
		got.Tombstone = false
	}
	if st.Null != got.Tombstone {
		return nil, assertErr(st, "Expected record does not match actual. Expected: %s%s vs. Actual: %s", nullWord(st.Null), expected, describeRecord(got))
	}
	for i, name := range st.Columns {
		var actual any
		switch name {
		case types.RowTime:
			actual = got.Timestamp
		case types.WindowStart:
			actual = got.WindowStart
		case types.WindowEnd:
			actual = got.WindowEnd
		default:
			for j, c := range got.Columns {
				if c == name {
					actual = got.Values[j]
				}
			}
		}
		if !valuesEqual(want[i], actual) {
			return nil, assertErr(st, "Expected record does not match actual. Expected: %s vs. Actual: %s", expected, describeRecord(got))
		}
	}
	return nil, nil
}

func onlyNullValues(src *catalog.Source, cols []string, vals []any) bool {
	for i, c := range cols {
		if j := src.Schema.Find(c); j >= 0 && src.Schema.Columns[j].Namespace == types.ValueColumn && vals[i] != nil {
			return false
		}
	}
	return true
}

// isRecordColumn names the columns taken from the record rather than its value.
func isRecordColumn(name string) bool {
	return name == types.RowTime || name == types.WindowStart || name == types.WindowEnd
}

func nullWord(null bool) string {
	if null {
		return "tombstone "
	}
	return ""
}

func describeExpected(cols []string, vals []any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s=%s", c, showValue(vals[i]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func describeRecord(r *OutputRecord) string {
	parts := make([]string, 0, len(r.Columns)+1)
	for i, c := range r.Columns {
		parts = append(parts, fmt.Sprintf("%s=%s", c, showValue(r.Values[i])))
	}
	parts = append(parts, fmt.Sprintf("ROWTIME=%d", r.Timestamp))
	s := "{" + strings.Join(parts, ", ") + "}"
	if r.Tombstone {
		s += " (tombstone)"
	}
	return s
}

func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + v + "'"
	case []byte:
		return fmt.Sprintf("0x%x", v)
	case *types.Struct:
		parts := make([]string, len(v.Values))
		for i, x := range v.Values {
			parts[i] = showValue(x)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	case *types.Map:
		parts := make([]string, len(v.Keys))
		for i := range v.Keys {
			parts[i] = showValue(v.Keys[i]) + ":=" + showValue(v.Values[i])
		}
		return "MAP(" + strings.Join(parts, ", ") + ")"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = showValue(x)
		}
		return "ARRAY[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// valuesEqual compares two values of the same SQL type; doubles within 1e-6.
func valuesEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.Abs(x-y) <= 1e-6 || math.IsNaN(x) && math.IsNaN(y))
	case types.Decimal:
		y, ok := b.(types.Decimal)
		return ok && x.Rat().Cmp(y.Rat()) == 0
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *types.Struct:
		y, ok := b.(*types.Struct)
		return ok && valuesEqual(x.Values, y.Values)
	case *types.Map:
		y, ok := b.(*types.Map)
		if !ok || len(x.Keys) != len(y.Keys) {
			return false
		}
		for i, k := range x.Keys {
			v, found := y.Get(k)
			if !found || !valuesEqual(x.Values[i], v) {
				return false
			}
		}
		return true
	}
	return a == b
}

func (e *Engine) assertSource(ctx context.Context, s *Session, st *ast.AssertSource) ([]Result, error) {
	src := e.cat.Source(st.Name)
	if st.NotExists {
		if src != nil {
			return nil, assertErr(st, "%s %s exists.", st.Kind, st.Name)
		}
		return nil, nil
	}
	if src == nil {
		return nil, assertErr(st, "%s does not exist.", st.Name)
	}
	if src.Kind != st.Kind {
		return nil, assertErr(st, "Expected type does not match actual for source %s.\n\tExpected: %s\n\tActual: %s", st.Name, st.Kind, src.Kind)
	}
	if len(st.Columns) > 0 {
		want, _, err := planner.PlanCreateSource(&ast.CreateSource{StmtBase: st.StmtBase, Kind: st.Kind, Name: st.Name,
			Columns: st.Columns, Props: st.Props}, planner.Defaults{ValueFormat: src.ValueFormat.Format, KeyFormat: src.KeyFormat.Format})
		if err != nil {
			return nil, err
		}
		kw := "KEY"
		if src.Kind == ast.Table {
			kw = "PRIMARY KEY"
		}
		if want.Schema.String(kw) != src.Schema.String(kw) {
			return nil, assertErr(st, "Expected schema does not match actual for source %s.\n\tExpected: %s\n\tActual: %s",
				st.Name, want.Schema.String(kw), src.Schema.String(kw))
		}
	}
	if v, ok := st.Props.Get("TIMESTAMP"); ok && !strings.EqualFold(fmt.Sprint(v), src.TimestampColumn) {
		return nil, assertErr(st, "Expected timestamp column does not match actual for source %s.\n\tExpected: %v\n\tActual: %s", st.Name, v, src.TimestampColumn)
	}
	if v, ok := st.Props.Get("TIMESTAMP_FORMAT"); ok && fmt.Sprint(v) != src.TimestampFormat {
		return nil, assertErr(st, "Expected timestamp format does not match actual for source %s.\n\tExpected: %v\n\tActual: %s", st.Name, v, src.TimestampFormat)
	}
	if v, ok := st.Props.Get("WRAP_SINGLE_VALUE"); ok {
		want := strings.EqualFold(fmt.Sprint(v), "true")
		got := src.ValueFormat.WrapSingleValue
		if got == nil || *got != want {
			return nil, assertErr(st, "Expected value serde features does not match actual for source %s.\n\tExpected: WRAP_SINGLE_VALUE=%v", st.Name, want)
		}
	}
	if v, ok := st.Props.Get("KAFKA_TOPIC"); ok && fmt.Sprint(v) != src.Topic {
		return nil, assertErr(st, "Expected kafka topic does not match actual for source %s.\n\tExpected: %v\n\tActual: %s", st.Name, v, src.Topic)
	}
	if v, ok := st.Props.Get("KEY_FORMAT"); ok && !strings.EqualFold(fmt.Sprint(v), src.KeyFormat.Format) {
		return nil, assertErr(st, "Expected key format does not match actual for source %s.\n\tExpected: %v\n\tActual: %s", st.Name, v, src.KeyFormat.Format)
	}
	if v, ok := st.Props.Get("VALUE_FORMAT"); ok && !strings.EqualFold(fmt.Sprint(v), src.ValueFormat.Format) {
		return nil, assertErr(st, "Expected value format does not match actual for source %s.\n\tExpected: %v\n\tActual: %s", st.Name, v, src.ValueFormat.Format)
	}
	return nil, nil
}
