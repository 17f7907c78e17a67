package conformance

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
)

// doubleTolerance is how far a DOUBLE may be from the expected number.
const doubleTolerance = 1e-6

// Values on both sides of a comparison are "generic": nil, bool, string,
// json.Number, []any, map[string]any, the shape encoding/json produces with
// UseNumber. The actual side also carries the SQL type it was written with,
// when known, because the JSON text alone cannot tell a DOUBLE 1.5 from a
// DECIMAL 1.5 and the rules differ.

// compareValue explains how act (of SQL type t, nil when unknown) differs
// from exp, or returns "" when they match. path locates the value in
// messages ("" for the whole value).
func compareValue(exp, act any, t *types.Type, path string) string {
	at := func() string {
		if path == "" {
			return ""
		}
		return " at " + path
	}
	switch e := exp.(type) {
	case nil:
		if act != nil {
			return fmt.Sprintf("expected null%s, got %s", at(), render(act))
		}
		return ""
	case bool:
		if a, ok := act.(bool); !ok || a != e {
			return fmt.Sprintf("expected %v%s, got %s", e, at(), render(act))
		}
		return ""
	case string:
		switch a := act.(type) {
		case string:
			if a == e {
				return ""
			}
		case json.Number:
			// A decimal may be expected as its text.
			if (t == nil || t.Kind == types.DecimalKind) && string(a) == e {
				return ""
			}
		}
		return fmt.Sprintf("expected %s%s, got %s", strconv.Quote(e), at(), render(act))
	case json.Number:
		a, ok := act.(json.Number)
		if !ok {
			return fmt.Sprintf("expected %s%s, got %s", e, at(), render(act))
		}
		if !numbersMatch(e, a, t) {
			return fmt.Sprintf("expected %s%s, got %s%s", e, at(), a, typeNote(t))
		}
		return ""
	case []any:
		a, ok := act.([]any)
		if !ok {
			return fmt.Sprintf("expected array%s, got %s", at(), render(act))
		}
		if len(a) != len(e) {
			return fmt.Sprintf("expected %d elements%s, got %d: %s", len(e), at(), len(a), render(act))
		}
		var et *types.Type
		if t != nil && t.Kind == types.Array {
			et = t.Elem
		}
		for i := range e {
			if d := compareValue(e[i], a[i], et, fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok {
			return fmt.Sprintf("expected object%s, got %s", at(), render(act))
		}
		if len(a) != len(e) {
			return fmt.Sprintf("expected %d fields%s, got %d: expected %s, got %s", len(e), at(), len(a), render(exp), render(act))
		}
		for _, k := range sortedKeys(e) {
			name := k
			av, ok := a[k]
			if !ok {
				name = strings.ToUpper(k)
				if av, ok = a[name]; !ok {
					return fmt.Sprintf("missing field %s%s in %s", k, at(), render(act))
				}
			}
			p := path + "." + k
			if path == "" {
				p = k
			}
			if d := compareValue(e[k], av, fieldType(t, name), p); d != "" {
				return d
			}
		}
		return ""
	}
	return fmt.Sprintf("unsupported expected value %T%s", exp, at())
}

func typeNote(t *types.Type) string {
	if t == nil {
		return ""
	}
	return " (" + t.String() + ")"
}

// fieldType is the type of field name of a STRUCT, or the value type of a MAP.
func fieldType(t *types.Type, name string) *types.Type {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case types.MapKind:
		return t.Elem
	case types.StructKind:
		for _, f := range t.Fields {
			if f.Name == name {
				return f.Type
			}
		}
		for _, f := range t.Fields {
			if strings.EqualFold(f.Name, name) {
				return f.Type
			}
		}
	}
	return nil
}

// numbersMatch applies the number rules: DOUBLE within doubleTolerance,
// DECIMAL exactly including scale (an integer literal matches only scale 0),
// integers exactly. With an unknown type, plain decimals compare by value
// and anything with an exponent by tolerance.
func numbersMatch(e, a json.Number, t *types.Type) bool {
	kind := types.Unknown
	if t != nil {
		kind = t.Kind
	}
	switch kind {
	case types.Double:
		ef, err1 := strconv.ParseFloat(string(e), 64)
		af, err2 := strconv.ParseFloat(string(a), 64)
		return err1 == nil && err2 == nil && math.Abs(ef-af) <= doubleTolerance
	case types.DecimalKind:
		ed, err1 := types.ParseDecimal(string(e))
		ad, err2 := types.ParseDecimal(string(a))
		if err1 != nil || err2 != nil {
			return ratEqual(e, a)
		}
		return ed.Scale == ad.Scale && ed.Unscaled.Cmp(ad.Unscaled) == 0
	case types.Int, types.Bigint, types.TimestampKind, types.DateKind, types.TimeKind:
		return ratEqual(e, a)
	}
	if hasExponent(e) || hasExponent(a) {
		ef, err1 := strconv.ParseFloat(string(e), 64)
		af, err2 := strconv.ParseFloat(string(a), 64)
		return err1 == nil && err2 == nil && math.Abs(ef-af) <= doubleTolerance
	}
	return ratEqual(e, a)
}

func hasExponent(n json.Number) bool { return strings.ContainsAny(string(n), "eE") }

func ratEqual(e, a json.Number) bool {
	er, ok1 := new(big.Rat).SetString(string(e))
	ar, ok2 := new(big.Rat).SetString(string(a))
	return ok1 && ok2 && er.Cmp(ar) == 0
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// render prints a generic value as compact JSON for messages.
func render(v any) string {
	b, err := marshalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b), 300)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func quote(s string) string { return strconv.Quote(clip(s, 400)) }

// compareHeaders compares record headers; exp nil means no headers.
func compareHeaders(exp, act []Header) string {
	if len(exp) != len(act) {
		return fmt.Sprintf("expected %d headers, got %d: %s", len(exp), len(act), renderHeaders(act))
	}
	for i := range exp {
		if exp[i].Key != act[i].Key || (exp[i].Value == nil) != (act[i].Value == nil) || string(exp[i].Value) != string(act[i].Value) {
			return fmt.Sprintf("expected headers %s, got %s", renderHeaders(exp), renderHeaders(act))
		}
	}
	return ""
}

func renderHeaders(hs []Header) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		v := "null"
		if h.Value != nil {
			v = strconv.Quote(string(h.Value))
		}
		parts[i] = h.Key + "=" + v
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// NormalizeSchema parses a ksqlDB column list such as
// "ID INT KEY, S STRUCT<a INT>" and prints it canonically
// ("`ID` INTEGER KEY, `S` STRUCT<`A` INTEGER>"), so that two spellings of
// the same schema compare equal.
func NormalizeSchema(s string) (string, error) {
	var parts []string
	for _, col := range splitTopLevel(s) {
		col = strings.TrimSpace(col)
		if col == "" {
			continue
		}
		name, rest, err := splitName(col)
		if err != nil {
			return "", err
		}
		flag := ""
		up := strings.ToUpper(rest)
		switch {
		case strings.HasSuffix(up, " PRIMARY KEY"):
			flag, rest = " PRIMARY KEY", rest[:len(rest)-len(" PRIMARY KEY")]
		case strings.HasSuffix(up, " KEY"):
			flag, rest = " KEY", rest[:len(rest)-len(" KEY")]
		case strings.HasSuffix(up, " HEADERS"):
			flag, rest = " HEADERS", rest[:len(rest)-len(" HEADERS")]
		default:
			if i := strings.LastIndex(up, " HEADER("); i >= 0 && strings.HasSuffix(up, ")") {
				flag, rest = " HEADER("+strings.TrimSpace(rest[i+len(" HEADER("):len(rest)-1])+")", rest[:i]
			}
		}
		t, err := parser.ParseType(strings.TrimSpace(rest))
		if err != nil {
			return "", fmt.Errorf("column %s: %v", name, err)
		}
		parts = append(parts, types.QuoteIdent(name)+" "+t.String()+flag)
	}
	return strings.Join(parts, ", "), nil
}

// splitTopLevel splits on commas outside <>, () and quotes.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '`' || r == '\'':
			quote = r
		case r == '<' || r == '(':
			depth++
		case r == '>' || r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// splitName takes the column name off the front: `quoted` as is, bare names
// upper-cased as ksqlDB does.
func splitName(col string) (name, rest string, err error) {
	if strings.HasPrefix(col, "`") {
		var sb strings.Builder
		for i := 1; i < len(col); i++ {
			if col[i] == '`' {
				if i+1 < len(col) && col[i+1] == '`' {
					sb.WriteByte('`')
					i++
					continue
				}
				return sb.String(), strings.TrimSpace(col[i+1:]), nil
			}
			sb.WriteByte(col[i])
		}
		return "", "", fmt.Errorf("unterminated quoted name in %q", col)
	}
	i := strings.IndexAny(col, " \t\n")
	if i < 0 {
		return "", "", fmt.Errorf("column without a type: %q", col)
	}
	return strings.ToUpper(col[:i]), strings.TrimSpace(col[i:]), nil
}

// marshalJSON writes v as JSON without HTML escaping and without a
// trailing newline; json.Number values keep their text.
func marshalJSON(v any) ([]byte, error) {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n")), nil
}
