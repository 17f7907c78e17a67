package serde

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/types"
)

// kafkaCodec is the KAFKA format: Kafka's own primitive serializers for at
// most one column. INT is 4 bytes big-endian, BIGINT 8, DOUBLE an 8-byte
// IEEE-754 big-endian, STRING UTF-8, BYTES raw. A Kafka null is SQL NULL.
// With no columns (a keyless stream's key) the bytes are ignored.
type kafkaCodec struct {
	col   *types.Column
	isKey bool
}

func newKafkaCodec(cols []types.Column, isKey bool) *kafkaCodec {
	c := &kafkaCodec{isKey: isKey}
	if len(cols) == 1 {
		c.col = &cols[0]
	}
	return c
}

func (c *kafkaCodec) Format() string { return Kafka }

func (c *kafkaCodec) Decode(data []byte) ([]any, error) {
	if c.col == nil {
		if !c.isKey && len(data) == 0 {
			return nil, nil
		}
		return []any{}, nil
	}
	if data == nil {
		if c.isKey {
			return []any{nil}, nil
		}
		return nil, nil
	}
	if len(data) == 0 {
		// Kafka tells an empty value from a null one: STRING and BYTES
		// have an empty form; other types fail on the size below.
		switch c.col.Type.Kind {
		case types.String:
			return []any{""}, nil
		case types.Bytes:
			return []any{[]byte{}}, nil
		}
	}
	v, err := decodeKafka(data, c.col.Type)
	if err != nil {
		return nil, &Error{Column: c.col.Name, Msg: err.Error()}
	}
	return []any{v}, nil
}

func decodeKafka(data []byte, t *types.Type) (any, error) {
	switch t.Kind {
	case types.Int:
		if len(data) != 4 {
			return nil, fmt.Errorf("Size of data received by IntegerDeserializer is not 4")
		}
		return int32(binary.BigEndian.Uint32(data)), nil
	case types.Bigint:
		if len(data) != 8 {
			return nil, fmt.Errorf("Size of data received by LongDeserializer is not 8")
		}
		return int64(binary.BigEndian.Uint64(data)), nil
	case types.Double:
		if len(data) != 8 {
			return nil, fmt.Errorf("Size of data received by Deserializer is not 8")
		}
		return math.Float64frombits(binary.BigEndian.Uint64(data)), nil
	case types.String:
		if !utf8.Valid(data) {
			// Java's String(bytes, UTF_8) replaces malformed input.
			return strings.ToValidUTF8(string(data), "\ufffd"), nil
		}
		return string(data), nil
	case types.Bytes:
		return append([]byte{}, data...), nil
	}
	return nil, fmt.Errorf("The 'KAFKA' format does not support type '%s'", baseTypeName(t.Kind))
}

func (c *kafkaCodec) Encode(vals []any) ([]byte, error) {
	n := 0
	if c.col != nil {
		n = 1
	}
	if len(vals) != n {
		return nil, fmt.Errorf("KAFKA %s: got %d values for %d columns", side(c.isKey), len(vals), n)
	}
	if n == 0 || vals[0] == nil {
		return nil, nil
	}
	out, err := appendKafka([]byte{}, vals[0], c.col.Type)
	if err != nil {
		return nil, &Error{Column: c.col.Name, Msg: err.Error()}
	}
	return out, nil
}

// AppendEncode implements Appender.
func (c *kafkaCodec) AppendEncode(dst []byte, vals []any) ([]byte, bool, error) {
	if c.col == nil || len(vals) != 1 || vals[0] == nil {
		out, err := c.Encode(vals)
		return dst, out == nil && err == nil, err
	}
	out, err := appendKafka(dst, vals[0], c.col.Type)
	if err != nil {
		return dst, false, &Error{Column: c.col.Name, Msg: err.Error()}
	}
	return out, false, nil
}

// DecodeInto implements RowDecoder.
func (c *kafkaCodec) DecodeInto(dst []any, data []byte, s *Scratch) error {
	if c.col != nil && len(dst) == 1 && len(data) > 0 {
		t := c.col.Type
		if t.Kind == types.Bigint && len(data) == 8 {
			dst[0] = boxInt64(s, int64(binary.BigEndian.Uint64(data)))
			return nil
		}
		if t.Kind == types.String && s != nil && utf8.Valid(data) {
			dst[0] = s.String(data)
			return nil
		}
	}
	vals, err := c.Decode(data)
	if err != nil {
		return err
	}
	clear(dst[copy(dst, vals):])
	return nil
}

func appendKafka(dst []byte, v any, t *types.Type) ([]byte, error) {
	switch t.Kind {
	case types.Int:
		i, ok := toInt64(v)
		if !ok || i < math.MinInt32 || i > math.MaxInt32 {
			return dst, typeMismatch(v, t)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(int32(i))), nil
	case types.Bigint:
		i, ok := toInt64(v)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return binary.BigEndian.AppendUint64(dst, uint64(i)), nil
	case types.Double:
		f, ok := toFloat64(v)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case types.String:
		s, ok := v.(string)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return append(dst, s...), nil
	case types.Bytes:
		b, ok := v.([]byte)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return append(dst, b...), nil
	}
	return dst, fmt.Errorf("The 'KAFKA' format does not support type '%s'", baseTypeName(t.Kind))
}

var (
	_ Codec      = (*kafkaCodec)(nil)
	_ RowDecoder = (*kafkaCodec)(nil)
	_ Appender   = (*kafkaCodec)(nil)
)
