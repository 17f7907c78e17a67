package types

import (
	"fmt"
	"math/big"
	"strings"
)

// Decimal is a DECIMAL value: Unscaled * 10^-Scale. The scale is part of the
// value (ksqlDB compares 1.0 and 1.00 as different outputs).
type Decimal struct {
	Unscaled *big.Int
	Scale    int
}

// ParseDecimal reads a plain decimal literal such as "-12.340" keeping its scale.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimLeft(s, "+-")
	scale := 0
	if i := strings.IndexByte(body, '.'); i >= 0 {
		scale = len(body) - i - 1
		body = body[:i] + body[i+1:]
	}
	if body == "" {
		return Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	u, ok := new(big.Int).SetString(body, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	if neg {
		u.Neg(u)
	}
	return Decimal{Unscaled: u, Scale: scale}, nil
}

// String prints the decimal with exactly Scale fractional digits.
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Unscaled).String()
	sign := ""
	if d.Unscaled.Sign() < 0 {
		sign = "-"
	}
	if d.Scale <= 0 {
		return sign + s + strings.Repeat("0", -d.Scale)
	}
	if len(s) <= d.Scale {
		s = strings.Repeat("0", d.Scale-len(s)+1) + s
	}
	return sign + s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
}

// Rescale returns d with the given scale, rounding half up when digits are dropped.
func (d Decimal) Rescale(scale int) Decimal {
	u := new(big.Int).Set(d.Unscaled)
	if scale >= d.Scale {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
		return Decimal{Unscaled: u, Scale: scale}
	}
	div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-scale)), nil)
	q, r := new(big.Int).QuoRem(u, div, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(div) >= 0 {
		if u.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return Decimal{Unscaled: q, Scale: scale}
}

// Rat returns the exact rational value.
func (d Decimal) Rat() *big.Rat {
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Rat).SetFrac(d.Unscaled, den)
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// Precision is the number of significant digits of the unscaled value.
func (d Decimal) Precision() int {
	return len(new(big.Int).Abs(d.Unscaled).String())
}
