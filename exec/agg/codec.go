package agg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"

	"github.com/sluicedb/sluice/sql/types"
)

// The binary encoding of accumulators is built from these pieces:
//
//	count, length    uvarint
//	INT, BIGINT, DATE, TIME, TIMESTAMP, signed sums   zig-zag varint
//	DOUBLE           8 bytes, IEEE 754 bits, big-endian
//	BOOLEAN          1 byte, 0 or 1
//	STRING, BYTES    length ‖ bytes
//	DECIMAL          varint scale ‖ uvarint (len(magnitude)<<1 | negative) ‖ magnitude, big-endian
//	ARRAY            count ‖ elements
//	MAP              count ‖ (key ‖ value)...
//	STRUCT           the fields in order
//	nullable value   0 (NULL) or 1 ‖ value
//
// Element and field values are always nullable. Values are type-directed:
// nothing in the bytes names a type.

var errTruncated = errors.New("truncated accumulator")

type writer struct {
	buf []byte
	// canonical sorts map entries so that equal maps encode alike whatever
	// their insertion order (COUNT_DISTINCT keys).
	canonical bool
}

func (w *writer) uvarint(u uint64) { w.buf = binary.AppendUvarint(w.buf, u) }
func (w *writer) varint(i int64)   { w.buf = binary.AppendVarint(w.buf, i) }
func (w *writer) byte1(b byte)     { w.buf = append(w.buf, b) }

func (w *writer) f64(f float64) {
	if w.canonical && f != f {
		f = math.NaN()
	}
	w.buf = binary.BigEndian.AppendUint64(w.buf, math.Float64bits(f))
}

func (w *writer) bytes(b []byte) {
	w.uvarint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

func (w *writer) str(s string) {
	w.uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

func (w *writer) bigInt(u *big.Int) {
	if u == nil {
		w.uvarint(0)
		return
	}
	mag := u.Bytes()
	h := uint64(len(mag)) << 1
	if u.Sign() < 0 {
		h |= 1
	}
	w.uvarint(h)
	w.buf = append(w.buf, mag...)
}

// reader decodes with sticky errors: after the first failure every read
// returns zero values, so decoders check r.err once at the end.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return u
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	i, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errTruncated)
		return 0
	}
	r.b = r.b[n:]
	return i
}

func (r *reader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail(errTruncated)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) f64() float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail(errTruncated)
		return 0
	}
	f := math.Float64frombits(binary.BigEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

// count reads an element count, bounded by the bytes left (every element
// takes at least minSize bytes) so garbage cannot trigger huge allocations.
func (r *reader) count(minSize int) int {
	u := r.uvarint()
	if r.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if u > uint64(len(r.b)/minSize) {
		r.fail(fmt.Errorf("count %d exceeds the %d bytes left", u, len(r.b)))
		return 0
	}
	return int(u)
}

func (r *reader) raw(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(errTruncated)
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) bytes() []byte {
	b := r.raw(r.uvarint())
	if r.err != nil {
		return nil
	}
	return bytes.Clone(b)
}

func (r *reader) str() string {
	return string(r.raw(r.uvarint()))
}

func (r *reader) bigInt() *big.Int {
	h := r.uvarint()
	mag := r.raw(h >> 1)
	if r.err != nil {
		return nil
	}
	u := new(big.Int).SetBytes(mag)
	if h&1 == 1 {
		u.Neg(u)
	}
	return u
}

// int32v reads a varint that must fit an int32.
func (r *reader) int32v() int32 {
	i := r.varint()
	if i < math.MinInt32 || i > math.MaxInt32 {
		r.fail(fmt.Errorf("value %d overflows INT", i))
		return 0
	}
	return int32(i)
}

// end fails unless every byte was consumed.
func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Errorf("%d trailing bytes", len(r.b)))
	}
	if r.err != nil {
		return fmt.Errorf("decoding accumulator: %w", r.err)
	}
	return nil
}

// maxDecimalScale bounds decoded scales: big.Int exponentiation by a huge
// garbage scale would take forever.
const maxDecimalScale = 1000

// encodeNullable writes a nullable value of type t.
func encodeNullable(w *writer, t *types.Type, v any) error {
	if v == nil {
		w.byte1(0)
		return nil
	}
	w.byte1(1)
	return encodeValue(w, t, v)
}

// encodeValue writes a non-NULL value of type t.
func encodeValue(w *writer, t *types.Type, v any) error {
	bad := func() error { return fmt.Errorf("value %v (%T) is not a %s", v, v, t) }
	switch t.Kind {
	case types.Boolean:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		if b {
			w.byte1(1)
		} else {
			w.byte1(0)
		}
	case types.Int:
		i, ok := v.(int32)
		if !ok {
			return bad()
		}
		w.varint(int64(i))
	case types.Bigint:
		i, ok := v.(int64)
		if !ok {
			return bad()
		}
		w.varint(i)
	case types.Double:
		f, ok := v.(float64)
		if !ok {
			return bad()
		}
		w.f64(f)
	case types.DecimalKind:
		d, ok := v.(types.Decimal)
		if !ok {
			return bad()
		}
		w.varint(int64(d.Scale))
		w.bigInt(d.Unscaled)
	case types.String:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		w.str(s)
	case types.Bytes:
		b, ok := v.([]byte)
		if !ok {
			return bad()
		}
		w.bytes(b)
	case types.TimestampKind:
		ts, ok := v.(types.Timestamp)
		if !ok {
			return bad()
		}
		w.varint(int64(ts))
	case types.DateKind:
		d, ok := v.(types.Date)
		if !ok {
			return bad()
		}
		w.varint(int64(d))
	case types.TimeKind:
		tm, ok := v.(types.Time)
		if !ok {
			return bad()
		}
		w.varint(int64(tm))
	case types.Array:
		a, ok := v.([]any)
		if !ok {
			return bad()
		}
		w.uvarint(uint64(len(a)))
		for _, e := range a {
			if err := encodeNullable(w, t.Elem, e); err != nil {
				return err
			}
		}
	case types.MapKind:
		m, ok := v.(*types.Map)
		if !ok || m == nil || len(m.Keys) != len(m.Values) {
			return bad()
		}
		w.uvarint(uint64(len(m.Keys)))
		if w.canonical {
			return encodeMapSorted(w, t, m)
		}
		for i := range m.Keys {
			if err := encodeNullable(w, t.Key, m.Keys[i]); err != nil {
				return err
			}
			if err := encodeNullable(w, t.Elem, m.Values[i]); err != nil {
				return err
			}
		}
	case types.StructKind:
		s, ok := v.(*types.Struct)
		if !ok || s == nil || len(s.Values) != len(t.Fields) {
			return bad()
		}
		for i, f := range t.Fields {
			if err := encodeNullable(w, f.Type, s.Values[i]); err != nil {
				return err
			}
		}
	default:
		return bad()
	}
	return nil
}

func encodeMapSorted(w *writer, t *types.Type, m *types.Map) error {
	entries := make([][]byte, len(m.Keys))
	for i := range m.Keys {
		sub := &writer{canonical: true}
		if err := encodeNullable(sub, t.Key, m.Keys[i]); err != nil {
			return err
		}
		if err := encodeNullable(sub, t.Elem, m.Values[i]); err != nil {
			return err
		}
		entries[i] = sub.buf
	}
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i], entries[j]) < 0 })
	for _, e := range entries {
		w.buf = append(w.buf, e...)
	}
	return nil
}

func decodeNullable(r *reader, t *types.Type) any {
	switch r.byte1() {
	case 0:
		return nil
	case 1:
		return decodeValue(r, t)
	default:
		r.fail(errors.New("bad NULL marker"))
		return nil
	}
}

func decodeValue(r *reader, t *types.Type) any {
	if r.err != nil {
		return nil
	}
	switch t.Kind {
	case types.Boolean:
		switch r.byte1() {
		case 0:
			return false
		case 1:
			return true
		}
		r.fail(errors.New("bad BOOLEAN"))
	case types.Int:
		return r.int32v()
	case types.Bigint:
		return r.varint()
	case types.Double:
		return r.f64()
	case types.DecimalKind:
		scale := r.varint()
		if scale < -maxDecimalScale || scale > maxDecimalScale {
			r.fail(fmt.Errorf("decimal scale %d out of range", scale))
			return nil
		}
		u := r.bigInt()
		if r.err != nil {
			return nil
		}
		return types.Decimal{Unscaled: u, Scale: int(scale)}
	case types.String:
		return r.str()
	case types.Bytes:
		return r.bytes()
	case types.TimestampKind:
		return types.Timestamp(r.varint())
	case types.DateKind:
		return types.Date(r.int32v())
	case types.TimeKind:
		return types.Time(r.varint())
	case types.Array:
		n := r.count(1)
		out := make([]any, n)
		for i := range out {
			out[i] = decodeNullable(r, t.Elem)
		}
		return out
	case types.MapKind:
		n := r.count(2)
		m := &types.Map{Keys: make([]any, n), Values: make([]any, n)}
		for i := 0; i < n; i++ {
			m.Keys[i] = decodeNullable(r, t.Key)
			m.Values[i] = decodeNullable(r, t.Elem)
		}
		return m
	case types.StructKind:
		s := &types.Struct{Values: make([]any, len(t.Fields))}
		for i, f := range t.Fields {
			s.Values[i] = decodeNullable(r, f.Type)
		}
		return s
	default:
		r.fail(fmt.Errorf("cannot decode values of type %s", t))
	}
	return nil
}

// encodeValues writes count ‖ nullable values.
func encodeValues(w *writer, t *types.Type, vs []any) error {
	w.uvarint(uint64(len(vs)))
	for _, v := range vs {
		if err := encodeNullable(w, t, v); err != nil {
			return err
		}
	}
	return nil
}

func decodeValues(r *reader, t *types.Type) []any {
	n := r.count(1)
	out := make([]any, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, decodeNullable(r, t))
	}
	return out
}

// AppendRow appends vals, each nullable and of the matching type in ts, to
// buf in the accumulator encoding. Repartition topics and aggregate state
// carry rows this way: type-directed, so nothing is spent on names.
func AppendRow(buf []byte, ts []*types.Type, vals []any) ([]byte, error) {
	w := writer{buf: buf}
	for i, t := range ts {
		var v any
		if i < len(vals) {
			v = vals[i]
		}
		if err := encodeNullable(&w, t, v); err != nil {
			return buf, err
		}
	}
	return w.buf, nil
}

// ReadRow decodes the values AppendRow wrote for ts into dst (len(ts) long)
// and returns the bytes after them.
func ReadRow(b []byte, ts []*types.Type, dst []any) ([]byte, error) {
	r := reader{b: b}
	for i, t := range ts {
		dst[i] = decodeNullable(&r, t)
	}
	if r.err != nil {
		return nil, fmt.Errorf("decoding row: %w", r.err)
	}
	return r.b, nil
}
