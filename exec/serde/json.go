package serde

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
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
	// prefix[i] is what precedes column i's value in a wrapped object:
	// '{' or ',', then the quoted name and ':', computed once.
	prefix [][]byte
	// lower holds the names in lower case when allUpper is set ("" for a
	// name without letters, which only an exact match can match).
	lower []string
}

func newJSONCodec(cols []types.Column, opts Options, isKey bool) *jsonCodec {
	c := &jsonCodec{cols: cols, isKey: isKey, sizeHint: 64}
	c.fields = make([]types.Field, len(cols))
	for i, col := range cols {
		c.fields[i] = types.Field{Name: col.Name, Type: col.Type}
	}
	c.allUpper = namesAllUpper(c.fields)
	if c.allUpper {
		c.lower = make([]string, len(cols))
		for i, col := range cols {
			if l := strings.ToLower(col.Name); l != col.Name {
				c.lower[i] = l
			}
		}
	}
	c.unwrapped = len(cols) == 1 && !wrapDefault(opts, isKey, JSON)
	if len(opts.Skip) == len(cols) {
		c.skip = opts.Skip
	}
	c.prefix = make([][]byte, len(cols))
	for i, col := range cols {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		c.prefix[i] = append(appendJSONString([]byte{sep}, col.Name), ':')
	}
	return c
}

func (c *jsonCodec) Format() string { return JSON }

func (c *jsonCodec) nulls() []any { return make([]any, len(c.cols)) }

func (c *jsonCodec) Decode(data []byte) ([]any, error) { return c.decode(nil, data, nil) }

// DecodeInto implements RowDecoder.
func (c *jsonCodec) DecodeInto(dst []any, data []byte, s *Scratch) error {
	if len(dst) != len(c.cols) {
		return fmt.Errorf("JSON %s: %d slots for %d columns", side(c.isKey), len(dst), len(c.cols))
	}
	clear(dst)
	vals, err := c.decode(dst, data, s)
	if err != nil {
		return err
	}
	copy(dst, vals) // a no-op when the object was decoded in place
	return nil
}

// decode is Decode; a wrapped object is decoded into dst when it is not nil
// (it then holds len(c.cols) nils), and strings and BIGINTs come from s
// when it is not nil.
func (c *jsonCodec) decode(dst []any, data []byte, s *Scratch) ([]any, error) {
	if len(data) == 0 {
		if c.isKey {
			return c.nulls(), nil
		}
		return nil, nil
	}
	d := jsonDec{b: data, s: s}
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
	vals := dst
	if vals == nil {
		vals = make([]any, len(c.fields))
	}
	var memo *fieldMemo
	if s != nil {
		memo = s.memo(c)
	}
	if err := d.fieldsInto(vals, c.fields, c.allUpper, c.lower, memo); err != nil {
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
	var buf []byte
	switch {
	case len(c.cols) == 0 || len(vals) != len(c.cols):
	case c.unwrapped:
		buf = make([]byte, 0, c.sizeHint)
	default:
		buf = make([]byte, 0, c.estimate(vals))
	}
	out, null, err := c.AppendEncode(buf, vals)
	if err != nil || null {
		return nil, err
	}
	return out, nil
}

// AppendEncode implements Appender.
func (c *jsonCodec) AppendEncode(dst []byte, vals []any) ([]byte, bool, error) {
	if len(vals) != len(c.cols) {
		return dst, false, fmt.Errorf("JSON %s: got %d values for %d columns", side(c.isKey), len(vals), len(c.cols))
	}
	if len(c.cols) == 0 {
		if c.isKey {
			return dst, true, nil
		}
		return append(dst, "{}"...), false, nil
	}
	if c.unwrapped {
		if vals[0] == nil {
			return dst, true, nil // ksqlDB's serializer returns a Kafka null for a null unwrapped value
		}
		out, err := appendJSON(dst, vals[0], c.cols[0].Type)
		if err != nil {
			return dst, false, &Error{Column: c.cols[0].Name, Msg: err.Error()}
		}
		return out, false, nil
	}
	start := len(dst)
	for i, col := range c.cols {
		dst = append(dst, c.prefix[i]...)
		var err error
		dst, err = appendJSON(dst, vals[i], col.Type)
		if err != nil {
			return dst[:start], false, &Error{Column: col.Name, Msg: err.Error()}
		}
	}
	return append(dst, '}'), false, nil
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
	for i := 0; ; {
		// Runs of plain ASCII are copied as they are: find the next byte
		// that needs a look, eight at a time first.
		i = skipPlainString(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
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

// skipPlainString is skipPlain for a string.
func skipPlainString(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if m := specialMask(w); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && !strSpecial[s[i]] {
		i++
	}
	return i
}

var (
	_ Codec      = (*jsonCodec)(nil)
	_ RowDecoder = (*jsonCodec)(nil)
	_ Appender   = (*jsonCodec)(nil)
)
