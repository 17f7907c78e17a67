package serde

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/types"
)

// jsonCodec is the JSON format. Wrapped, the document is an object keyed by
// column name; unwrapped (a single key column by default, or
// WRAP_SINGLE_VALUE=false), the whole document is the column's value.
type jsonCodec struct {
	cols      []types.Column
	fields    []types.Field // cols as struct fields, for the shared object decoder
	allUpper  bool
	isKey     bool
	unwrapped bool
	sizeHint  int
	skip      []bool // top-level columns to skip on decode
}

func newJSONCodec(cols []types.Column, opts Options, isKey bool) *jsonCodec {
	c := &jsonCodec{cols: cols, isKey: isKey, sizeHint: 64}
	c.fields = make([]types.Field, len(cols))
	for i, col := range cols {
		c.fields[i] = types.Field{Name: col.Name, Type: col.Type}
	}
	c.allUpper = namesAllUpper(c.fields)
	c.unwrapped = len(cols) == 1 && !wrapDefault(opts, isKey, JSON)
	if len(opts.Skip) == len(cols) {
		c.skip = opts.Skip
	}
	return c
}

func (c *jsonCodec) Format() string { return JSON }

func (c *jsonCodec) nulls() []any { return make([]any, len(c.cols)) }

func (c *jsonCodec) Decode(data []byte) ([]any, error) {
	if len(data) == 0 {
		if c.isKey {
			return c.nulls(), nil
		}
		return nil, nil
	}
	d := jsonDec{b: data}
	first := d.peek()
	if first == 0 { // only whitespace: Jackson reads no document, ksqlDB a null
		if c.isKey {
			return c.nulls(), nil
		}
		return nil, nil
	}
	if len(c.cols) == 0 {
		// Nothing to extract, but the record must still be JSON.
		if err := d.skip(); err != nil {
			return nil, c.wrapErr(err, "")
		}
		return []any{}, nil
	}
	if c.unwrapped {
		v, err := d.value(c.cols[0].Type)
		if err != nil {
			return nil, c.wrapErr(err, c.cols[0].Name)
		}
		return []any{v}, nil
	}
	if first == 'n' {
		if err := d.literal("null"); err != nil {
			return nil, c.wrapErr(err, "")
		}
		if c.isKey {
			return c.nulls(), nil
		}
		return nil, nil
	}
	if first != '{' {
		return nil, c.wrapErr(d.convErr(types.StructOf()), "")
	}
	d.skipTop = c.skip
	if c.skip != nil {
		d.arenaCap = 64
	}
	vals, err := d.fields(c.fields, c.allUpper)
	if err != nil {
		col := ""
		if de, ok := err.(*decErr); ok && len(de.segs) > 0 {
			col = de.segs[len(de.segs)-1][1:]
		}
		return nil, c.wrapErr(err, col)
	}
	return vals, nil
}

func (c *jsonCodec) wrapErr(err error, col string) error {
	if de, ok := err.(*decErr); ok {
		if de.syntax {
			return &Error{Msg: de.msg}
		}
		return &Error{Column: col, Path: de.path(), Msg: de.msg}
	}
	return &Error{Column: col, Msg: err.Error()}
}

func (c *jsonCodec) Encode(vals []any) ([]byte, error) {
	if len(vals) != len(c.cols) {
		return nil, fmt.Errorf("JSON %s: got %d values for %d columns", side(c.isKey), len(vals), len(c.cols))
	}
	if len(c.cols) == 0 {
		if c.isKey {
			return nil, nil
		}
		return []byte("{}"), nil
	}
	if c.unwrapped {
		if vals[0] == nil {
			return nil, nil // ksqlDB's serializer returns a Kafka null for a null unwrapped value
		}
		out, err := appendJSON(make([]byte, 0, c.sizeHint), vals[0], c.cols[0].Type)
		if err != nil {
			return nil, &Error{Column: c.cols[0].Name, Msg: err.Error()}
		}
		return out, nil
	}
	out := make([]byte, 0, c.estimate(vals))
	out = append(out, '{')
	for i, col := range c.cols {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, col.Name)
		out = append(out, ':')
		var err error
		out, err = appendJSON(out, vals[i], col.Type)
		if err != nil {
			return nil, &Error{Column: col.Name, Msg: err.Error()}
		}
	}
	return append(out, '}'), nil
}

// estimate sizes the output buffer so a typical row is written without regrowing.
func (c *jsonCodec) estimate(vals []any) int {
	n := 2
	for i, v := range vals {
		n += len(c.cols[i].Name) + 4
		switch x := v.(type) {
		case string:
			n += len(x) + 2
		case []byte:
			n += len(x)*4/3 + 4
		default:
			n += 20
		}
	}
	return n
}

func side(isKey bool) string {
	if isKey {
		return "key"
	}
	return "value"
}

// AppendJSON appends v, of SQL type t, as ksqlDB's JSON serializer writes it:
// compact, DOUBLE as Java prints doubles (NaN and infinities as strings),
// DECIMAL as a plain number with its scale, BYTES as base64, TIMESTAMP/TIME
// as milliseconds and DATE as days, MAP as an object (a null key as "null"),
// STRUCT as an object in field order.
func AppendJSON(dst []byte, v any, t *types.Type) ([]byte, error) { return appendJSON(dst, v, t) }

func appendJSON(dst []byte, v any, t *types.Type) ([]byte, error) {
	if v == nil {
		return append(dst, "null"...), nil
	}
	switch t.Kind {
	case types.Boolean:
		b, ok := v.(bool)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return strconv.AppendBool(dst, b), nil
	case types.Int, types.Bigint, types.TimestampKind, types.DateKind, types.TimeKind:
		i, ok := toInt64(v)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return strconv.AppendInt(dst, i, 10), nil
	case types.Double:
		f, ok := toFloat64(v)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			dst = append(dst, '"')
			dst = appendJavaDouble(dst, f)
			return append(dst, '"'), nil
		}
		return appendJavaDouble(dst, f), nil
	case types.DecimalKind:
		d, ok := toDecimal(v, t)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return append(dst, d.String()...), nil
	case types.String:
		s, ok := v.(string)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return appendJSONString(dst, s), nil
	case types.Bytes:
		b, ok := v.([]byte)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, b)
		return append(dst, '"'), nil
	case types.Array:
		a, ok := v.([]any)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		dst = append(dst, '[')
		for i, e := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e, t.Elem); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case types.MapKind:
		m, ok := v.(*types.Map)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		dst = append(dst, '{')
		for i, k := range m.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			ks, err := mapKeyText(k, t.Key)
			if err != nil {
				return dst, err
			}
			dst = appendJSONString(dst, ks)
			dst = append(dst, ':')
			var val any
			if i < len(m.Values) {
				val = m.Values[i]
			}
			if dst, err = appendJSON(dst, val, t.Elem); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case types.StructKind:
		s, ok := v.(*types.Struct)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		if len(s.Values) != len(t.Fields) {
			return dst, fmt.Errorf("struct value has %d fields, type %s has %d", len(s.Values), t, len(t.Fields))
		}
		dst = append(dst, '{')
		for i, f := range t.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, f.Name)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, s.Values[i], f.Type); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("cannot serialize type %s as JSON", t)
}

// mapKeyText renders a map key as a JSON object key.
func mapKeyText(k any, t *types.Type) (string, error) {
	if k == nil {
		return "null", nil
	}
	if s, ok := k.(string); ok {
		return s, nil
	}
	if t == nil {
		return fmt.Sprint(k), nil
	}
	b, err := appendPrimitiveText(nil, k, t)
	return string(b), err
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as Jackson does: escapes for '"', '\\' and
// control characters, everything else (including non-ASCII) raw. Invalid
// UTF-8 becomes U+FFFD so the output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

var _ Codec = (*jsonCodec)(nil)
