package serde

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/sluicedb/sluice/sql/types"
)

// The JSON decoder is a single-pass scanner over the record bytes that
// converts each field straight to its column's type (ksqlDB's
// KsqlJsonDeserializer rules) and validates, then skips, unknown fields.
//
// Coercions, after ksqlDB's JsonSerdeUtils:
//   - BOOLEAN: true/false, or the strings "true"/"false" (any case).
//   - INTEGER, BIGINT: any number (fractions truncate, out-of-range values
//     keep their low bits, as Java's intValue/longValue do), or a string that
//     Integer.parseInt / Long.parseLong accepts.
//   - DOUBLE: any number, or a string Double.parseDouble accepts.
//   - DECIMAL: a number or numeric string, read exactly and fitted to the
//     column's scale (half-up); too many integer digits is an error.
//   - STRING: strings; numbers and booleans as their text; objects as compact
//     JSON; arrays as "[a, b]" of their elements' text.
//   - TIMESTAMP (ms), TIME (ms), DATE (days): numbers or integer strings.
//   - BYTES: base64 strings.
// A wrong JSON type fails with "Can't convert type. sourceType: <Jackson
// node>, requiredType: <type>"; an unparsable string with "Can't coerce
// string to type. targetType: <type>".

// maxDepth bounds nesting, as Jackson's StreamReadConstraints do, so hostile
// input cannot exhaust the stack.
const maxDepth = 1000

type jsonDec struct {
	b     []byte
	i     int
	depth int
	tmp   []byte // scratch for unescaping object keys
	arena []byte // backing store of decoded strings, see intern
	// skipTop marks top-level fields whose values are not needed: they are
	// scanned but not converted. Cleared once the top-level object is entered.
	skipTop []bool
	// arenaCap sizes the string arena; 0 means the whole document, which
	// suits decoding every column. With skipped columns most text is never
	// copied, so a small arena that grows on demand wastes less.
	arenaCap int
	// s, when set, replaces the per-document arena: strings and BIGINT
	// boxes come from the caller's chunks (DecodeInto).
	s *Scratch
}

// decErr is a failure deep inside a document; containers prepend their path
// segment on the way out so the hot path never builds paths.
type decErr struct {
	msg    string
	syntax bool     // malformed JSON: no path is reported
	segs   []string // innermost first
}

func (e *decErr) Error() string { return e.msg }

func (e *decErr) path() string {
	var sb strings.Builder
	sb.WriteByte('$')
	for i := len(e.segs) - 1; i >= 0; i-- {
		sb.WriteString(e.segs[i])
	}
	return sb.String()
}

func withSeg(err error, seg string) error {
	if de, ok := err.(*decErr); ok {
		de.segs = append(de.segs, seg)
		return de
	}
	return err
}

func (d *jsonDec) syntax(format string, args ...any) error {
	return &decErr{msg: fmt.Sprintf("Invalid JSON at offset %d: ", d.i) + fmt.Sprintf(format, args...), syntax: true}
}

func (d *jsonDec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of input.
func (d *jsonDec) peek() byte {
	if d.i < len(d.b) && d.b[d.i] > ' ' {
		return d.b[d.i] // no whitespace, the usual case
	}
	d.ws()
	if d.i >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

func (d *jsonDec) unexpected() error {
	if d.i >= len(d.b) {
		return d.syntax("unexpected end of input")
	}
	return d.syntax("unexpected character %q", rune(d.b[d.i]))
}

func (d *jsonDec) literal(lit string) error {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return d.unexpected()
	}
	d.i += len(lit)
	return nil
}

// number scans a JSON number and returns its text and whether it has a
// fraction or exponent.
func (d *jsonDec) number() ([]byte, bool, error) {
	start := d.i
	b := d.b
	i := d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		d.i = i
		return nil, false, d.unexpected()
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		d.i = i
		return nil, false, d.unexpected()
	}
	isFloat := false
	if i < len(b) && b[i] == '.' {
		isFloat = true
		i++
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			d.i = i
			return nil, false, d.syntax("expected a digit after the decimal point")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		isFloat = true
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == s {
			d.i = i
			return nil, false, d.syntax("expected a digit in the exponent")
		}
	}
	d.i = i
	return b[start:i], isFloat, nil
}

// str scans a string starting at the opening quote and returns its raw
// content and whether it contains escapes.
func (d *jsonDec) str() ([]byte, bool, error) {
	d.i++ // opening quote
	start := d.i
	b := d.b
	i := d.i
	esc, high := false, false
	for {
		// Plain bytes are the common case: skip them eight at a time.
		i = skipPlain(b, i)
		if i >= len(b) {
			d.i = i
			return nil, false, d.syntax("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			raw := b[start:i]
			d.i = i + 1
			if high && !utf8.Valid(raw) {
				return nil, false, d.syntax("invalid UTF-8 in string")
			}
			return raw, esc, nil
		case c == '\\':
			esc = true
			i += 2
		case c >= utf8.RuneSelf:
			high = true
			i++
		default:
			d.i = i
			return nil, false, d.syntax("illegal unquoted control character in string")
		}
	}
}

// strSpecial marks the bytes that end the fast scan of a string.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

const (
	lsbs = 0x0101010101010101
	msbs = 0x8080808080808080
)

// specialMask flags (with its high bit) each byte of w that is in
// strSpecial: a control character, '"', '\\' or a non-ASCII byte. It is SWAR
// arithmetic where a borrow can flag a byte wrongly, but only above a byte
// rightly flagged, so the lowest flag is exact, and that is all a scan uses.
func specialMask(w uint64) uint64 {
	ctl := (w - lsbs*0x20) &^ w // bytes < 0x20
	q := w ^ (lsbs * '"')
	q = (q - lsbs) &^ q // bytes == '"'
	bs := w ^ (lsbs * '\\')
	bs = (bs - lsbs) &^ bs // bytes == '\\'
	return (w | ctl | q | bs) & msbs
}

// skipPlain returns the index of the first byte of b at or after i that is
// in strSpecial, or len(b).
func skipPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := specialMask(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(b) && !strSpecial[b[i]] {
		i++
	}
	return i
}

// unescape appends the decoded content of a raw string with escapes.
func (d *jsonDec) unescape(dst, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return dst, d.syntax("bad escape")
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			dst = append(dst, raw[i+1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(raw[i+2:])
			if !ok {
				return dst, d.syntax("bad \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if len(raw)-i >= 6 && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2, ok := hex4(raw[i+2:]); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							i += 6
							dst = utf8.AppendRune(dst, dec)
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, d.syntax("bad escape \\%c", rune(raw[i+1]))
		}
		i += 2
	}
	return dst, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (d *jsonDec) stringValue() (string, error) {
	raw, esc, err := d.str()
	if err != nil {
		return "", err
	}
	if !esc {
		return d.intern(raw), nil
	}
	if d.s != nil {
		// Unescaping never lengthens a string, so raw's length is room enough.
		d.s.reserveStr(len(raw))
		start := len(d.s.strs)
		out, err := d.unescape(d.s.strs, raw)
		if err != nil {
			return "", err
		}
		d.s.strs = out
		return d.s.since(start), nil
	}
	start := len(d.arena)
	d.arenaInit()
	d.arena, err = d.unescape(d.arena, raw)
	if err != nil {
		return "", err
	}
	return d.arenaString(start), nil
}

// Decoded strings share one buffer per record, sized to the record (an
// unescaped string is never longer than its JSON text, so one allocation
// holds them all). The buffer is only ever appended to, never rewritten below
// its length, so the unsafe.String views handed out never change, even if an
// append were to move the buffer.
func (d *jsonDec) arenaInit() {
	if d.arena == nil {
		n := len(d.b)
		if d.arenaCap > 0 && d.arenaCap < n {
			n = d.arenaCap
		}
		d.arena = make([]byte, 0, n)
	}
}

func (d *jsonDec) intern(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if d.s != nil {
		return d.s.String(raw)
	}
	d.arenaInit()
	start := len(d.arena)
	d.arena = append(d.arena, raw...)
	return d.arenaString(start)
}

func (d *jsonDec) arenaString(start int) string {
	if len(d.arena) == start {
		return ""
	}
	return unsafe.String(&d.arena[start], len(d.arena)-start)
}

// key reads an object key; the result is only valid until the next key.
func (d *jsonDec) key() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.unexpected()
	}
	raw, esc, err := d.str()
	if err != nil {
		return nil, err
	}
	if esc {
		d.tmp, err = d.unescape(d.tmp[:0], raw)
		raw = d.tmp
		if err != nil {
			return nil, err
		}
	}
	if d.peek() != ':' {
		return nil, d.unexpected()
	}
	d.i++
	return raw, nil
}

// next advances past '{'/'[' (first) or a ',' between members, reporting
// whether the container closed instead.
func (d *jsonDec) next(first *bool, closer byte) (bool, error) {
	c := d.peek()
	if c == closer {
		d.i++
		return true, nil
	}
	if *first {
		*first = false
		return false, nil
	}
	if c != ',' {
		return false, d.unexpected()
	}
	d.i++
	return false, nil
}

func (d *jsonDec) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.syntax("document nesting depth exceeds the maximum allowed (%d)", maxDepth)
	}
	d.i++
	return nil
}

// skip validates and skips one value.
func (d *jsonDec) skip() error {
	switch c := d.peek(); c {
	case '{':
		if err := d.enter(); err != nil {
			return err
		}
		first := true
		for {
			done, err := d.next(&first, '}')
			if err != nil {
				return err
			}
			if done {
				break
			}
			if _, err := d.key(); err != nil {
				return err
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
		d.depth--
		return nil
	case '[':
		if err := d.enter(); err != nil {
			return err
		}
		first := true
		for {
			done, err := d.next(&first, ']')
			if err != nil {
				return err
			}
			if done {
				break
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
		d.depth--
		return nil
	case '"':
		raw, esc, err := d.str()
		if err == nil && esc {
			_, err = d.unescape(d.tmp[:0], raw)
		}
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	default:
		_, _, err := d.number()
		return err
	}
}

// nodeType names the Jackson node the next value would become, for
// ksqlDB's conversion errors. Floats are DecimalNode because ksqlDB reads
// with USE_BIG_DECIMAL_FOR_FLOATS.
func (d *jsonDec) nodeType() string {
	switch c := d.peek(); c {
	case '{':
		return "ObjectNode"
	case '[':
		return "ArrayNode"
	case '"':
		return "TextNode"
	case 't', 'f':
		return "BooleanNode"
	case 'n':
		return "NullNode"
	}
	save := d.i
	text, isFloat, err := d.number()
	d.i = save
	if err != nil {
		return "MissingNode"
	}
	if isFloat {
		return "DecimalNode"
	}
	if v, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			return "IntNode"
		}
		return "LongNode"
	}
	return "BigIntegerNode"
}

func (d *jsonDec) convErr(t *types.Type) error {
	nt := d.nodeType()
	if err := d.skip(); err != nil {
		return err
	}
	return &decErr{msg: "Can't convert type. sourceType: " + nt + ", requiredType: " + baseTypeName(t.Kind)}
}

func coerceErr(t *types.Type) error {
	return &decErr{msg: "Can't coerce string to type. targetType: " + baseTypeName(t.Kind)}
}

// value decodes the next value as type t.
func (d *jsonDec) value(t *types.Type) (any, error) {
	c := d.peek()
	if c == 'n' {
		return nil, d.literal("null")
	}
	if c == 0 {
		return nil, d.unexpected()
	}
	switch t.Kind {
	case types.Boolean:
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		case '"':
			s, err := d.stringValue()
			if err != nil {
				return nil, err
			}
			switch {
			case strings.EqualFold(s, "true"):
				return true, nil
			case strings.EqualFold(s, "false"):
				return false, nil
			}
			return nil, coerceErr(t)
		}
		return nil, d.convErr(t)
	case types.Int, types.DateKind:
		v, err := d.integer(t, 32)
		if err != nil {
			return nil, err
		}
		if t.Kind == types.DateKind {
			return types.Date(v), nil
		}
		return int32(v), nil
	case types.Bigint, types.TimestampKind, types.TimeKind:
		v, err := d.integer(t, 64)
		if err != nil {
			return nil, err
		}
		switch t.Kind {
		case types.TimestampKind:
			return boxTimestamp(d.s, v), nil
		case types.TimeKind:
			return types.Time(v), nil
		}
		return boxInt64(d.s, v), nil
	case types.Double:
		if c == '"' {
			s, err := d.stringValue()
			if err != nil {
				return nil, err
			}
			f, ok := parseJavaDouble(s)
			if !ok {
				return nil, coerceErr(t)
			}
			return f, nil
		}
		if c == '-' || c >= '0' && c <= '9' {
			text, _, err := d.number()
			if err != nil {
				return nil, err
			}
			f, _ := strconv.ParseFloat(string(text), 64) // grammar already checked; range errors give ±Inf like Java
			return f, nil
		}
		return nil, d.convErr(t)
	case types.DecimalKind:
		var text string
		switch {
		case c == '"':
			s, err := d.stringValue()
			if err != nil {
				return nil, err
			}
			text = s
		case c == '-' || c >= '0' && c <= '9':
			b, _, err := d.number()
			if err != nil {
				return nil, err
			}
			text = string(b)
		default:
			return nil, d.convErr(t)
		}
		dec, err := parseDecimal(text, t)
		if err != nil {
			return nil, &decErr{msg: err.Error()}
		}
		return dec, nil
	case types.String:
		return d.stringish()
	case types.Bytes:
		if c != '"' {
			return nil, d.convErr(t)
		}
		s, err := d.stringValue()
		if err != nil {
			return nil, err
		}
		b, ok := decodeBase64(s)
		if !ok {
			return nil, coerceErr(t)
		}
		return b, nil
	case types.Array:
		if c != '[' {
			return nil, d.convErr(t)
		}
		return d.array(t)
	case types.MapKind:
		if c != '{' {
			return nil, d.convErr(t)
		}
		return d.mapValue(t)
	case types.StructKind:
		if c != '{' {
			return nil, d.convErr(t)
		}
		vals, err := d.fields(t.Fields, namesAllUpper(t.Fields))
		if err != nil {
			return nil, err
		}
		return &types.Struct{Values: vals}, nil
	}
	return nil, d.convErr(t)
}

// integer reads an integral column: bits is 32 or 64.
func (d *jsonDec) integer(t *types.Type, bits int) (int64, error) {
	c := d.peek()
	if c == '"' {
		s, err := d.stringValue()
		if err != nil {
			return 0, err
		}
		v, ok := parseJavaInt(s, bits)
		if !ok {
			return 0, coerceErr(t)
		}
		return v, nil
	}
	if !(c == '-' || c >= '0' && c <= '9') {
		return 0, d.convErr(t)
	}
	if c != '-' && c != '0' {
		// The common case, a plain positive integer, in one pass.
		b, i := d.b, d.i
		var v int64
		for i < len(b) && b[i]-'0' <= 9 {
			v = v*10 + int64(b[i]-'0')
			i++
		}
		if i-d.i <= 18 && (i == len(b) || b[i] != '.' && b[i] != 'e' && b[i] != 'E') {
			d.i = i
			if bits == 32 {
				v = int64(int32(v))
			}
			return v, nil
		}
	}
	text, isFloat, err := d.number()
	if err != nil {
		return 0, err
	}
	v, ok := fastInt(text)
	if !ok || isFloat {
		v = slowInt(text, isFloat)
	}
	if bits == 32 {
		v = int64(int32(v)) // Java's intValue keeps the low 32 bits
	}
	return v, nil
}

// fastInt parses a short integer literal without allocating.
func fastInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

var mask64 = new(big.Int).SetUint64(math.MaxUint64)

// slowInt converts a number that is long or fractional as Java's
// BigInteger/BigDecimal longValue does: truncate toward zero, keep the low 64 bits.
func slowInt(text []byte, isFloat bool) int64 {
	if isFloat {
		if f, err := strconv.ParseFloat(string(text), 64); err == nil && math.Abs(f) < 1<<53 {
			return int64(f)
		}
		dec, ok := parseDecimalText(string(text))
		if !ok {
			return 0
		}
		if dec.Scale > 0 {
			q := new(big.Int).Quo(dec.Unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dec.Scale)), nil))
			return lowBits(q)
		}
		return lowBits(dec.Unscaled)
	}
	if v, err := strconv.ParseInt(string(text), 10, 64); err == nil {
		return v
	}
	n, ok := new(big.Int).SetString(string(text), 10)
	if !ok {
		return 0
	}
	return lowBits(n)
}

func lowBits(n *big.Int) int64 {
	return int64(new(big.Int).And(n, mask64).Uint64())
}

// stringish reads a STRING column, coercing other JSON types to text.
func (d *jsonDec) stringish() (any, error) {
	switch c := d.peek(); c {
	case '"':
		s, err := d.stringValue()
		if err != nil {
			return nil, err
		}
		return boxString(d.s, s), nil
	case 't':
		return "true", d.literal("true")
	case 'f':
		return "false", d.literal("false")
	case 'n':
		return "null", d.literal("null") // only reached inside an array: NullNode.asText()
	case '{':
		start := d.i
		if err := d.skip(); err != nil {
			return nil, err
		}
		return string(minifyJSON(nil, d.b[start:d.i])), nil
	case '[':
		if err := d.enter(); err != nil {
			return nil, err
		}
		out := []byte{'['}
		first := true
		for n := 0; ; n++ {
			done, err := d.next(&first, ']')
			if err != nil {
				return nil, err
			}
			if done {
				break
			}
			el, err := d.stringish()
			if err != nil {
				return nil, withSeg(err, "["+strconv.Itoa(n)+"]")
			}
			if n > 0 {
				out = append(out, ", "...)
			}
			out = append(out, el.(string)...)
		}
		d.depth--
		return string(append(out, ']')), nil
	default:
		text, _, err := d.number()
		if err != nil {
			return nil, err
		}
		return string(text), nil
	}
}

// minifyJSON appends already validated JSON without insignificant whitespace.
func minifyJSON(dst, src []byte) []byte {
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			dst = append(dst, c)
			if c == '\\' && i+1 < len(src) {
				i++
				dst = append(dst, src[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inStr = true
		}
		dst = append(dst, c)
	}
	return dst
}

func (d *jsonDec) array(t *types.Type) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	out := []any{}
	first := true
	for {
		done, err := d.next(&first, ']')
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		v, err := d.value(t.Elem)
		if err != nil {
			return nil, withSeg(err, "["+strconv.Itoa(len(out))+"]")
		}
		out = append(out, v)
	}
	d.depth--
	return out, nil
}

func (d *jsonDec) mapValue(t *types.Type) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	m := &types.Map{}
	var index map[any]int // duplicate keys keep the first position, last value (LinkedHashMap)
	first := true
	for {
		done, err := d.next(&first, '}')
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		kb, err := d.key()
		if err != nil {
			return nil, err
		}
		ks := string(kb)
		var k any = ks
		if t.Key != nil && t.Key.Kind != types.String {
			k, err = coerceText(ks, t.Key)
			if err != nil {
				return nil, withSeg(err, "."+ks)
			}
		}
		v, err := d.value(t.Elem)
		if err != nil {
			return nil, withSeg(err, "."+ks)
		}
		if len(m.Keys) >= 16 && index == nil {
			index = make(map[any]int, 32)
			for i, k := range m.Keys {
				index[k] = i
			}
		}
		if index != nil {
			if i, ok := index[k]; ok {
				m.Values[i] = v
				continue
			}
			index[k] = len(m.Keys)
			m.Keys = append(m.Keys, k)
			m.Values = append(m.Values, v)
			continue
		}
		m.Put(k, v)
	}
	d.depth--
	return m, nil
}

// coerceText converts a string (a map key) to a primitive type as a TextNode would be.
func coerceText(s string, t *types.Type) (any, error) {
	d := &jsonDec{b: []byte(strconv.Quote(s))}
	return d.value(t)
}

// fields decodes an object into values aligned with names: an exact name
// match wins, otherwise a key whose upper-case form equals the name (ksqlDB
// upper-cases unquoted identifiers, so {"id":1} fills column ID).
//
// allUpper (see namesAllUpper) enables the fast path: exact and upper-cased
// matching then coincide, and fields are tried in order first, as producers
// usually write them.
func (d *jsonDec) fields(fs []types.Field, allUpper bool) ([]any, error) {
	vals := make([]any, len(fs))
	if err := d.fieldsInto(vals, fs, allUpper, nil, nil); err != nil {
		return nil, err
	}
	return vals, nil
}

// fieldsInto is fields writing into vals, which holds len(fs) nils. lower,
// when not nil, holds the names in lower case (allUpper must be set), or ""
// for a name without letters: the spelling producers usually use, compared
// before folding case, and never an exact match.
//
// memo, when not nil, remembers the keys of the codec's previous documents by
// position: a key written exactly as the one before it at that position is
// recognised by one comparison of its raw bytes.
func (d *jsonDec) fieldsInto(vals []any, fs []types.Field, allUpper bool, lower []string, memo *fieldMemo) error {
	if err := d.enter(); err != nil {
		return err
	}
	skip := d.skipTop
	d.skipTop = nil
	var exactBuf [64]bool
	var exact []bool
	if len(fs) <= len(exactBuf) {
		exact = exactBuf[:len(fs)]
	} else {
		exact = make([]bool, len(fs))
	}
	first := true
	hint := 0
	for pos := 0; ; pos++ {
		done, err := d.next(&first, '}')
		if err != nil {
			return err
		}
		if done {
			break
		}
		var idx int
		var isExact bool
		var km *keyMemo
		if memo != nil && pos < maxMemoKeys {
			km = memo.at(pos)
			if n := len(km.raw); n > 0 && len(d.b)-d.i >= n && string(d.b[d.i:d.i+n]) == km.raw {
				d.i += n
				idx, isExact = km.idx, km.exact
				km = nil
				goto matched
			}
		}
		{
			d.peek()
			start := d.i
			k, err := d.key()
			if err != nil {
				return err
			}
			if lower != nil && hint < len(fs) && len(k) > 0 && string(k) == lower[hint] {
				idx = hint
			} else if allUpper {
				idx, isExact = matchUpper(fs, k, hint)
			} else {
				idx, isExact = matchField(fs, k)
			}
			if km != nil {
				km.remember(d.b[start:d.i], idx, isExact)
			}
		}
	matched:
		if idx >= 0 {
			hint = idx + 1
		}
		if idx < 0 || (!isExact && exact[idx]) || skip != nil && skip[idx] {
			if err := d.skip(); err != nil {
				return err
			}
			continue
		}
		v, err := d.value(fs[idx].Type)
		if err != nil {
			return withSeg(err, "."+fs[idx].Name)
		}
		vals[idx] = v
		if isExact {
			exact[idx] = true
		}
	}
	d.depth--
	return nil
}

func matchField(fs []types.Field, key []byte) (int, bool) {
	for i := range fs {
		if fs[i].Name == string(key) {
			return i, true
		}
	}
	ascii := true
	for _, c := range key {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		for i := range fs {
			if n := fs[i].Name; len(n) == len(key) && upperEqual(key, n) {
				return i, false
			}
		}
		return -1, false
	}
	up := strings.ToUpper(string(key))
	for i := range fs {
		if fs[i].Name == up {
			return i, false
		}
	}
	return -1, false
}

// namesAllUpper reports whether no name has lower-case or non-ASCII
// characters, the usual case for unquoted identifiers.
func namesAllUpper(fs []types.Field) bool {
	for i := range fs {
		n := fs[i].Name
		for j := 0; j < len(n); j++ {
			if c := n[j]; c >= 0x80 || c >= 'a' && c <= 'z' {
				return false
			}
		}
	}
	return true
}

// matchUpper is matchField for names that are all upper-case ASCII.
func matchUpper(fs []types.Field, key []byte, hint int) (int, bool) {
	for _, c := range key {
		if c >= 0x80 {
			return matchField(fs, key)
		}
	}
	if hint < len(fs) {
		if n := fs[hint].Name; len(n) == len(key) && upperEqual(key, n) {
			return hint, n == string(key)
		}
	}
	for i := range fs {
		if n := fs[i].Name; len(n) == len(key) && upperEqual(key, n) {
			return i, n == string(key)
		}
	}
	return -1, false
}

func upperEqual(key []byte, name string) bool {
	for i, c := range key {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}
