package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// magicTimestamps rewrites, in a WHERE clause, string literals compared
// with ROWTIME, WINDOWSTART or WINDOWEND into their epoch milliseconds, as
// ksqlDB's StatementRewriteForMagicPseudoTimestamp does:
// WHERE ROWTIME > '2018-01-01T00:00:00.001' compares with 1514764800001.
// The string may be partial ('2018-01', '2018-01-01T10') and end with a
// time zone ('Z', '+0200'); it is read in UTC otherwise. A literal that is
// not such a date is left alone (the comparison's type error reports it).
func magicTimestamps(where ast.Expr) ast.Expr {
	return rewrite(where, func(n ast.Expr) (ast.Expr, bool) {
		switch n := n.(type) {
		case *ast.Binary:
			if n.Op < ast.Eq || n.Op > ast.Ge {
				return nil, false
			}
			l, r := n.L, n.R
			switch {
			case isTimePseudoColumn(l):
				r = timestampLiteral(r)
			case isTimePseudoColumn(r):
				l = timestampLiteral(l)
			default:
				return nil, false
			}
			c := *n
			c.L, c.R = l, r
			return &c, true
		case *ast.Between:
			if !isTimePseudoColumn(n.X) {
				return nil, false
			}
			c := *n
			c.Lo, c.Hi = timestampLiteral(n.Lo), timestampLiteral(n.Hi)
			return &c, true
		}
		return nil, false
	})
}

func isTimePseudoColumn(e ast.Expr) bool {
	c, ok := e.(*ast.ColumnRef)
	return ok && (c.Name == types.RowTime || c.Name == types.WindowStart || c.Name == types.WindowEnd)
}

// timestampLiteral is e as a BIGINT literal of epoch milliseconds when e is
// a string literal holding a (partial) date, else e.
func timestampLiteral(e ast.Expr) ast.Expr {
	lit, ok := e.(*ast.Literal)
	if !ok {
		return e
	}
	s, ok := lit.Value.(string)
	if !ok {
		return e
	}
	ms, err := parsePartialTimestamp(s)
	if err != nil {
		return e
	}
	return &ast.Literal{ExprBase: lit.ExprBase, Value: ms}
}

// parsePartialTimestamp reads yyyy[-MM[-dd[THH[:mm[:ss[.SSS]]]]]] with an
// optional zone after the time (Z, +HH, +HHmm, +HH:mm), the missing parts
// taken as their lowest value, as ksqlDB's PartialStringToTimestampParser.
func parsePartialTimestamp(s string) (int64, error) {
	date, clock, zone := s, "", ""
	if i := strings.IndexByte(s, 'T'); i >= 0 {
		date, clock = s[:i], s[i+1:]
		if j := strings.IndexAny(clock, "Z+-"); j >= 0 {
			clock, zone = clock[:j], clock[j:]
		}
	}
	if len(date) < 4 || len(date) > 10 {
		return 0, fmt.Errorf("%q is not a date", s)
	}
	date += "-01-01"[len(date)-4:]
	const fullClock = "00:00:00.000"
	if len(clock) > len(fullClock) {
		return 0, fmt.Errorf("%q is not a date", s)
	}
	clock += fullClock[len(clock):]
	loc := time.UTC
	if zone != "" && zone != "Z" {
		z, err := time.Parse("-07", zone)
		if err != nil {
			if z, err = time.Parse("-0700", zone); err != nil {
				if z, err = time.Parse("-07:00", zone); err != nil {
					return 0, fmt.Errorf("%q has an invalid time zone", s)
				}
			}
		}
		loc = z.Location()
	}
	// Java's default (smart) resolver reads 24:00 as the next midnight.
	var extra time.Duration
	if clock == "24:00:00.000" {
		clock, extra = "00:00:00.000", 24*time.Hour
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.000", date+"T"+clock, loc)
	if err != nil {
		return 0, err
	}
	return t.Add(extra).UnixMilli(), nil
}
