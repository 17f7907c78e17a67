package serde

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/types"
)

// delimitedCodec is the DELIMITED format: one CSV record (RFC 4180 quoting
// with '"', doubled quotes inside) per Kafka key or value, fields in column
// order, an empty field for NULL.
//
// Writing follows Apache Commons CSV's MINIMAL quote mode as ksqlDB's
// output shows it: a field is quoted when it contains the delimiter, a quote,
// CR or LF, starts with a character <= '#', or ends with a character <= ' ';
// the first field of the record is also quoted when it starts with anything
// but [0-9A-Za-z] or is an empty string ("-10" is written "\"-10\"").
//
// Reading: BOOLEAN as Boolean.parseBoolean (anything but "true", any case, is
// false), INT/BIGINT/TIMESTAMP/TIME/DATE as Java integer literals, DOUBLE as
// Double.parseDouble, DECIMAL exactly and fitted to the column, BYTES base64.
type delimitedCodec struct {
	cols  []types.Column
	delim rune
	isKey bool
}

func newDelimitedCodec(cols []types.Column, delim rune, isKey bool) *delimitedCodec {
	return &delimitedCodec{cols: cols, delim: delim, isKey: isKey}
}

func (c *delimitedCodec) Format() string { return Delimited }

func (c *delimitedCodec) Decode(data []byte) ([]any, error) {
	if len(data) == 0 {
		if c.isKey || data != nil {
			return make([]any, len(c.cols)), nil
		}
		return nil, nil
	}
	fields, err := parseCSVRecord(data, c.delim, len(c.cols))
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}
	if len(fields) != len(c.cols) {
		return nil, &Error{Msg: fmt.Sprintf("Column count mismatch on deserialization. expected: %d, got: %d", len(c.cols), len(fields))}
	}
	vals := make([]any, len(c.cols))
	for i, f := range fields {
		if f == "" {
			continue
		}
		v, err := parseDelimitedField(f, c.cols[i].Type)
		if err != nil {
			return nil, &Error{Column: c.cols[i].Name, Msg: err.Error()}
		}
		vals[i] = v
	}
	return vals, nil
}

func parseDelimitedField(s string, t *types.Type) (any, error) {
	switch t.Kind {
	case types.Boolean:
		return strings.EqualFold(s, "true"), nil
	case types.Int, types.DateKind:
		v, ok := parseJavaInt(s, 32)
		if !ok {
			return nil, numberFormat(s)
		}
		if t.Kind == types.DateKind {
			return types.Date(v), nil
		}
		return int32(v), nil
	case types.Bigint, types.TimestampKind, types.TimeKind:
		v, ok := parseJavaInt(s, 64)
		if !ok {
			return nil, numberFormat(s)
		}
		switch t.Kind {
		case types.TimestampKind:
			return types.Timestamp(v), nil
		case types.TimeKind:
			return types.Time(v), nil
		}
		return v, nil
	case types.Double:
		f, ok := parseJavaDouble(s)
		if !ok {
			return nil, numberFormat(s)
		}
		return f, nil
	case types.DecimalKind:
		d, ok := parseDecimalText(s)
		if !ok {
			return nil, numberFormat(s)
		}
		return fitDecimal(d, t)
	case types.String:
		return s, nil
	case types.Bytes:
		b, ok := decodeBase64(s)
		if !ok {
			return nil, fmt.Errorf("Illegal base64 character in %q", s)
		}
		return b, nil
	}
	return nil, fmt.Errorf("The 'DELIMITED' format does not support type '%s'", baseTypeName(t.Kind))
}

// numberFormat is Java's NumberFormatException text.
func numberFormat(s string) error { return fmt.Errorf("For input string: %q", s) }

// parseCSVRecord reads the first CSV record of data. Text after the record's
// line break is ignored, as ksqlDB only reads the first record.
func parseCSVRecord(data []byte, delim rune, want int) ([]string, error) {
	fields := make([]string, 0, want)
	var buf []byte
	i := 0
	dl := utf8.RuneLen(delim)
	db := make([]byte, dl)
	utf8.EncodeRune(db, delim)
	isDelim := func(at int) bool {
		if dl == 1 {
			return data[at] == db[0]
		}
		return at+dl <= len(data) && string(data[at:at+dl]) == string(db)
	}
	for {
		// One field.
		if i < len(data) && data[i] == '"' {
			i++
			buf = buf[:0]
			closed := false
			for i < len(data) {
				c := data[i]
				if c == '"' {
					if i+1 < len(data) && data[i+1] == '"' {
						buf = append(buf, '"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				buf = append(buf, c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("EOF reached before encapsulated token finished")
			}
			fields = append(fields, string(buf))
			if i < len(data) && !isDelim(i) && data[i] != '\n' && data[i] != '\r' {
				return nil, fmt.Errorf("Invalid char between encapsulated token and delimiter at offset %d", i)
			}
		} else {
			start := i
			for i < len(data) && !isDelim(i) && data[i] != '\n' && data[i] != '\r' {
				i++
			}
			fields = append(fields, string(data[start:i]))
		}
		if i < len(data) && isDelim(i) {
			i += dl
			continue
		}
		return fields, nil
	}
}

func (c *delimitedCodec) Encode(vals []any) ([]byte, error) {
	if len(vals) != len(c.cols) {
		return nil, fmt.Errorf("DELIMITED %s: got %d values for %d columns", side(c.isKey), len(vals), len(c.cols))
	}
	if c.isKey && allNil(vals) {
		return nil, nil
	}
	out := make([]byte, 0, 16*len(vals))
	var tmp []byte
	for i, v := range vals {
		if i > 0 {
			out = utf8.AppendRune(out, c.delim)
		}
		if v == nil {
			continue
		}
		var err error
		tmp, err = appendDelimitedText(tmp[:0], v, c.cols[i].Type)
		if err != nil {
			return nil, &Error{Column: c.cols[i].Name, Msg: err.Error()}
		}
		out = appendCSVField(out, tmp, c.delim, i == 0)
	}
	return out, nil
}

func appendDelimitedText(dst []byte, v any, t *types.Type) ([]byte, error) {
	if t.Kind == types.Bytes {
		b, ok := v.([]byte)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return base64.StdEncoding.AppendEncode(dst, b), nil
	}
	return appendPrimitiveText(dst, v, t)
}

func allNil(vals []any) bool {
	for _, v := range vals {
		if v != nil {
			return false
		}
	}
	return true
}

// appendCSVField writes one non-null field with Commons CSV's MINIMAL quoting.
func appendCSVField(dst, f []byte, delim rune, first bool) []byte {
	if !needsQuote(f, delim, first) {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for _, c := range f {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func needsQuote(f []byte, delim rune, first bool) bool {
	if len(f) == 0 {
		return first
	}
	c := f[0]
	if first && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return true
	}
	if c <= '#' {
		return true
	}
	if delim < utf8.RuneSelf {
		for _, b := range f {
			if b == '\n' || b == '\r' || b == '"' || rune(b) == delim {
				return true
			}
		}
	} else if strings.ContainsRune(string(f), delim) || strings.ContainsAny(string(f), "\n\r\"") {
		return true
	}
	return f[len(f)-1] <= ' '
}

var _ Codec = (*delimitedCodec)(nil)
