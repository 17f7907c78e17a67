package serde

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/sql/types"
)

// FormatValue renders a value as ksqlDB's CLI shows it in a result table.
// The CLI receives rows as JSON from the REST API and prints them with Java's
// toString, so:
//
//	NULL       null
//	STRING     the text, unquoted
//	DOUBLE     Java's Double.toString (1.0, 1.0E10)
//	DECIMAL    plain, with its scale (1.50)
//	BYTES      base64
//	TIMESTAMP  2021-04-20T10:49:51.000 (UTC)
//	DATE       2021-04-20
//	TIME       10:49:51 (fraction only when non-zero)
//	ARRAY      [1, 2, null]
//	MAP        {a=1, b=2}
//	STRUCT     {A=1, B=x}
//
// t may be nil, in which case the Go type of v decides.
func FormatValue(v any, t *types.Type) string {
	var sb strings.Builder
	formatValue(&sb, v, t)
	return sb.String()
}

func formatValue(sb *strings.Builder, v any, t *types.Type) {
	if v == nil {
		sb.WriteString("null")
		return
	}
	elem := func(i int) *types.Type {
		if t == nil {
			return nil
		}
		switch t.Kind {
		case types.Array, types.MapKind:
			return t.Elem
		case types.StructKind:
			if i < len(t.Fields) {
				return t.Fields[i].Type
			}
		}
		return nil
	}
	switch x := v.(type) {
	case string:
		sb.WriteString(x)
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case int32:
		sb.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case int:
		sb.WriteString(strconv.Itoa(x))
	case float64:
		sb.Write(appendJavaDouble(nil, x))
	case types.Decimal:
		sb.WriteString(x.String())
	case []byte:
		sb.WriteString(base64.StdEncoding.EncodeToString(x))
	case types.Timestamp:
		sb.WriteString(FormatTimestamp(int64(x)))
	case types.Date:
		sb.WriteString(FormatDate(int32(x)))
	case types.Time:
		sb.WriteString(FormatTime(int64(x)))
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			formatValue(sb, e, elem(i))
		}
		sb.WriteByte(']')
	case *types.Map:
		sb.WriteByte('{')
		for i, k := range x.Keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			var kt *types.Type
			if t != nil && t.Kind == types.MapKind {
				kt = t.Key
			}
			formatValue(sb, k, kt)
			sb.WriteByte('=')
			if i < len(x.Values) {
				formatValue(sb, x.Values[i], elem(i))
			} else {
				sb.WriteString("null")
			}
		}
		sb.WriteByte('}')
	case *types.Struct:
		sb.WriteByte('{')
		for i, fv := range x.Values {
			if i > 0 {
				sb.WriteString(", ")
			}
			if t != nil && t.Kind == types.StructKind && i < len(t.Fields) {
				sb.WriteString(t.Fields[i].Name)
			} else {
				sb.WriteString("F" + strconv.Itoa(i))
			}
			sb.WriteByte('=')
			formatValue(sb, fv, elem(i))
		}
		sb.WriteByte('}')
	default:
		fmt.Fprint(sb, v)
	}
}

// FormatTimestamp prints epoch milliseconds as ksqlDB prints TIMESTAMP:
// yyyy-MM-ddTHH:mm:ss.SSS in UTC.
func FormatTimestamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000")
}

// FormatDate prints days since the epoch as yyyy-MM-dd.
func FormatDate(days int32) string {
	return time.Unix(int64(days)*86400, 0).UTC().Format("2006-01-02")
}

// FormatTime prints milliseconds since midnight as Java's ISO_LOCAL_TIME:
// HH:mm:ss, then the fraction without trailing zeros when it is not zero.
func FormatTime(ms int64) string {
	ms = ((ms % 86400000) + 86400000) % 86400000
	s := fmt.Sprintf("%02d:%02d:%02d", ms/3600000, ms/60000%60, ms/1000%60)
	if frac := ms % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return s
}

// Object is a JSON object that keeps its keys in order (MAP entries in
// insertion order, STRUCT fields in type order) when marshalled.
type Object struct {
	Keys   []string
	Values []any
}

// MarshalJSON writes the object with its keys in order.
func (o *Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.Keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(appendJSONString(nil, k))
		buf.WriteByte(':')
		var v any
		if i < len(o.Values) {
			v = o.Values[i]
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// ToJSON converts a value of type t (nil: decided by the Go type) to a form
// encoding/json marshals as ksqlDB's REST API writes it: numbers keep their
// Java/decimal text (json.Number), NaN and infinities become strings, BYTES
// base64, TIMESTAMP/DATE/TIME the strings FormatValue uses, MAP and STRUCT an
// ordered *Object, ARRAY []any.
func ToJSON(v any, t *types.Type) any {
	if v == nil {
		return nil
	}
	switch x := v.(type) {
	case bool, string:
		return x
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int:
		return json.Number(strconv.Itoa(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return JavaDouble(x)
		}
		return json.Number(JavaDouble(x))
	case types.Decimal:
		return json.Number(x.String())
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case types.Timestamp:
		return FormatTimestamp(int64(x))
	case types.Date:
		return FormatDate(int32(x))
	case types.Time:
		return FormatTime(int64(x))
	case []any:
		var et *types.Type
		if t != nil && t.Kind == types.Array {
			et = t.Elem
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToJSON(e, et)
		}
		return out
	case *types.Map:
		var kt, vt *types.Type
		if t != nil && t.Kind == types.MapKind {
			kt, vt = t.Key, t.Elem
		}
		o := &Object{Keys: make([]string, len(x.Keys)), Values: make([]any, len(x.Keys))}
		for i, k := range x.Keys {
			if ks, err := mapKeyText(k, kt); err == nil {
				o.Keys[i] = ks
			} else {
				o.Keys[i] = FormatValue(k, kt)
			}
			if i < len(x.Values) {
				o.Values[i] = ToJSON(x.Values[i], vt)
			}
		}
		return o
	case *types.Struct:
		o := &Object{Keys: make([]string, len(x.Values)), Values: make([]any, len(x.Values))}
		for i, fv := range x.Values {
			var ft *types.Type
			if t != nil && t.Kind == types.StructKind && i < len(t.Fields) {
				o.Keys[i] = t.Fields[i].Name
				ft = t.Fields[i].Type
			} else {
				o.Keys[i] = "F" + strconv.Itoa(i)
			}
			o.Values[i] = ToJSON(fv, ft)
		}
		return o
	}
	return fmt.Sprint(v)
}
