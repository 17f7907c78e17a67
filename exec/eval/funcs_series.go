package eval

import (
	"errors"
	"fmt"

	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

// maxSeries bounds what one GENERATE_SERIES call may build. ksqlDB has no
// bound (a huge range exhausts its heap); a clear error for the record is
// better than a task that runs out of memory.
const maxSeries = 10_000_000

func init() {
	// GENERATE_SERIES(start, end[, step]) is ksqlDB's scalar UDF returning
	// the array start, start+step, ... up to end inclusive; the default step
	// is 1, or -1 when end < start. The arguments arrive converted to the
	// overload's types: INT or BIGINT bounds, an INT step.
	reg("GENERATE_SERIES", false, func(c *expr.Call) (func([]any) (any, error), error) {
		if c.T.Kind != types.Array || c.T.Elem == nil {
			return nil, fmt.Errorf("return type %s is not an array", c.T)
		}
		ints := c.T.Elem.Kind == types.Int
		return func(a []any) (any, error) {
			start, _ := toInt64(a[0])
			end, _ := toInt64(a[1])
			step := int64(1)
			if end < start {
				step = -1
			}
			if len(a) > 2 {
				step = int64(a[2].(int32))
			}
			return generateSeries(start, end, step, ints)
		}, nil
	})
}

// generateSeries builds the series with int32 elements (ints) or int64 ones,
// with ksqlDB's messages for a zero step or one pointing away from end.
func generateSeries(start, end, step int64, ints bool) ([]any, error) {
	if step == 0 {
		return nil, errors.New("GENERATE_SERIES step cannot be zero")
	}
	if (end > start && step < 0) || (end < start && step > 0) {
		return nil, errors.New("GENERATE_SERIES step has wrong sign")
	}
	// The distance in uint64: end - start overflows int64 for the widest
	// BIGINT ranges.
	var dist, by uint64
	if step > 0 {
		dist, by = uint64(end)-uint64(start), uint64(step)
	} else {
		dist, by = uint64(start)-uint64(end), -uint64(step)
	}
	if dist/by >= maxSeries {
		return nil, fmt.Errorf("GENERATE_SERIES from %d to %d by %d would have more than the %d elements allowed", start, end, step, maxSeries)
	}
	out := make([]any, dist/by+1)
	v := start
	for i := range out {
		if ints {
			out[i] = int32(v)
		} else {
			out[i] = v
		}
		v += step
	}
	return out, nil
}
