package expr

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/sql/types"
)

// CanCast reports whether CAST(x AS to) is allowed for x of type from.
func CanCast(from, to *types.Type) bool {
	if from.Kind == types.Unknown || from.Equal(to) {
		return true
	}
	switch to.Kind {
	case types.String:
		return from.Kind != types.Bytes
	case types.Int, types.Bigint, types.Double, types.DecimalKind:
		return from.IsNumeric() || from.Kind == types.String
	case types.Boolean:
		return from.Kind == types.String
	case types.TimestampKind:
		return from.Kind == types.String || from.Kind == types.DateKind
	case types.DateKind, types.TimeKind:
		return from.Kind == types.String || from.Kind == types.TimestampKind
	case types.Array:
		return from.Kind == types.Array && CanCast(from.Elem, to.Elem)
	case types.MapKind:
		return from.Kind == types.MapKind && CanCast(from.Key, to.Key) && CanCast(from.Elem, to.Elem)
	case types.StructKind:
		if from.Kind != types.StructKind {
			return false
		}
		for _, tf := range to.Fields {
			for _, ff := range from.Fields {
				if ff.Name == tf.Name && !CanCast(ff.Type, tf.Type) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// ConvertLiteral converts a constant at bind time; it is Convert.
func ConvertLiteral(v any, from, to *types.Type) (any, error) { return Convert(v, from, to) }

// Convert casts v of type from to type to with ksqlDB's rules: narrowing
// numeric casts truncate toward zero and wrap like Java, DECIMAL results
// round half up, strings parse after trimming. nil stays nil.
func Convert(v any, from, to *types.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	if from.Equal(to) {
		return v, nil
	}
	switch to.Kind {
	case types.String:
		return ToString(v), nil
	case types.Int:
		switch x := v.(type) {
		case int32:
			return x, nil
		case int64:
			return int32(x), nil
		case float64:
			return int32(javaD2L(x)), nil
		case types.Decimal:
			q := new(big.Int).Quo(x.Unscaled, pow10(x.Scale))
			return int32(q.Int64()), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type INTEGER: %q", x)
			}
			return int32(n), nil
		}
	case types.Bigint:
		switch x := v.(type) {
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			return javaD2L(x), nil
		case types.Decimal:
			return new(big.Int).Quo(x.Unscaled, pow10(x.Scale)).Int64(), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type BIGINT: %q", x)
			}
			return n, nil
		}
	case types.Double:
		switch x := v.(type) {
		case int32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case types.Decimal:
			return x.Float64(), nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type DOUBLE: %q", x)
			}
			return f, nil
		}
	case types.DecimalKind:
		var d types.Decimal
		switch x := v.(type) {
		case int32:
			d = types.Decimal{Unscaled: big.NewInt(int64(x))}
		case int64:
			d = types.Decimal{Unscaled: big.NewInt(x)}
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("cannot cast %s to %s", FormatDouble(x), to)
			}
			// Java's BigDecimal.valueOf(double) goes through Double.toString.
			p, err := types.ParseDecimal(plainDouble(x))
			if err != nil {
				return nil, err
			}
			d = p
		case types.Decimal:
			d = x
		case string:
			p, err := types.ParseDecimal(strings.TrimSpace(x))
			if err != nil {
				f, ferr := strconv.ParseFloat(strings.TrimSpace(x), 64)
				if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, fmt.Errorf("invalid input syntax for type DECIMAL: %q", x)
				}
				p, _ = types.ParseDecimal(plainDouble(f))
			}
			d = p
		default:
			return nil, fmt.Errorf("cannot cast %T to %s", v, to)
		}
		return FitDecimal(d, to)
	case types.Boolean:
		if s, ok := v.(string); ok {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "t", "yes", "y":
				return true, nil
			case "false", "f", "no", "n":
				return false, nil
			}
			return nil, fmt.Errorf("invalid input syntax for type BOOLEAN: %q", s)
		}
	case types.TimestampKind:
		switch x := v.(type) {
		case string:
			return ParseTimestampISO(x)
		case types.Date:
			return types.Timestamp(int64(x) * 86400000), nil
		}
	case types.DateKind:
		switch x := v.(type) {
		case string:
			t, err := time.Parse("2006-01-02", strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("invalid input syntax for type DATE: %q", x)
			}
			return types.Date(floorDiv(t.Unix(), 86400)), nil
		case types.Timestamp:
			return types.Date(floorDiv(int64(x), 86400000)), nil
		}
	case types.TimeKind:
		switch x := v.(type) {
		case string:
			for _, layout := range []string{"15:04:05.999999999", "15:04"} {
				if t, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
					return types.Time(int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond()/1e6)), nil
				}
			}
			return nil, fmt.Errorf("invalid input syntax for type TIME: %q", x)
		case types.Timestamp:
			ms := int64(x) % 86400000
			if ms < 0 {
				ms += 86400000
			}
			return types.Time(ms), nil
		}
	case types.Array:
		a, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, len(a))
		for i, e := range a {
			c, err := Convert(e, from.Elem, to.Elem)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case types.MapKind:
		m, ok := v.(*types.Map)
		if !ok {
			break
		}
		out := &types.Map{}
		for i := range m.Keys {
			k, err := Convert(m.Keys[i], from.Key, to.Key)
			if err != nil {
				return nil, err
			}
			val, err := Convert(m.Values[i], from.Elem, to.Elem)
			if err != nil {
				return nil, err
			}
			out.Put(k, val)
		}
		return out, nil
	case types.StructKind:
		s, ok := v.(*types.Struct)
		if !ok {
			break
		}
		out := &types.Struct{Values: make([]any, len(to.Fields))}
		for i, tf := range to.Fields {
			for j, ff := range from.Fields {
				if ff.Name == tf.Name && j < len(s.Values) {
					c, err := Convert(s.Values[j], ff.Type, tf.Type)
					if err != nil {
						return nil, err
					}
					out.Values[i] = c
				}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot cast %s to %s", from, to)
}

// javaD2L converts like Java's (long) cast: truncation, saturation, NaN -> 0.
func javaD2L(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// plainDouble prints a double's shortest representation without exponent.
func plainDouble(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// FitDecimal rescales d to t's scale (half up) and checks it fits t's precision.
func FitDecimal(d types.Decimal, t *types.Type) (types.Decimal, error) {
	r := d.Rescale(t.Scale)
	if t.Precision > 0 && r.Precision() > t.Precision && r.Unscaled.Sign() != 0 {
		return types.Decimal{}, fmt.Errorf("Numeric field overflow: A field with precision %d and scale %d must round to an absolute value less than 10^%d. Got %s", t.Precision, t.Scale, t.Precision-t.Scale, d)
	}
	return r, nil
}

// ParseTimestampISO parses ksqlDB's CAST(string AS TIMESTAMP) forms:
// 2022-04-28T21:44:47.943, with an optional Z or offset, or a bare date.
func ParseTimestampISO(s string) (types.Timestamp, error) {
	s = strings.TrimSpace(s)
	layouts := []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02T15", "2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return types.Timestamp(t.UnixMilli()), nil
		}
	}
	return 0, fmt.Errorf("invalid input syntax for type TIMESTAMP: %q", s)
}

// ToString renders a value as ksqlDB's CAST(x AS STRING) does.
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatDouble(x)
	case types.Decimal:
		return x.String()
	case types.Timestamp:
		return time.UnixMilli(int64(x)).UTC().Format("2006-01-02T15:04:05.000")
	case types.Date:
		return time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")
	case types.Time:
		return FormatTime(x)
	case []byte:
		return string(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = ToString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *types.Map:
		parts := make([]string, len(x.Keys))
		for i := range x.Keys {
			parts[i] = ToString(x.Keys[i]) + "=" + ToString(x.Values[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *types.Struct:
		parts := make([]string, len(x.Values))
		for i, e := range x.Values {
			parts[i] = ToString(e)
		}
		return "Struct{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprint(v)
}

// FormatTime prints a TIME as Java's LocalTime.toString: HH:mm, then :ss and
// .SSS only when non-zero.
func FormatTime(t types.Time) string {
	ms := int64(t)
	h, m, s, frac := ms/3600000, ms/60000%60, ms/1000%60, ms%1000
	out := fmt.Sprintf("%02d:%02d", h, m)
	if s != 0 || frac != 0 {
		out += fmt.Sprintf(":%02d", s)
	}
	if frac != 0 {
		out += fmt.Sprintf(".%03d", frac)
	}
	return out
}
