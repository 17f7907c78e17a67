package conformance

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/sql/types"
)

// side is one half (key or value) of a source's record layout.
type side struct {
	format string // upper-case format name; "" when no source describes the topic
	cols   []types.Column
	opts   serde.Options
	isKey  bool
}

func keySide(src *catalog.Source) side {
	if src == nil {
		return side{isKey: true}
	}
	return side{format: serde.NormalizeFormat(src.KeyFormat.Format), cols: src.Schema.Keys(),
		opts: serde.Options{WrapSingleValue: src.KeyFormat.WrapSingleValue, Delimiter: src.KeyFormat.Delimiter}, isKey: true}
}

func valueSide(src *catalog.Source) side {
	if src == nil {
		return side{}
	}
	return side{format: serde.NormalizeFormat(src.ValueFormat.Format), cols: src.Schema.Values(),
		opts: serde.Options{WrapSingleValue: src.ValueFormat.WrapSingleValue, Delimiter: src.ValueFormat.Delimiter}}
}

// unwrapped reports whether a single column is written bare rather than in
// an object (JSON); keys are unwrapped unless WRAP_SINGLE_VALUE says so.
func (s side) unwrapped() bool {
	if len(s.cols) != 1 {
		return false
	}
	if s.opts.WrapSingleValue != nil {
		return !*s.opts.WrapSingleValue
	}
	return s.isKey
}

// typ is the SQL type of the side's decoded generic value: the single
// column's type when unwrapped, else a struct of the columns.
func (s side) typ() *types.Type {
	if s.format == "" {
		return nil
	}
	if s.unwrapped() || (s.format != serde.JSON && len(s.cols) == 1) {
		return s.cols[0].Type
	}
	fields := make([]types.Field, len(s.cols))
	for i, c := range s.cols {
		fields[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return types.StructOf(fields...)
}

// encode serializes a record's key or value from its spec the way ksqlDB's
// test runner does: JSON as the JSON text given, DELIMITED as the string
// given, KAFKA as the typed primitive of the single column. nil is a null
// key or a tombstone.
func (s side) encode(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch s.format {
	case serde.Kafka:
		if len(s.cols) != 1 {
			return rawText(v)
		}
		tv, err := toTyped(v, s.cols[0].Type)
		if err != nil {
			return nil, fmt.Errorf("%s as %s: %w", render(v), s.cols[0].Type, err)
		}
		c, err := codec(s)
		if err != nil {
			return nil, err
		}
		return c.Encode([]any{tv})
	case serde.Delimited, serde.None, "":
		return rawText(v)
	}
	return marshalJSON(v)
}

// rawText writes a string as its bytes and anything else as JSON text.
func rawText(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return marshalJSON(v)
}

func codec(s side) (serde.Codec, error) {
	if s.isKey {
		return serde.NewKeyCodec(s.format, s.cols, s.opts)
	}
	return serde.NewValueCodec(s.format, s.cols, s.opts)
}

// decode reads a sink record's key or value into a generic value plus the
// SQL type to compare it with (nil when unknown).
func (s side) decode(b []byte) (any, *types.Type, error) {
	if b == nil {
		return nil, nil, nil
	}
	switch s.format {
	case serde.JSON:
		v, err := parseJSON(b)
		if err != nil {
			return nil, nil, fmt.Errorf("not JSON: %w (%s)", err, quote(string(b)))
		}
		return v, s.typ(), nil
	case serde.Delimited:
		return string(b), nil, nil
	case serde.None:
		return nil, nil, nil
	case serde.Kafka:
		if len(s.cols) == 0 {
			return string(b), nil, nil
		}
		c, err := codec(s)
		if err != nil {
			return nil, nil, err
		}
		vals, err := c.Decode(b)
		if err != nil {
			return nil, nil, fmt.Errorf("KAFKA %s: %w", s.cols[0].Type, err)
		}
		if len(vals) == 0 {
			return nil, nil, nil
		}
		return toGeneric(vals[0], s.cols[0].Type), s.cols[0].Type, nil
	}
	// No source describes the topic: JSON if it parses, else text.
	if v, err := parseJSON(b); err == nil {
		return v, nil, nil
	}
	return string(b), nil, nil
}

func parseJSON(b []byte) (any, error) {
	var v any
	if err := decodeStrict(b, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// toTyped converts a spec value to the Go representation of SQL type t
// (the KAFKA primitives: INT, BIGINT, DOUBLE, STRING, BYTES, and BOOLEAN for
// completeness).
func toTyped(v any, t *types.Type) (any, error) {
	switch t.Kind {
	case types.Int, types.Bigint:
		var n int64
		var err error
		switch x := v.(type) {
		case json.Number:
			n, err = strconv.ParseInt(string(x), 10, 64)
		case string:
			n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		default:
			err = fmt.Errorf("not an integer")
		}
		if err != nil {
			return nil, err
		}
		if t.Kind == types.Int {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("out of INT range")
			}
			return int32(n), nil
		}
		return n, nil
	case types.Double:
		switch x := v.(type) {
		case json.Number:
			return strconv.ParseFloat(string(x), 64)
		case string:
			return strconv.ParseFloat(strings.TrimSpace(x), 64)
		}
		return nil, fmt.Errorf("not a number")
	case types.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return string(x), nil
		}
		b, err := marshalJSON(v)
		return string(b), err
	case types.Bytes:
		if x, ok := v.(string); ok {
			return base64.StdEncoding.DecodeString(x)
		}
		return nil, fmt.Errorf("BYTES must be a base64 string")
	case types.Boolean:
		if x, ok := v.(bool); ok {
			return x, nil
		}
		return nil, fmt.Errorf("not a boolean")
	}
	return nil, fmt.Errorf("type %s has no KAFKA encoding", t)
}

// toGeneric turns a decoded Go value of SQL type t into the generic shape
// the comparison uses, writing numbers as ksqlDB's JSON serializer would.
func toGeneric(v any, t *types.Type) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool, string:
		return x
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case types.Timestamp:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case types.Date:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case types.Time:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return serde.JavaDouble(x)
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case types.Decimal:
		return json.Number(x.String())
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case []any:
		var et *types.Type
		if t != nil && t.Kind == types.Array {
			et = t.Elem
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toGeneric(e, et)
		}
		return out
	case *types.Map:
		var vt *types.Type
		if t != nil && t.Kind == types.MapKind {
			vt = t.Elem
		}
		out := map[string]any{}
		for i, k := range x.Keys {
			var val any
			if i < len(x.Values) {
				val = x.Values[i]
			}
			out[serde.FormatValue(k, nil)] = toGeneric(val, vt)
		}
		return out
	case *types.Struct:
		out := map[string]any{}
		for i, fv := range x.Values {
			name := "F" + strconv.Itoa(i)
			var ft *types.Type
			if t != nil && t.Kind == types.StructKind && i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			out[name] = toGeneric(fv, ft)
		}
		return out
	}
	return fmt.Sprint(v)
}
