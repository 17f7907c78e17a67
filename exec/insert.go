package exec

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/eval"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// constValue evaluates a constant expression as a value of type t, casting
// where ksqlDB would (INSERT VALUES, ASSERT VALUES).
func constValue(e ast.Expr, t *types.Type, column string) (any, error) {
	if lit, ok := e.(*ast.Literal); ok && t.Kind == types.Bytes {
		// ksqlDB writes BYTES as base64 text; accept that text as a literal.
		if s, ok := lit.Value.(string); ok {
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, ast.Errorf(ast.SemanticError, e.Position(), "Expected type BYTES for field %s but got '%s'(STRING): not base64", column, s)
			}
			return b, nil
		}
	}
	be, err := expr.Bind(e, &expr.Scope{})
	if err != nil {
		return nil, err
	}
	if bt := be.Type(); bt.Kind != types.Unknown && !bt.Equal(t) {
		cast := &ast.Cast{ExprBase: ast.ExprBase{At: e.Position()}, X: e, Type: t}
		if be, err = expr.Bind(cast, &expr.Scope{}); err != nil {
			return nil, ast.Errorf(ast.SemanticError, e.Position(), "Expected type %s for field %s but got %s(%s)",
				t, column, ast.FormatExpr(e), bt)
		}
	}
	f, err := eval.Compile(be)
	if err != nil {
		return nil, err
	}
	v, err := f(nil)
	if err != nil {
		return nil, ast.Errorf(ast.SemanticError, e.Position(), "Failed to insert values: %v", err)
	}
	return v, nil
}

// insertValues produces one record built from literal values.
func (e *Engine) insertValues(ctx context.Context, s *Session, st *ast.InsertValues) ([]Result, error) {
	src := e.cat.Source(st.Target)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, st.At, "Cannot insert values into an unknown stream/table: %s", types.QuoteIdent(st.Target))
	}
	if src.ReadOnly {
		return nil, ast.Errorf(ast.SemanticError, st.At, "Cannot insert values into read-only %s: %s", lowerKind(src.Kind), src.Name)
	}
	cols := st.Columns
	if len(cols) == 0 {
		for _, c := range src.Schema.Columns {
			cols = append(cols, c.Name)
		}
	}
	if len(cols) != len(st.Values) {
		return nil, ast.Errorf(ast.SemanticError, st.At, "Failed to prepare statement: Expected number columns and values to match: %d, %d", len(cols), len(st.Values))
	}
	vals := make([]any, len(src.Schema.Columns))
	ts := int64(-1) // not given: the time of the insert
	for i, name := range cols {
		switch name {
		case types.RowTime:
			v, err := constValue(st.Values[i], types.TBigint, name)
			if err != nil {
				return nil, err
			}
			if v != nil {
				ts = v.(int64)
			}
			continue
		case types.RowPartition, types.RowOffset:
			return nil, ast.Errorf(ast.SemanticError, st.Values[i].Position(), "Inserting into column %s is not allowed.", types.QuoteIdent(name))
		}
		j := src.Schema.Find(name)
		if j < 0 {
			return nil, ast.Errorf(ast.SemanticError, st.Values[i].Position(), "Column name %s does not exist.", types.QuoteIdent(name))
		}
		col := src.Schema.Columns[j]
		v, err := constValue(st.Values[i], col.Type, types.QuoteIdent(name))
		if err != nil {
			return nil, err
		}
		vals[j] = v
	}
	if ts < 0 && src.TimestampColumn != "" {
		if t, err := toMillis(vals[src.Schema.Find(src.TimestampColumn)], src.TimestampFormat); err == nil {
			ts = t
		}
	}
	rec, err := encodeRecord(src, vals)
	if err != nil {
		return nil, err
	}
	if ts < 0 {
		ts = time.Now().UnixMilli()
	}
	rec.Timestamp = ts
	if _, _, err := e.client.Produce(ctx, rec); err != nil {
		return nil, &ast.Error{Category: ast.KafkaError, Msg: fmt.Sprintf("Failed to insert values into '%s'. %v", src.Name, err)}
	}
	return nil, nil
}

// encodeRecord serialises a full row of a source (schema order) into a record.
func encodeRecord(src *catalog.Source, vals []any) (*kafka.Record, error) {
	var keyVals, valVals []any
	var hdrs []kafka.Header
	for i, c := range src.Schema.Columns {
		switch c.Namespace {
		case types.KeyColumn:
			keyVals = append(keyVals, vals[i])
		case types.ValueColumn:
			valVals = append(valVals, vals[i])
		case types.HeaderColumn:
			if b, ok := vals[i].([]byte); ok && c.HeaderKey != "" {
				hdrs = append(hdrs, kafka.Header{Key: c.HeaderKey, Value: b})
			}
		}
	}
	kc, err := serde.NewKeyCodec(src.KeyFormat.Format, src.Schema.Keys(), codecOptions(src.KeyFormat))
	if err != nil {
		return nil, err
	}
	vc, err := serde.NewValueCodec(src.ValueFormat.Format, src.Schema.Values(), codecOptions(src.ValueFormat))
	if err != nil {
		return nil, err
	}
	rec := &kafka.Record{Topic: src.Topic, Partition: -1, Headers: hdrs}
	if len(keyVals) > 0 {
		if rec.Key, err = kc.Encode(keyVals); err != nil {
			return nil, fmt.Errorf("Failed to insert values into '%s'. Could not serialize key: %w", src.Name, err)
		}
	}
	if rec.Value, err = vc.Encode(valVals); err != nil {
		return nil, fmt.Errorf("Failed to insert values into '%s'. Could not serialize value: %w", src.Name, err)
	}
	return rec, nil
}
