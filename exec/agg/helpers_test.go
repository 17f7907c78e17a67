package agg

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// render prints a value with its Go type, so tests compare INT 5 and
// BIGINT 5, 1.0 and 1.00, NaN and NaN exactly.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int32:
		return "i" + strconv.FormatInt(int64(x), 10)
	case int64:
		return "l" + strconv.FormatInt(x, 10)
	case float64:
		return "f" + strconv.FormatFloat(x, 'g', -1, 64)
	case types.Decimal:
		return "d" + x.String()
	case string:
		return strconv.Quote(x)
	case []byte:
		return fmt.Sprintf("b%x", x)
	case types.Timestamp:
		return fmt.Sprintf("ts%d", int64(x))
	case types.Date:
		return fmt.Sprintf("date%d", int32(x))
	case types.Time:
		return fmt.Sprintf("time%d", int64(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *types.Map:
		parts := make([]string, len(x.Keys))
		for i := range x.Keys {
			parts[i] = render(x.Keys[i]) + ": " + render(x.Values[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *types.Struct:
		parts := make([]string, len(x.Values))
		for i, e := range x.Values {
			parts[i] = render(e)
		}
		return "<" + strings.Join(parts, ", ") + ">"
	}
	return fmt.Sprintf("?%T(%v)", v, v)
}

func dec(s string) types.Decimal {
	d, err := types.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mp(kv ...any) *types.Map {
	m := &types.Map{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Keys = append(m.Keys, kv[i])
		m.Values = append(m.Values, kv[i+1])
	}
	return m
}

func st(vs ...any) *types.Struct { return &types.Struct{Values: vs} }
func arr(vs ...any) []any        { return vs }

// roundTrip encodes acc, decodes it, and checks that the decoded
// accumulator re-encodes to the same bytes and has the same result.
func roundTrip(t *testing.T, a Aggregate, acc any) any {
	t.Helper()
	b, err := a.Encode(acc)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	got, err := a.Decode(b)
	if err != nil {
		t.Fatalf("Decode(%x): %v", b, err)
	}
	b2, err := a.Encode(got)
	if err != nil {
		t.Fatalf("re-Encode: %v", err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatalf("encoding not stable: %x then %x", b, b2)
	}
	if r1, r2 := render(a.Result(acc)), render(a.Result(got)); r1 != r2 {
		t.Fatalf("result changed by round trip: %s then %s", r1, r2)
	}
	return got
}

func approxEqual(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
