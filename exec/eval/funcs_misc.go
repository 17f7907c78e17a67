package eval

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

func init() {
	// NULL handling.
	lenient("COALESCE", func(a []any) (any, error) { return firstNonNil(a), nil })
	lenient("IFNULL", func(a []any) (any, error) {
		if a[0] == nil {
			return a[1], nil
		}
		return a[0], nil
	})
	lenient("NULLIF", func(a []any) (any, error) {
		if a[0] != nil && a[1] != nil && equalValues(a[0], a[1]) {
			return nil, nil
		}
		return a[0], nil
	})
	lenient("AS_VALUE", func(a []any) (any, error) { return a[0], nil })

	// Arrays.
	strict("ARRAY_LENGTH", func(a []any) (any, error) { return int32(len(a[0].([]any))), nil })
	lenient("ARRAY_CONTAINS", func(a []any) (any, error) {
		if a[0] == nil {
			return false, nil
		}
		for _, x := range a[0].([]any) {
			if equalValues(x, a[1]) {
				return true, nil
			}
		}
		return false, nil
	})
	strict("ARRAY_DISTINCT", func(a []any) (any, error) { return distinct(a[0].([]any)), nil })
	strict("ARRAY_UNION", func(a []any) (any, error) {
		return distinct(append(append([]any{}, a[0].([]any)...), a[1].([]any)...)), nil
	})
	strict("ARRAY_CONCAT", func(a []any) (any, error) {
		return append(append([]any{}, a[0].([]any)...), a[1].([]any)...), nil
	})
	strict("ARRAY_INTERSECT", func(a []any) (any, error) {
		out := []any{}
		for _, x := range distinct(a[0].([]any)) {
			if contains(a[1].([]any), x) {
				out = append(out, x)
			}
		}
		return out, nil
	})
	strict("ARRAY_EXCEPT", func(a []any) (any, error) {
		out := []any{}
		for _, x := range distinct(a[0].([]any)) {
			if !contains(a[1].([]any), x) {
				out = append(out, x)
			}
		}
		return out, nil
	})
	lenient("ARRAY_REMOVE", func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		out := []any{}
		for _, x := range a[0].([]any) {
			if !equalValues(x, a[1]) {
				out = append(out, x)
			}
		}
		return out, nil
	})
	lenient("ARRAY_JOIN", func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		sep := ","
		if len(a) > 1 && a[1] != nil {
			sep = a[1].(string)
		}
		parts := make([]string, 0, len(a[0].([]any)))
		for _, x := range a[0].([]any) {
			parts = append(parts, expr.ToString(x))
		}
		return strings.Join(parts, sep), nil
	})
	arrayExtreme := func(name string, want int) {
		strict(name, func(a []any) (any, error) {
			var best any
			for _, x := range a[0].([]any) {
				if x == nil {
					continue
				}
				if best == nil {
					best = x
					continue
				}
				c, err := compareValues(x, best)
				if err != nil {
					return nil, err
				}
				if c*want > 0 {
					best = x
				}
			}
			return best, nil
		})
	}
	arrayExtreme("ARRAY_MAX", 1)
	arrayExtreme("ARRAY_MIN", -1)
	strict("ARRAY_SORT", func(a []any) (any, error) {
		desc := len(a) > 1 && strings.EqualFold(a[1].(string), "DESC")
		if len(a) > 1 && !desc && !strings.EqualFold(a[1].(string), "ASC") {
			return nil, nil
		}
		var vals, nulls []any
		for _, x := range a[0].([]any) {
			if x == nil {
				nulls = append(nulls, nil)
			} else {
				vals = append(vals, x)
			}
		}
		sort.SliceStable(vals, func(i, j int) bool {
			c, _ := compareValues(vals[i], vals[j])
			if desc {
				return c > 0
			}
			return c < 0
		})
		// NULLs sort last in both directions, as ksqlDB does.
		return append(append([]any{}, vals...), nulls...), nil
	})

	// Maps.
	strict("MAP_KEYS", func(a []any) (any, error) { return append([]any{}, a[0].(*types.Map).Keys...), nil })
	strict("MAP_VALUES", func(a []any) (any, error) { return append([]any{}, a[0].(*types.Map).Values...), nil })
	lenient("MAP_UNION", func(a []any) (any, error) {
		if a[0] == nil && a[1] == nil {
			return nil, nil
		}
		out := &types.Map{}
		for _, x := range a {
			if m, ok := x.(*types.Map); ok {
				for i := range m.Keys {
					out.Put(m.Keys[i], m.Values[i])
				}
			}
		}
		return out, nil
	})
	strict("AS_MAP", func(a []any) (any, error) {
		ks, vs := a[0].([]any), a[1].([]any)
		out := &types.Map{}
		for i, k := range ks {
			var v any
			if i < len(vs) {
				v = vs[i]
			}
			out.Put(k, v)
		}
		return out, nil
	})

	// JSON.
	strict("EXTRACTJSONFIELD", func(a []any) (any, error) {
		var doc any
		if err := json.Unmarshal([]byte(a[0].(string)), &doc); err != nil {
			return nil, nil
		}
		v, ok := jsonPath(doc, a[1].(string))
		if !ok || v == nil {
			return nil, nil
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil
		}
		return string(b), nil
	})
	strict("IS_JSON_STRING", func(a []any) (any, error) { return json.Valid([]byte(a[0].(string))), nil })
	strict("JSON_ARRAY_LENGTH", func(a []any) (any, error) {
		var arr []json.RawMessage
		if err := json.Unmarshal([]byte(a[0].(string)), &arr); err != nil {
			return nil, nil
		}
		return int32(len(arr)), nil
	})
	strict("JSON_KEYS", func(a []any) (any, error) {
		keys, vals, ok := jsonObject(a[0].(string))
		if !ok {
			return nil, nil
		}
		_ = vals
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	})
	strict("JSON_RECORDS", func(a []any) (any, error) {
		keys, vals, ok := jsonObject(a[0].(string))
		if !ok {
			return nil, nil
		}
		m := &types.Map{}
		for i, k := range keys {
			m.Put(k, vals[i])
		}
		return m, nil
	})
	strict("JSON_ITEMS", func(a []any) (any, error) {
		var arr []json.RawMessage
		if err := json.Unmarshal([]byte(a[0].(string)), &arr); err != nil {
			return nil, nil
		}
		out := make([]any, len(arr))
		for i, r := range arr {
			out[i] = compactJSON(r)
		}
		return out, nil
	})
	reg("TO_JSON_STRING", true, func(c *expr.Call) (func([]any) (any, error), error) {
		t := c.Args[0].Type()
		return func(a []any) (any, error) { return toJSON(a[0], t), nil }, nil
	})

	// Dates and times.
	lenient("UNIX_TIMESTAMP", func(a []any) (any, error) {
		if len(a) == 0 {
			return time.Now().UnixMilli(), nil
		}
		if a[0] == nil {
			return nil, nil
		}
		return int64(a[0].(types.Timestamp)), nil
	})
	lenient("UNIX_DATE", func(a []any) (any, error) {
		if len(a) == 0 {
			return int32(floorDiv(time.Now().Unix(), 86400)), nil
		}
		if a[0] == nil {
			return nil, nil
		}
		return int32(a[0].(types.Date)), nil
	})
	strict("FROM_UNIXTIME", func(a []any) (any, error) { return types.Timestamp(a[0].(int64)), nil })
	strict("FROM_DAYS", func(a []any) (any, error) { return types.Date(a[0].(int32)), nil })
	fmtTS := func(ms int64, a []any) (any, error) {
		loc, err := zoneArg(a, 2)
		if err != nil {
			return nil, err
		}
		return formatJava(time.UnixMilli(ms).In(loc), a[1].(string))
	}
	strict("TIMESTAMPTOSTRING", func(a []any) (any, error) { return fmtTS(a[0].(int64), a) })
	strict("FORMAT_TIMESTAMP", func(a []any) (any, error) { return fmtTS(int64(a[0].(types.Timestamp)), a) })
	parseTS := func(a []any) (int64, error) {
		loc, err := zoneArg(a, 2)
		if err != nil {
			return 0, err
		}
		t, err := parseJava(a[0].(string), a[1].(string), loc)
		if err != nil {
			return 0, err
		}
		return t.UnixMilli(), nil
	}
	strict("STRINGTOTIMESTAMP", func(a []any) (any, error) { return parseTS(a) })
	strict("PARSE_TIMESTAMP", func(a []any) (any, error) {
		ms, err := parseTS(a)
		return types.Timestamp(ms), err
	})
	strict("DATETOSTRING", func(a []any) (any, error) {
		return formatJava(time.Unix(int64(a[0].(int32))*86400, 0).UTC(), a[1].(string))
	})
	strict("FORMAT_DATE", func(a []any) (any, error) {
		return formatJava(time.Unix(int64(a[0].(types.Date))*86400, 0).UTC(), a[1].(string))
	})
	parseDays := func(a []any) (int64, error) {
		t, err := parseJava(a[0].(string), a[1].(string), time.UTC)
		if err != nil {
			return 0, err
		}
		return floorDiv(t.Unix(), 86400), nil
	}
	strict("STRINGTODATE", func(a []any) (any, error) {
		d, err := parseDays(a)
		return int32(d), err
	})
	strict("PARSE_DATE", func(a []any) (any, error) {
		d, err := parseDays(a)
		return types.Date(d), err
	})
	strict("FORMAT_TIME", func(a []any) (any, error) {
		return formatJava(time.UnixMilli(int64(a[0].(types.Time))).UTC(), a[1].(string))
	})
	strict("PARSE_TIME", func(a []any) (any, error) {
		t, err := parseJava(a[0].(string), a[1].(string), time.UTC)
		if err != nil {
			return nil, err
		}
		return types.Time(int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond()/1e6)), nil
	})
	strict("CONVERT_TZ", func(a []any) (any, error) {
		from, err := loadZone(a[1].(string))
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", a[1])
		}
		to, err := loadZone(a[2].(string))
		if err != nil {
			return nil, fmt.Errorf("unknown time zone %q", a[2])
		}
		// Reinterpret the wall clock in from as a wall clock in to.
		t := time.UnixMilli(int64(a[0].(types.Timestamp))).UTC()
		wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), from)
		w2 := wall.In(to)
		out := time.Date(w2.Year(), w2.Month(), w2.Day(), w2.Hour(), w2.Minute(), w2.Second(), w2.Nanosecond(), time.UTC)
		return types.Timestamp(out.UnixMilli()), nil
	})
	addUnit := func(name string, sign int64) {
		strict(name, func(a []any) (any, error) {
			n, _ := toInt64(a[1])
			n *= sign
			unit := strings.ToUpper(a[0].(string))
			switch base := a[2].(type) {
			case types.Timestamp:
				ms, err := unitMillis(unit)
				if err != nil {
					return nil, err
				}
				return types.Timestamp(int64(base) + n*ms), nil
			case types.Date:
				ms, err := unitMillis(unit)
				if err != nil {
					return nil, err
				}
				return types.Date(int64(base) + n*ms/86400000), nil
			case types.Time:
				ms, err := unitMillis(unit)
				if err != nil {
					return nil, err
				}
				v := (int64(base) + n*ms) % 86400000
				if v < 0 {
					v += 86400000
				}
				return types.Time(v), nil
			}
			return nil, nil
		})
	}
	addUnit("TIMESTAMPADD", 1)
	addUnit("TIMESTAMPSUB", -1)
	addUnit("DATEADD", 1)
	addUnit("DATESUB", -1)
	addUnit("TIMEADD", 1)
	addUnit("TIMESUB", -1)
}

func unitMillis(unit string) (int64, error) {
	switch strings.TrimSuffix(unit, "S") {
	case "MILLISECOND":
		return 1, nil
	case "SECOND":
		return 1000, nil
	case "MINUTE":
		return 60000, nil
	case "HOUR":
		return 3600000, nil
	case "DAY":
		return 86400000, nil
	}
	return 0, fmt.Errorf("unsupported time unit %s", unit)
}

func zoneArg(a []any, i int) (*time.Location, error) {
	if len(a) <= i {
		return time.UTC, nil
	}
	return loadZone(a[i].(string))
}

// loadZone reads a time zone as Java's ZoneId does: a region name, or an
// offset such as +0200, -05:30, UTC+3 or GMT-08:00.
func loadZone(name string) (*time.Location, error) {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	s := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(name, "UTC"), "GMT"), "UT")
	if len(s) >= 2 && (s[0] == '+' || s[0] == '-') {
		digits := strings.ReplaceAll(s[1:], ":", "")
		var h, m int
		switch len(digits) {
		case 1, 2:
			h, _ = strconv.Atoi(digits)
		case 3, 4:
			h, _ = strconv.Atoi(digits[:len(digits)-2])
			m, _ = strconv.Atoi(digits[len(digits)-2:])
		default:
			return nil, fmt.Errorf("unknown time zone %q", name)
		}
		off := h*3600 + m*60
		if s[0] == '-' {
			off = -off
		}
		return time.FixedZone(name, off), nil
	}
	return nil, fmt.Errorf("unknown time zone %q", name)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func distinct(a []any) []any {
	out := []any{}
	for _, x := range a {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(a []any, x any) bool {
	for _, y := range a {
		if equalValues(x, y) {
			return true
		}
	}
	return false
}

// jsonPath follows a simple JSONPath: $.a.b[0]['c'].
func jsonPath(doc any, path string) (any, bool) {
	p := strings.TrimSpace(path)
	if !strings.HasPrefix(p, "$") {
		return nil, false
	}
	p = p[1:]
	cur := doc
	for p != "" {
		switch {
		case strings.HasPrefix(p, "."):
			p = p[1:]
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			cur, ok = m[p[:end]]
			if !ok {
				return nil, false
			}
			p = p[end:]
		case strings.HasPrefix(p, "["):
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			key := strings.TrimSpace(p[1:end])
			p = p[end+1:]
			if len(key) >= 2 && (key[0] == '\'' || key[0] == '"') {
				m, ok := cur.(map[string]any)
				if !ok {
					return nil, false
				}
				cur, ok = m[key[1:len(key)-1]]
				if !ok {
					return nil, false
				}
				continue
			}
			i, err := strconv.Atoi(key)
			arr, ok := cur.([]any)
			if err != nil || !ok || i < 0 || i >= len(arr) {
				return nil, false
			}
			cur = arr[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonObject returns an object's keys in document order and each value as
// compact JSON text.
func jsonObject(s string) ([]string, []any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	var keys []string
	var vals []any
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, false
		}
		keys = append(keys, kt.(string))
		vals = append(vals, compactJSON(raw))
	}
	return keys, vals, true
}

func compactJSON(r json.RawMessage) string {
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		return string(r)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(r)
	}
	return string(b)
}

// toJSON serialises a value as ksqlDB's TO_JSON_STRING: structs as objects
// with their field names, maps as objects, timestamps as ISO strings.
func toJSON(v any, t *types.Type) string {
	if v == nil {
		return "null"
	}
	switch x := v.(type) {
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	case bool, int32, int64:
		return fmt.Sprint(x)
	case float64:
		return expr.FormatDouble(x)
	case types.Decimal:
		return x.String()
	case []byte:
		b, _ := json.Marshal(x)
		return string(b)
	case types.Timestamp, types.Date, types.Time:
		return `"` + expr.ToString(x) + `"`
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = toJSON(e, elemOf(t))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case *types.Map:
		parts := make([]string, len(x.Keys))
		for i := range x.Keys {
			k, _ := json.Marshal(expr.ToString(x.Keys[i]))
			parts[i] = string(k) + ":" + toJSON(x.Values[i], elemOf(t))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *types.Struct:
		parts := make([]string, len(x.Values))
		for i, e := range x.Values {
			name := fmt.Sprintf("f%d", i)
			var ft *types.Type
			if t != nil && t.Kind == types.StructKind && i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			k, _ := json.Marshal(name)
			parts[i] = string(k) + ":" + toJSON(e, ft)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return "null"
}

func elemOf(t *types.Type) *types.Type {
	if t == nil {
		return nil
	}
	return t.Elem
}

func init() {
	reg("JSON_ARRAY_CONTAINS", true, func(c *expr.Call) (func([]any) (any, error), error) {
		t := c.Args[1].Type()
		return func(a []any) (any, error) {
			if a[0] == nil {
				return false, nil
			}
			var arr []json.RawMessage
			if err := json.Unmarshal([]byte(a[0].(string)), &arr); err != nil {
				return false, nil
			}
			want := compactJSON(json.RawMessage(toJSON(a[1], t)))
			for _, r := range arr {
				if compactJSON(r) == want {
					return true, nil
				}
			}
			return false, nil
		}, nil
	})
	// JSON_CONCAT merges objects (later keys win) or concatenates arrays; a
	// mix wraps non-arrays as single elements, as ksqlDB does.
	strict("JSON_CONCAT", func(a []any) (any, error) {
		docs := make([]any, len(a))
		allObjects := true
		for i, x := range a {
			if err := json.Unmarshal([]byte(x.(string)), &docs[i]); err != nil {
				return nil, nil
			}
			if _, ok := docs[i].(map[string]any); !ok {
				allObjects = false
			}
		}
		if allObjects && len(a) > 0 {
			var keys []string
			vals := map[string]json.RawMessage{}
			for _, x := range a {
				ks, vs, _ := jsonObject(x.(string))
				for i, k := range ks {
					if _, seen := vals[k]; !seen {
						keys = append(keys, k)
					}
					vals[k] = json.RawMessage(vs[i].(string))
				}
			}
			parts := make([]string, len(keys))
			for i, k := range keys {
				kb, _ := json.Marshal(k)
				parts[i] = string(kb) + ":" + string(vals[k])
			}
			return "{" + strings.Join(parts, ",") + "}", nil
		}
		var items []string
		for _, x := range a {
			var arr []json.RawMessage
			if err := json.Unmarshal([]byte(x.(string)), &arr); err == nil {
				for _, r := range arr {
					items = append(items, compactJSON(r))
				}
				continue
			}
			items = append(items, compactJSON(json.RawMessage(x.(string))))
		}
		return "[" + strings.Join(items, ",") + "]", nil
	})
}
