package serde

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/types"
)

// appendJavaDouble appends f as Java's Double.toString prints it, which is
// what ksqlDB writes for DOUBLE in JSON (Jackson) and DELIMITED values:
// "1.0", "0.001", "1.0E7", "4.9E-324", "NaN", "-Infinity".
func appendJavaDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	// Shortest round-trip digits, as Java (JDK 19+) also prints.
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	ei := 0
	for ei < len(e) && e[ei] != 'e' {
		ei++
	}
	if ei == 1 {
		// Java never stops at one digit: among two-digit decimals it picks
		// the one closest to f (Double.MIN_VALUE is 4.9E-324, not 5E-324).
		e = strconv.AppendFloat(buf[:0], math.Abs(f), 'e', 1, 64)
		if e[2] == '0' {
			e = append(e[:1], e[3:]...)
		}
		ei = 0
		for ei < len(e) && e[ei] != 'e' {
			ei++
		}
	}
	mant := e[:ei]
	exp, _ := strconv.Atoi(string(e[ei+1:]))
	digits := make([]byte, 0, 20)
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			intLen := exp + 1
			for len(digits) < intLen {
				digits = append(digits, '0')
			}
			dst = append(dst, digits[:intLen]...)
			dst = append(dst, '.')
			if len(digits) == intLen {
				return append(dst, '0')
			}
			return append(dst, digits[intLen:]...)
		}
		dst = append(dst, "0."...)
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) == 1 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// JavaDouble formats f as Java's Double.toString.
func JavaDouble(f float64) string { return string(appendJavaDouble(nil, f)) }

// parseJavaDouble reads a double as Java's Double.parseDouble: surrounding
// whitespace, NaN, Infinity and a trailing d/D/f/F suffix are accepted.
func parseJavaDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" {
		return 0, false
	}
	switch s {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if last := s[len(s)-1]; last == 'd' || last == 'D' || last == 'f' || last == 'F' {
		s = s[:len(s)-1]
	}
	// Go accepts forms Java does not (inf, underscores, 0x without p); keep to digits.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // Java rounds to ±Infinity or 0 as well
		}
		return 0, false
	}
	return f, true
}

// parseJavaInt reads an integer as Integer.parseInt / Long.parseLong: an
// optional sign and decimal digits only, in range for bits.
func parseJavaInt(s string, bits int) (int64, bool) {
	if s == "" || s == "+" || s == "-" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(i == 0 && (c == '+' || c == '-')) {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, bits)
	return v, err == nil
}

// parseDecimal reads a decimal number (plain or with an exponent) exactly and
// fits it to the column type: rescaled half-up to the type's scale, and an
// error when the integer digits exceed precision-scale (ksqlDB's DecimalUtil.ensureFit).
func parseDecimal(s string, t *types.Type) (types.Decimal, error) {
	d, ok := parseDecimalText(s)
	if !ok {
		return types.Decimal{}, fmt.Errorf("Can't coerce string to type. targetType: DECIMAL")
	}
	return fitDecimal(d, t)
}

func parseDecimalText(s string) (types.Decimal, bool) {
	s = strings.TrimSpace(s)
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > 10000 || e < -10000 {
			return types.Decimal{}, false
		}
		exp = e
		s = s[:i]
	}
	if s == "" {
		return types.Decimal{}, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	dot := false
	digits := 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return types.Decimal{}, false
		}
	}
	if digits == 0 {
		return types.Decimal{}, false
	}
	d, err := types.ParseDecimal(s)
	if err != nil {
		return types.Decimal{}, false
	}
	d.Scale -= exp
	if d.Scale < 0 {
		d = d.Rescale(0)
	}
	return d, true
}

func fitDecimal(d types.Decimal, t *types.Type) (types.Decimal, error) {
	if t == nil || t.Kind != types.DecimalKind || t.Precision <= 0 {
		return d, nil
	}
	r := d
	if d.Scale != t.Scale {
		r = d.Rescale(t.Scale)
	}
	if r.Unscaled.Sign() != 0 && r.Precision() > t.Precision {
		text := d.String()
		if len(text) > 80 { // hostile exponents should not flood the processing log
			text = text[:40] + "..." + text[len(text)-10:]
		}
		return types.Decimal{}, fmt.Errorf("Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding. (Requires %d,%d)",
			text, t.Precision, t.Scale, max(d.Precision(), d.Scale), d.Scale)
	}
	return r, nil
}

// toDecimal accepts the value representation of DECIMAL (and, leniently,
// integers) for encoding.
func toDecimal(v any, t *types.Type) (types.Decimal, bool) {
	switch x := v.(type) {
	case types.Decimal:
		if x.Unscaled == nil {
			return types.Decimal{Unscaled: new(big.Int), Scale: x.Scale}, true
		}
		return x, true
	case *types.Decimal:
		if x == nil || x.Unscaled == nil {
			return types.Decimal{}, false
		}
		return *x, true
	case int32:
		return types.Decimal{Unscaled: big.NewInt(int64(x))}, true
	case int64:
		return types.Decimal{Unscaled: big.NewInt(x)}, true
	case int:
		return types.Decimal{Unscaled: big.NewInt(int64(x))}, true
	}
	return types.Decimal{}, false
}

// toInt64 accepts integer representations (INT, BIGINT, the temporal types)
// for encoding; the codec checks the range of the column.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case types.Timestamp:
		return int64(x), true
	case types.Date:
		return int64(x), true
	case types.Time:
		return int64(x), true
	}
	return 0, false
}

func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case types.Decimal:
		if x.Unscaled == nil {
			return 0, true
		}
		return x.Float64(), true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

// decodeBase64 reads standard base64, padded or not, as Java's basic
// decoder does; partial padding ("IQ=", "=") is an error there too, and so
// are line breaks, which Go's decoder would skip (a field of "\n" read as
// empty bytes and written back as NULL; found by FuzzDecodeDelimited).
func decodeBase64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, false
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	if strings.IndexByte(s, '=') < 0 {
		if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// appendPrimitiveText appends the text form DELIMITED (and JSON strings
// coerced from other types) use for a primitive value of type t.
func appendPrimitiveText(dst []byte, v any, t *types.Type) ([]byte, error) {
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
		return append(dst, s...), nil
	case types.Bytes:
		b, ok := v.([]byte)
		if !ok {
			return dst, typeMismatch(v, t)
		}
		return base64.StdEncoding.AppendEncode(dst, b), nil
	}
	return dst, fmt.Errorf("type %s is not a primitive type", t)
}

func typeMismatch(v any, t *types.Type) error {
	return fmt.Errorf("value %v of Go type %T does not match column type %s", v, v, t)
}
