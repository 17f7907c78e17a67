package agg

import (
	"bytes"
	"cmp"
	"math"
	"math/big"
	"reflect"
	"strings"

	"github.com/sluicedb/sluice/sql/types"
)

// compareValues orders two non-NULL values of a comparable type as ksqlDB's
// Java comparisons do, with two known differences: strings compare by UTF-8
// bytes (Java: UTF-16 units; they differ only beyond the BMP) and BYTES
// compare unsigned (Java's ByteBuffer compares signed bytes). DOUBLE follows
// Double.compare: -0.0 < 0.0 and NaN above everything.
// ok is false when a value does not have the type's Go representation.
func compareValues(t *types.Type, a, b any) (c int, ok bool) {
	switch t.Kind {
	case types.Boolean:
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch {
		case x == y:
			return 0, true
		case !x:
			return -1, true
		}
		return 1, true
	case types.Int:
		return cmpOf[int32](a, b)
	case types.Bigint:
		return cmpOf[int64](a, b)
	case types.TimestampKind:
		return cmpOf[types.Timestamp](a, b)
	case types.DateKind:
		return cmpOf[types.Date](a, b)
	case types.TimeKind:
		return cmpOf[types.Time](a, b)
	case types.String:
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		return strings.Compare(x, y), true
	case types.Bytes:
		x, ok1 := a.([]byte)
		y, ok2 := b.([]byte)
		if !ok1 || !ok2 {
			return 0, false
		}
		return bytes.Compare(x, y), true
	case types.Double:
		x, ok1 := a.(float64)
		y, ok2 := b.(float64)
		if !ok1 || !ok2 {
			return 0, false
		}
		return javaDoubleCompare(x, y), true
	case types.DecimalKind:
		x, ok1 := a.(types.Decimal)
		y, ok2 := b.(types.Decimal)
		if !ok1 || !ok2 {
			return 0, false
		}
		return compareDecimal(x, y), true
	}
	return 0, false
}

func cmpOf[T cmp.Ordered](a, b any) (int, bool) {
	x, ok1 := a.(T)
	y, ok2 := b.(T)
	if !ok1 || !ok2 {
		return 0, false
	}
	return cmp.Compare(x, y), true
}

func javaDoubleCompare(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	// Equal, or NaN involved: Java compares the canonical bit patterns,
	// which puts -0.0 below 0.0 and NaN above +Inf.
	bx, by := canonicalBits(x), canonicalBits(y)
	sx, sy := int64(bx), int64(by)
	return cmp.Compare(sx, sy)
}

func canonicalBits(f float64) uint64 {
	if f != f {
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(f)
}

func unscaled(d types.Decimal) *big.Int {
	if d.Unscaled == nil {
		return new(big.Int)
	}
	return d.Unscaled
}

func compareDecimal(x, y types.Decimal) int {
	if x.Scale == y.Scale {
		return unscaled(x).Cmp(unscaled(y))
	}
	return types.Decimal{Unscaled: unscaled(x), Scale: x.Scale}.Rat().Cmp(
		types.Decimal{Unscaled: unscaled(y), Scale: y.Scale}.Rat())
}

// equalValues is Java's equals on ksqlDB values: deep for arrays and
// structs, order-insensitive for maps, scale-sensitive for decimals (as
// BigDecimal.equals), NaN equal to NaN and -0.0 unequal to 0.0 (as
// Double.equals).
func equalValues(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case bool, int32, int64, string, types.Timestamp, types.Date, types.Time:
		return a == b
	case float64:
		y, ok := b.(float64)
		return ok && canonicalBits(x) == canonicalBits(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case types.Decimal:
		y, ok := b.(types.Decimal)
		return ok && x.Scale == y.Scale && unscaled(x).Cmp(unscaled(y)) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case *types.Struct:
		y, ok := b.(*types.Struct)
		if !ok || x == nil || y == nil {
			return ok && x == y
		}
		if len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if !equalValues(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	case *types.Map:
		y, ok := b.(*types.Map)
		if !ok || x == nil || y == nil {
			return ok && x == y
		}
		if len(x.Keys) != len(y.Keys) || len(x.Values) != len(x.Keys) || len(y.Values) != len(y.Keys) {
			return false
		}
		for i, k := range x.Keys {
			j := indexOf(y.Keys, k)
			if j < 0 || !equalValues(x.Values[i], y.Values[j]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func indexOf(vs []any, v any) int {
	for i, e := range vs {
		if equalValues(e, v) {
			return i
		}
	}
	return -1
}

func lastIndexOf(vs []any, v any) int {
	for i := len(vs) - 1; i >= 0; i-- {
		if equalValues(vs[i], v) {
			return i
		}
	}
	return -1
}

// cloneValue deep-copies the mutable parts of a value (slices, maps,
// structs, big integers) so results never alias accumulators and
// accumulators never alias caller rows.
func cloneValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return bytes.Clone(x)
	case []any:
		return cloneValues(x)
	case types.Decimal:
		return types.Decimal{Unscaled: new(big.Int).Set(unscaled(x)), Scale: x.Scale}
	case *types.Map:
		if x == nil {
			return x
		}
		return &types.Map{Keys: cloneValues(x.Keys), Values: cloneValues(x.Values)}
	case *types.Struct:
		if x == nil {
			return x
		}
		return &types.Struct{Values: cloneValues(x.Values)}
	}
	return v
}

func cloneValues(vs []any) []any {
	if vs == nil {
		return nil
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = cloneValue(v)
	}
	return out
}
