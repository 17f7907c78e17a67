package eval

import (
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

func init() {
	strict("ABS", func(a []any) (any, error) {
		switch x := a[0].(type) {
		case int32:
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case int64:
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case float64:
			return math.Abs(x), nil
		case types.Decimal:
			return types.Decimal{Unscaled: new(big.Int).Abs(x.Unscaled), Scale: x.Scale}, nil
		}
		return nil, nil
	})
	strict("CEIL", func(a []any) (any, error) { return roundTo(a[0], 0, math.Ceil, roundCeil), nil })
	strict("FLOOR", func(a []any) (any, error) { return roundTo(a[0], 0, math.Floor, roundFloor), nil })
	reg("ROUND", false, func(c *expr.Call) (func([]any) (any, error), error) {
		ret := c.T
		return func(a []any) (any, error) {
			digits := 0
			if len(a) > 1 {
				digits = int(a[1].(int32))
			}
			switch x := a[0].(type) {
			case float64:
				if len(a) == 1 {
					return javaD2L(roundHalfUp(x)), nil
				}
				return roundDouble(x, digits), nil
			case types.Decimal:
				r := roundDecimal(x, digits)
				if ret.Kind == types.DecimalKind {
					return r.Rescale(ret.Scale), nil
				}
				return r, nil
			case int32:
				if digits >= 0 {
					return x, nil
				}
				return int32(roundInt(int64(x), -digits)), nil
			case int64:
				if digits >= 0 {
					return x, nil
				}
				return roundInt(x, -digits), nil
			}
			return nil, nil
		}, nil
	})
	reg("TRUNC", false, func(c *expr.Call) (func([]any) (any, error), error) {
		ret := c.T
		return func(a []any) (any, error) {
			digits := 0
			if len(a) > 1 {
				digits = int(a[1].(int32))
			}
			switch x := a[0].(type) {
			case float64:
				if len(a) == 1 {
					return javaD2L(math.Trunc(x)), nil
				}
				p := math.Pow(10, float64(digits))
				return math.Trunc(x*p) / p, nil
			case types.Decimal:
				r := truncDecimal(x, digits)
				if ret.Kind == types.DecimalKind {
					return r.Rescale(ret.Scale), nil
				}
				return r, nil
			}
			return a[0], nil
		}, nil
	})
	strict("SIGN", func(a []any) (any, error) {
		f, _ := asFloat(a[0])
		switch {
		case f > 0:
			return int32(1), nil
		case f < 0:
			return int32(-1), nil
		}
		return int32(0), nil
	})
	unary := map[string]func(float64) float64{
		"SQRT": math.Sqrt, "CBRT": math.Cbrt, "EXP": math.Exp, "LN": math.Log,
		"ACOS": math.Acos, "ASIN": math.Asin, "ATAN": math.Atan, "COS": math.Cos, "COSH": math.Cosh,
		"COT": func(x float64) float64 { return 1 / math.Tan(x) },
		"SIN": math.Sin, "SINH": math.Sinh, "TAN": math.Tan, "TANH": math.Tanh,
		"DEGREES": func(x float64) float64 { return x * 180 / math.Pi },
		"RADIANS": func(x float64) float64 { return x / 180 * math.Pi },
	}
	for name, f := range unary {
		strict(name, func(a []any) (any, error) { return f(a[0].(float64)), nil })
	}
	strict("LOG", func(a []any) (any, error) {
		if len(a) == 1 {
			return math.Log(a[0].(float64)), nil
		}
		return math.Log(a[1].(float64)) / math.Log(a[0].(float64)), nil
	})
	strict("POWER", func(a []any) (any, error) { return math.Pow(a[0].(float64), a[1].(float64)), nil })
	strict("ATAN2", func(a []any) (any, error) { return math.Atan2(a[0].(float64), a[1].(float64)), nil })
	strict("PI", func([]any) (any, error) { return math.Pi, nil })
	strict("RANDOM", func([]any) (any, error) { return rand.Float64(), nil })
	extreme := func(name string, want int) {
		reg(name, true, func(c *expr.Call) (func([]any) (any, error), error) {
			return func(a []any) (any, error) {
				var best any
				for _, x := range a {
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
				if d, ok := best.(types.Decimal); ok && c.T.Kind == types.DecimalKind {
					return d.Rescale(c.T.Scale), nil
				}
				return best, nil
			}, nil
		})
	}
	extreme("GREATEST", 1)
	extreme("LEAST", -1)
	strict("GEO_DISTANCE", func(a []any) (any, error) {
		lat1, lon1, lat2, lon2 := a[0].(float64), a[1].(float64), a[2].(float64), a[3].(float64)
		radius := 6371.0
		if len(a) > 4 {
			switch a[4].(string) {
			case "MI", "MILES", "mi", "miles":
				radius = 3959.0
			}
		}
		rad := math.Pi / 180
		dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
		h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Pow(math.Sin(dLon/2), 2)
		return 2 * radius * math.Asin(math.Sqrt(h)), nil
	})
}

// roundHalfUp is Java's Math.round semantics on doubles: floor(x + 0.5).
func roundHalfUp(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	return math.Floor(x + 0.5)
}

// roundDouble rounds half up to digits places via the decimal value, as
// ksqlDB does with BigDecimal, avoiding binary artefacts.
func roundDouble(x float64, digits int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	d, err := types.ParseDecimal(plain(x))
	if err != nil {
		return x
	}
	return roundDecimal(d, digits).Float64()
}

func plain(x float64) string {
	return big.NewFloat(x).Text('f', -1)
}

const (
	roundCeil = iota
	roundFloor
)

func roundTo(v any, _ int, f func(float64) float64, mode int) any {
	switch x := v.(type) {
	case float64:
		return f(x)
	case types.Decimal:
		div := pow10(x.Scale)
		q, m := new(big.Int).QuoRem(x.Unscaled, div, new(big.Int))
		if m.Sign() != 0 {
			if mode == roundCeil && x.Unscaled.Sign() > 0 {
				q.Add(q, big.NewInt(1))
			}
			if mode == roundFloor && x.Unscaled.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			}
		}
		return types.Decimal{Unscaled: q, Scale: 0}.Rescale(x.Scale)
	}
	return v
}

// roundDecimal rounds half up to digits places (negative digits round to
// tens, hundreds...), keeping the result's scale at max(digits, 0).
func roundDecimal(d types.Decimal, digits int) types.Decimal {
	if digits >= d.Scale {
		return d
	}
	r := d.Rescale(digits)
	if digits < 0 {
		return r.Rescale(0)
	}
	return r
}

func truncDecimal(d types.Decimal, digits int) types.Decimal {
	if digits >= d.Scale {
		return d
	}
	q := new(big.Int).Quo(d.Unscaled, pow10(d.Scale-digits))
	r := types.Decimal{Unscaled: q, Scale: digits}
	if digits < 0 {
		return r.Rescale(0)
	}
	return r
}

func roundInt(x int64, places int) int64 {
	p := int64(1)
	for range places {
		p *= 10
	}
	q := x / p
	rem := x % p
	if rem < 0 {
		rem = -rem
	}
	if rem*2 >= p {
		if x < 0 {
			q--
		} else {
			q++
		}
	}
	return q * p
}

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
