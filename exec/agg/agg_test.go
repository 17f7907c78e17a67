package agg

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// step is one Add (or Undo) and the result expected right after it.
type step struct {
	undo bool
	args []any
	want any
	err  string // expected error substring; the accumulator is kept as it was
}

func add(want any, args ...any) step  { return step{args: args, want: want} }
func undo(want any, args ...any) step { return step{undo: true, args: args, want: want} }
func fails(err string, args ...any) step {
	return step{args: args, err: err}
}

type seqCase struct {
	name       string // the QTT case it comes from, "file: case", or our own
	fn         string
	types      []*types.Type
	consts     []any
	props      map[string]string
	resultType string
	steps      []step
}

var (
	tInt    = types.TInt
	tBig    = types.TBigint
	tDbl    = types.TDouble
	tStr    = types.TString
	tBool   = types.TBoolean
	tBytes  = types.TBytes
	tTs     = types.TTimestamp
	tDate   = types.TDate
	tTime   = types.TTime
	dec41   = types.DecimalType(4, 1)
	dec62   = types.DecimalType(6, 2)
	dec42   = types.DecimalType(4, 2)
	dec21   = types.DecimalType(2, 1)
	nestedT = types.ArrayOf(types.StructOf(
		types.Field{Name: "A", Type: tStr},
		types.Field{Name: "M", Type: types.MapOf(tStr, tDbl)},
		types.Field{Name: "D", Type: dec41}))
)

func ts(types_ ...*types.Type) []*types.Type { return types_ }

var seqCases = []seqCase{
	// ---- COUNT
	{name: "count.json: count", fn: "COUNT", resultType: "BIGINT", steps: []step{
		add(int64(1)), add(int64(2)), add(int64(3)),
	}},
	{name: "count.json: count literal", fn: "COUNT", types: ts(tInt), resultType: "BIGINT", steps: []step{
		add(int64(1), int32(1)), add(int64(2), int32(1)),
	}},
	{name: "COUNT(col) skips NULLs, also on undo", fn: "COUNT", types: ts(tStr), steps: []step{
		add(int64(0), nil), add(int64(1), "a"), add(int64(1), nil), undo(int64(1), nil), undo(int64(0), "a"),
	}},
	{name: "count.json: should count back to zero", fn: "COUNT", steps: []step{
		add(int64(1)), add(int64(2)), undo(int64(1)), undo(int64(0)),
	}},
	{name: "count.json: count table (group john)", fn: "COUNT", types: ts(tInt), steps: []step{
		add(int64(1), int32(1)), add(int64(2), int32(1)), undo(int64(1), int32(1)),
	}},
	{name: "COUNT wrong arity", fn: "COUNT", steps: []step{fails("expected 0 argument", "x")}},

	// ---- SUM
	{name: "sum.json: sum int", fn: "SUM", types: ts(tInt), resultType: "INTEGER", steps: []step{
		add(int32(0), int32(0)), add(int32(100), int32(100)),
	}},
	{name: "sum.json: sum int left join of table (key 0)", fn: "SUM", types: ts(tInt), steps: []step{
		add(int32(0), nil),
		undo(int32(0), nil), add(int32(5), int32(5)),
		undo(int32(0), int32(5)), add(int32(20), int32(20)),
		undo(int32(0), int32(20)), add(int32(0), nil),
	}},
	{name: "SUM INT wraps like Java", fn: "SUM", types: ts(tInt), steps: []step{
		add(int32(math.MaxInt32), int32(math.MaxInt32)), add(int32(math.MinInt32), int32(1)),
	}},
	{name: "sum.json: sum long", fn: "SUM", types: ts(tBig), resultType: "BIGINT", steps: []step{
		add(int64(2147483648), int64(2147483648)), add(int64(2147483748), int64(100)),
	}},
	{name: "sum.json: sum decimal / sum decimal with overflow (key 100)", fn: "SUM", types: ts(dec41), resultType: "DECIMAL(4, 1)", steps: []step{
		add(dec("500.9"), dec("500.9")), add(dec("801.7"), dec("300.8")),
		fails("Numeric field overflow", dec("400.8")),
		add(dec("801.8"), dec("0.1")),
	}},
	{name: "sum.json: sum decimal (key 0)", fn: "SUM", types: ts(dec41), steps: []step{
		add(dec("5.4"), dec("5.4")), add(dec("105.5"), dec("100.1")),
	}},
	{name: "SUM of only NULL decimals is zero at the type's scale", fn: "SUM", types: ts(dec62), steps: []step{
		add(dec("0.00"), nil),
	}},
	{name: "sum.json: sum decimal should not overflow with cast to higher precision", fn: "SUM", types: ts(dec62), resultType: "DECIMAL(6, 2)", steps: []step{
		add(dec("500.90"), dec("500.90")), add(dec("801.70"), dec("300.80")), add(dec("1202.50"), dec("400.80")),
		undo(dec("801.70"), dec("400.80")),
	}},
	{name: "sum.json: sum with constant double arg", fn: "SUM", types: ts(tDbl), resultType: "DOUBLE", steps: []step{
		add(1.0, 1.0), add(2.0, 1.0), add(3.0, 1.0), add(4.0, 1.0), add(5.0, 1.0),
	}},
	{name: "SUM type mismatch", fn: "SUM", types: ts(tInt), steps: []step{fails("is not a INTEGER", int64(1))}},

	// ---- AVG
	{name: "average-udaf.json: average int (alice)", fn: "AVG", types: ts(tInt), resultType: "DOUBLE", steps: []step{
		add(1.0, int32(1)), add(1.5, int32(2)), add(1.6666666666666667, int32(2)), add(1.6666666666666667, nil),
	}},
	{name: "average-udaf.json: average int (bob)", fn: "AVG", types: ts(tInt), steps: []step{
		add(2.0, int32(2)), add(2.0, int32(2)), add(1.3333333333333333, int32(0)),
	}},
	{name: "average-udaf.json: average double (alice)", fn: "AVG", types: ts(tDbl), steps: []step{
		add(-1.8, -1.8), add(4611686018426.487, 9223372036854.775), add(3074457345651.058, 100.2), add(3074457345651.058, nil),
	}},
	{name: "average-udaf.json: average double (bob)", fn: "AVG", types: ts(tDbl), steps: []step{
		add(2.3, 2.3), add(-99999.15000000001, -200000.6), add(-66666.1, 0.0),
	}},
	{name: "average-udaf.json: average udaf with table", fn: "AVG", types: ts(tInt), steps: []step{
		add(1.0, int32(1)), add(1.5, int32(2)),
		undo(2.0, int32(1)), add(2.0, nil),
		undo(2.0, nil), add(3.0, int32(4)),
	}},
	{name: "AVG of nothing is 0.0; AVG of decimals", fn: "AVG", types: ts(dec41), steps: []step{
		add(0.0, nil), add(1.0, dec("1.0")), add(1.75, dec("2.5")), undo(2.5, dec("1.0")), undo(0.0, dec("2.5")),
	}},
	{name: "AVG BIGINT", fn: "AVG", types: ts(tBig), steps: []step{add(3.0, int64(3)), add(3.5, int64(4))}},

	// ---- MIN / MAX
	{name: "max-group-by.json: max integer group by (key 0)", fn: "MAX", types: ts(tInt), resultType: "INTEGER", steps: []step{
		add(nil, nil), add(int32(-2147483647), int32(-2147483647)), add(int32(5), int32(5)), add(int32(5), nil),
		add(int32(2000), int32(2000)), add(int32(2000), int32(100)),
	}},
	{name: "max-group-by.json: max long group by (key 0)", fn: "MAX", types: ts(tBig), steps: []step{
		add(nil, nil), add(int64(-1000000), int64(-1000000)), add(int64(5), int64(5)),
		add(int64(math.MaxInt64), int64(math.MaxInt64)), add(int64(math.MaxInt64), int64(100)),
	}},
	{name: "max-group-by.json: max timestamp group by valid after 7.2.0 (key 0)", fn: "MAX", types: ts(tTs), resultType: "TIMESTAMP", steps: []step{
		add(nil, nil), add(types.Timestamp(-1), types.Timestamp(-1)), add(types.Timestamp(50), types.Timestamp(50)),
		add(types.Timestamp(1010), types.Timestamp(1010)), add(types.Timestamp(1010), types.Timestamp(100)),
	}},
	{name: "max-group-by.json: max string group by (key 0)", fn: "MAX", types: ts(tStr), steps: []step{
		add(nil, nil), add("B", "B"), add("B", "A"), add("B", nil), add("F", "F"), add("F", "D"),
	}},
	{name: "min-group-by.json: min double group by (key 0)", fn: "MIN", types: ts(tDbl), resultType: "DOUBLE", steps: []step{
		add(1.7976931348623157e+308, 1.7976931348623157e+308), add(5.1, 5.1), add(5.1, nil),
		add(-1.7976931348623157e+308, -1.7976931348623157e+308), add(-1.7976931348623157e+308, 100.11),
	}},
	{name: "min-group-by.json: min decimal group by (key 0)", fn: "MIN", types: ts(dec42), resultType: "DECIMAL(4, 2)", steps: []step{
		add(dec("21.79"), dec("21.79")), add(dec("1.10"), dec("1.10")), add(dec("1.10"), nil),
		add(dec("-1.79"), dec("-1.79")), add(dec("-1.79"), dec("10.11")),
	}},
	{name: "min-group-by.json: min date group by valid after 7.2.0 (key 100)", fn: "MIN", types: ts(tDate), steps: []step{
		add(types.Date(100), types.Date(100)), add(types.Date(6), types.Date(6)), add(types.Date(6), types.Date(300)),
	}},
	{name: "min-group-by.json: min time group by valid after 7.2.0 (key 0)", fn: "MIN", types: ts(tTime), steps: []step{
		add(types.Time(5), types.Time(5)), add(types.Time(5), types.Time(2647)), add(types.Time(5), nil),
		add(types.Time(1), types.Time(1)), add(types.Time(1), types.Time(100)),
	}},
	{name: "min-group-by.json: min string group by (key 100)", fn: "MIN", types: ts(tStr), steps: []step{
		add("E", "E"), add("C", "C"), add("C", "G"),
	}},
	{name: "min-group-by.json: min bytes group by (key 0)", fn: "MIN", types: ts(tBytes), steps: []step{
		add(nil, nil), add([]byte("B"), []byte("B")), add([]byte("A"), []byte("A")), add([]byte("A"), nil),
		add([]byte("A"), []byte("F")), add([]byte("A"), []byte("D")),
	}},
	{name: "MIN of the integer minimum", fn: "MIN", types: ts(tInt), steps: []step{
		add(int32(5), int32(5)), add(int32(math.MinInt32), int32(math.MinInt32)),
	}},
	{name: "MAX BOOLEAN and type mismatch", fn: "MAX", types: ts(tBool), steps: []step{
		add(false, false), add(true, true), fails("is not a BOOLEAN", "x"), add(true, false),
	}},

	// ---- COUNT_DISTINCT (exact)
	{name: "COUNT_DISTINCT skips NULLs and duplicates", fn: "COUNT_DISTINCT", types: ts(tStr), resultType: "BIGINT", steps: []step{
		add(int64(0), nil), add(int64(1), "a"), add(int64(1), "a"), add(int64(2), "b"), add(int64(2), nil),
	}},
	{name: "COUNT_DISTINCT maps ignore entry order", fn: "COUNT_DISTINCT", types: ts(types.MapOf(tStr, tBig)), steps: []step{
		add(int64(1), mp("a", int64(1), "b", int64(2))), add(int64(1), mp("b", int64(2), "a", int64(1))),
		add(int64(2), mp("a", int64(1))),
	}},

	// ---- COLLECT_LIST
	{name: "collect-list.json: collect_list string (key 100)", fn: "COLLECT_LIST", types: ts(tStr), resultType: "ARRAY<STRING>", steps: []step{
		add(arr("baz"), "baz"), add(arr("baz", "baz"), "baz"), add(arr("baz", "baz", "foo"), "foo"),
		add(arr("baz", "baz", "foo", nil), nil),
	}},
	{name: "collect-list.json: collect_list long", fn: "COLLECT_LIST", types: ts(tBig), steps: []step{
		add(arr(int64(2147483648)), int64(2147483648)), add(arr(int64(2147483648), int64(100)), int64(100)),
	}},
	{name: "collect-list.json: collect_list int table", fn: "COLLECT_LIST", types: ts(tInt), steps: []step{
		add(arr(int32(0)), int32(0)), undo(arr(), int32(0)), add(arr(int32(100)), int32(100)),
	}},
	{name: "collect-list.json: collect_list bytes map table", fn: "COLLECT_LIST", types: ts(tBytes), steps: []step{
		add(arr([]byte("a")), []byte("a")), undo(arr(), []byte("a")), add(arr([]byte("b")), []byte("b")),
	}},
	{name: "COLLECT_LIST undo removes the last equal element", fn: "COLLECT_LIST", types: ts(tInt), steps: []step{
		add(arr(int32(1)), int32(1)), add(arr(int32(1), int32(2)), int32(2)), add(arr(int32(1), int32(2), int32(1)), int32(1)),
		undo(arr(int32(1), int32(2)), int32(1)), undo(arr(int32(1), int32(2)), int32(7)),
	}},
	{name: "collect-list.json: collect_list with limit of 1", fn: "COLLECT_LIST", types: ts(tInt),
		props: map[string]string{PropCollectListLimit: "1"}, steps: []step{
			add(arr(int32(0)), int32(0)), add(arr(int32(0)), int32(100)),
		}},
	{name: "collect-list.json: collect_list with arrays, structs, and maps (key 1)", fn: "COLLECT_LIST", types: ts(nestedT),
		resultType: "ARRAY<ARRAY<STRUCT<`A` STRING, `M` MAP<STRING, DOUBLE>, `D` DECIMAL(4, 1)>>>", steps: []step{
			add(arr(arr(st("Later0", mp("Early0", 3.45), nil))), arr(st("Later0", mp("Early0", 3.45), nil))),
			add(arr(arr(st("Later0", mp("Early0", 3.45), nil)), arr(st("Later0", mp("Early0", 3.45), dec("0.1")))),
				arr(st("Later0", mp("Early0", 3.45), dec("0.1")))),
			add(arr(arr(st("Later0", mp("Early0", 3.45), nil)), arr(st("Later0", mp("Early0", 3.45), dec("0.1"))), arr(nil)),
				arr(nil)),
			add(arr(arr(st("Later0", mp("Early0", 3.45), nil)), arr(st("Later0", mp("Early0", 3.45), dec("0.1"))), arr(nil), nil),
				nil),
		}},

	// ---- COLLECT_SET
	{name: "collect-set.json: collect_set string (key 100)", fn: "COLLECT_SET", types: ts(tStr), resultType: "ARRAY<STRING>", steps: []step{
		add(arr("baz"), "baz"), add(arr("baz"), "baz"), add(arr("baz", "foo"), "foo"), add(arr("baz", "foo", nil), nil),
	}},
	{name: "collect-set.json: collect_set maps (key 100)", fn: "COLLECT_SET", types: ts(types.MapOf(tStr, tBig)), steps: []step{
		add(arr(mp("Record0", int64(100), "Record2", int64(2))), mp("Record0", int64(100), "Record2", int64(2))),
		add(arr(mp("Record0", int64(100), "Record2", int64(2))), mp("Record2", int64(2), "Record0", int64(100))),
	}},
	{name: "collect-set.json: collect_set struct", fn: "COLLECT_SET", types: ts(types.StructOf(types.Field{Name: "A", Type: tStr}, types.Field{Name: "B", Type: tBig})), steps: []step{
		add(arr(st("Record0", int64(100))), st("Record0", int64(100))), add(arr(st("Record0", int64(100))), st("Record0", int64(100))),
		add(arr(st("Record0", int64(100)), st("Record0", int64(1))), st("Record0", int64(1))),
	}},
	{name: "collect-set.json: collect_set arrays (key 0)", fn: "COLLECT_SET", types: ts(types.ArrayOf(tInt)), steps: []step{
		add(arr(arr(int32(0), int32(0), int32(1))), arr(int32(0), int32(0), int32(1))),
		add(arr(arr(int32(0), int32(0), int32(1)), arr(int32(1), int32(2))), arr(int32(1), int32(2))),
		add(arr(arr(int32(0), int32(0), int32(1)), arr(int32(1), int32(2))), arr(int32(0), int32(0), int32(1))),
	}},
	{name: "collect-set.json: collect_set decimal (key 100)", fn: "COLLECT_SET", types: ts(dec41), steps: []step{
		add(arr(dec("500.9")), dec("500.9")), add(arr(dec("500.9"), dec("300.8")), dec("300.8")),
		add(arr(dec("500.9"), dec("300.8"), nil), nil), add(arr(dec("500.9"), dec("300.8"), nil), dec("300.8")),
		add(arr(dec("500.9"), dec("300.8"), nil), nil),
	}},
	{name: "collect-set.json: collect_set bool map", fn: "COLLECT_SET", types: ts(tBool), steps: []step{
		add(arr(true), true), add(arr(true, false), false), add(arr(true, false), true),
	}},
	{name: "collect-set.json: collect_set with limit of 1", fn: "COLLECT_SET", types: ts(tInt),
		props: map[string]string{PropCollectSetLimit: "1"}, steps: []step{
			add(arr(int32(0)), int32(0)), add(arr(int32(0)), int32(100)),
		}},
	{name: "COLLECT_SET undo drops a value with its last row", fn: "COLLECT_SET", types: ts(tStr), steps: []step{
		add(arr("a"), "a"), add(arr("a", "b"), "b"), add(arr("a", "b"), "a"),
		undo(arr("a", "b"), "a"), undo(arr("b"), "a"), undo(arr("b"), "zz"), undo(arr(), "b"),
	}},

	// ---- ATTR
	{name: "attr.json: invalid attr", fn: "ATTR", types: ts(tStr), resultType: "STRING", steps: []step{
		add("1", "1"), add(nil, "2"), add(nil, "3"),
	}},
	{name: "attr.json: invalid attr with nulls as first entry", fn: "ATTR", types: ts(tStr), steps: []step{
		add(nil, nil), add(nil, "2"), add(nil, "2"),
	}},
	{name: "attr.json: table attr with tombstones", fn: "ATTR", types: ts(tStr), steps: []step{
		add("1", "1"), add("1", "1"), undo("1", "1"), undo(nil, "1"), add("2", "2"), add(nil, "3"), undo("2", "3"),
	}},
	{name: "attr.json: valid attr with various non-scalar fields", fn: "ATTR", types: ts(types.ArrayOf(tInt)), steps: []step{
		add(arr(int32(1), int32(2)), arr(int32(1), int32(2))), add(arr(int32(1), int32(2)), arr(int32(1), int32(2))),
	}},

	// ---- SUM_LIST
	{name: "sum.json: sum list of ints into a single int", fn: "SUM_LIST", types: ts(types.ArrayOf(tInt)), resultType: "INTEGER", steps: []step{
		add(int32(2), arr(int32(1), int32(1))), add(int32(6), arr(int32(2), int32(2))),
		add(int32(206), arr(int32(100), int32(100))), add(int32(406), arr(int32(100), int32(100), nil)),
		add(int32(406), nil), undo(int32(206), arr(int32(100), int32(100))),
	}},
	{name: "sum.json: sum list of doubles into a single double", fn: "SUM_LIST", types: ts(types.ArrayOf(tDbl)), resultType: "DOUBLE", steps: []step{
		add(2.0, arr(1.0, 1.0)), add(6.0, arr(2.0, 2.0)), add(922337203692.0, arr(922337203685.0, 1.0)),
	}},

	// ---- LATEST_BY_OFFSET (the trailing argument is the record offset)
	{name: "latest-offset-udaf.json: latest by offset with structs (key 0)", fn: "LATEST_BY_OFFSET",
		types: ts(types.StructOf(types.Field{Name: "A", Type: tStr}, types.Field{Name: "B", Type: tBig})), consts: []any{nil},
		resultType: "STRUCT<`A` STRING, `B` BIGINT>", steps: []step{
			add(st("Early0", int64(1)), st("Early0", int64(1)), int64(0)),
			add(st("Later0", int64(3)), st("Later0", int64(3)), int64(2)),
		}},
	{name: "latest-offset-udaf.json: latest by offset with maps (key 1)", fn: "LATEST_BY_OFFSET", types: ts(types.MapOf(tStr, tDbl)), steps: []step{
		add(mp("Early1", 2.3456789), mp("Early1", 2.3456789), int64(1)), add(mp("Later1", 4.0), mp("Later1", 4.0), int64(3)),
	}},
	{name: "latest-offset-udaf.json: nulls ignored - multiple", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), true},
		resultType: "ARRAY<INTEGER>", steps: []step{
			add(arr(int32(12)), int32(12), nil, nil, int64(0)), add(arr(int32(12)), nil, nil, nil, int64(1)),
			add(arr(int32(12), int32(13)), int32(13), nil, nil, int64(2)),
		}},
	{name: "latest-offset-udaf.json: nulls not ignored - single", fn: "LATEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, false},
		resultType: "INTEGER", steps: []step{
			add(int32(12), int32(12), false, int64(0)), add(nil, nil, false, int64(1)), add(int32(13), int32(13), false, int64(2)),
		}},
	{name: "latest-offset-udaf.json: nulls not ignored - multiple", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false}, steps: []step{
		add(arr(int32(12)), int32(12), nil, nil, int64(0)), add(arr(int32(12), nil), nil, nil, nil, int64(1)),
		add(arr(nil, int32(13)), int32(13), nil, nil, int64(2)),
	}},
	{name: "latest-offset-udaf.json: latest by offset with all nulls", fn: "LATEST_BY_OFFSET", types: ts(tInt), steps: []step{
		add(nil, nil, int64(0)), add(nil, nil, int64(1)),
	}},
	{name: "latest-offset-udaf.json: latest n by offset (L4)", fn: "LATEST_BY_OFFSET", types: ts(tStr, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr("foo"), "foo", nil, int64(0)), add(arr("foo", "bar"), "bar", nil, int64(2)), add(arr("bar", "baz"), "baz", nil, int64(4)),
	}},
	{name: "latest-offset-udaf.json: latest n by offset with all nulls", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr(), nil, nil, int64(0)), add(arr(), nil, nil, int64(1)),
	}},
	{name: "LATEST_BY_OFFSET orders by offset, not arrival", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr(int32(5)), int32(5), nil, int64(5)), add(arr(int32(1), int32(5)), int32(1), nil, int64(1)),
		add(arr(int32(5), int32(9)), int32(9), nil, int64(9)), add(arr(int32(5), int32(9)), int32(3), nil, int64(3)),
		fails("offset must be an int64", int32(1), nil, int32(3)), fails("expected 3 argument", int32(1), nil),
	}},

	// ---- EARLIEST_BY_OFFSET
	{name: "earliest-offset-udaf.json: earliest by offset (L8, L9)", fn: "EARLIEST_BY_OFFSET", types: ts(tBytes), resultType: "BYTES", steps: []step{
		add([]byte("a"), []byte("a"), int64(0)), add([]byte("a"), []byte("b"), int64(2)),
	}},
	{name: "earliest-offset-udaf.json: earliest by offset with an array added (L9)", fn: "EARLIEST_BY_OFFSET", types: ts(types.ArrayOf(tInt)), steps: []step{
		add(arr(int32(0), int32(1)), arr(int32(0), int32(1)), int64(0)), add(arr(int32(0), int32(1)), arr(int32(1), int32(2)), int64(2)),
	}},
	{name: "earliest-offset-udaf.json: null first - single - ignoring nulls", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, true}, steps: []step{
		add(nil, nil, true, int64(0)), add(int32(13), int32(13), true, int64(1)),
	}},
	{name: "earliest-offset-udaf.json: null first - multiple - ignoring nulls", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr(), nil, nil, int64(0)), add(arr(int32(13)), int32(13), nil, int64(1)),
	}},
	{name: "earliest-offset-udaf.json: null first - multiple - not ignoring nulls", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false}, steps: []step{
		add(arr(nil), nil, nil, nil, int64(0)), add(arr(nil, int32(13)), int32(13), nil, nil, int64(1)),
	}},
	{name: "earliest-offset-udaf.json: nulls later - single - nulls ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt), steps: []step{
		add(int32(12), int32(12), int64(0)), add(int32(12), nil, int64(1)), add(int32(12), int32(13), int64(2)),
	}},
	{name: "earliest-offset-udaf.json: nulls later - multiple - nulls ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr(int32(12)), int32(12), nil, int64(0)), add(arr(int32(12)), nil, nil, int64(1)), add(arr(int32(12), int32(13)), int32(13), nil, int64(2)),
	}},
	{name: "earliest-offset-udaf.json: null later - single - nulls not ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, false}, steps: []step{
		add(int32(12), int32(12), nil, int64(0)), add(int32(12), nil, nil, int64(1)), add(int32(12), int32(13), nil, int64(2)),
	}},
	{name: "earliest-offset-udaf.json: null later - multiple - nulls not ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false}, steps: []step{
		add(arr(int32(12)), int32(12), nil, nil, int64(0)), add(arr(int32(12), nil), nil, nil, nil, int64(1)),
		add(arr(int32(12), nil), int32(13), nil, nil, int64(2)),
	}},
	{name: "earliest-offset-udaf.json: earliest n by offset (L1)", fn: "EARLIEST_BY_OFFSET", types: ts(tBig, tInt), consts: []any{nil, int32(2)}, steps: []step{
		add(arr(int64(1000)), int64(1000), nil, int64(0)), add(arr(int64(1000), int64(2000)), int64(2000), nil, int64(2)),
		add(arr(int64(1000), int64(2000)), int64(3000), nil, int64(4)),
	}},

	// ---- TOPK / TOPKDISTINCT
	{name: "topk-group-by.json: topk integer", fn: "TOPK", types: ts(tInt, tInt), consts: []any{nil, int32(3)}, resultType: "ARRAY<INTEGER>", steps: []step{
		add(arr(int32(0)), int32(0), nil), add(arr(int32(100), int32(0)), int32(100), nil),
		add(arr(int32(100), int32(99), int32(0)), int32(99), nil), add(arr(int32(100), int32(99), int32(7)), int32(7), nil),
		add(arr(int32(100), int32(100), int32(99)), int32(100), nil), add(arr(int32(100), int32(100), int32(99)), nil, nil),
	}},
	{name: "topk-group-by.json: topk double", fn: "TOPK", types: ts(tDbl, tInt), consts: []any{nil, int32(3)}, steps: []step{
		add(arr(2147483648.9), 2147483648.9, nil), add(arr(2147483648.9, 100.5), 100.5, nil),
		add(arr(2147483648.9, 100.5, 99.9), 99.9, nil), add(arr(2147483648.9, 100.5, 99.9), 7.3, nil),
		add(arr(2147483648.9, 100.5, 100.5), 100.5, nil),
	}},
	{name: "topk-group-by.json: topk string", fn: "TOPK", types: ts(tStr, tInt), consts: []any{nil, int32(3)}, steps: []step{
		add(arr("a"), "a", nil), add(arr("b", "a"), "b", nil), add(arr("c", "b", "a"), "c", nil),
		add(arr("c", "b", "b"), "b", nil), add(arr("d", "c", "b"), "d", nil),
	}},
	{name: "topk-group-by.json: topk integer struct", fn: "TOPK", types: ts(tInt, tStr, tInt), consts: []any{nil, nil, int32(3)},
		resultType: "ARRAY<STRUCT<`sort_col` INTEGER, `col0` STRING>>", steps: []step{
			add(arr(st(int32(0), "zero")), int32(0), "zero", nil),
			add(arr(st(int32(100), "one"), st(int32(0), "zero")), int32(100), "one", nil),
			add(arr(st(int32(100), "one"), st(int32(99), "two"), st(int32(0), "zero")), int32(99), "two", nil),
			add(arr(st(int32(100), "one"), st(int32(99), "two"), st(int32(0), "zero")), nil, "three", nil),
			add(arr(st(int32(100), "one"), st(int32(100), nil), st(int32(99), "two")), int32(100), nil, nil),
		}},
	{name: "topk-group-by.json: topk string struct", fn: "TOPK", types: ts(tStr, tStr, tInt), consts: []any{nil, nil, int64(3)}, steps: []step{
		add(arr(st("a", "zero")), "a", "zero", nil), add(arr(st("a", "zero")), nil, "one", nil),
		add(arr(st("c", "two"), st("a", "zero")), "c", "two", nil),
		add(arr(st("c", "two"), st("b", "three"), st("a", "zero")), "b", "three", nil),
		add(arr(st("d", nil), st("c", "two"), st("b", "three")), "d", nil, nil),
	}},
	{name: "topk-distinct.json: topk distinct integer", fn: "TOPKDISTINCT", types: ts(tInt, tInt), consts: []any{nil, int32(3)}, steps: []step{
		add(arr(int32(0)), int32(0), nil), add(arr(int32(100), int32(0)), int32(100), nil),
		add(arr(int32(100), int32(99), int32(0)), int32(99), nil), add(arr(int32(100), int32(99), int32(7)), int32(7), nil),
		add(arr(int32(100), int32(99), int32(7)), int32(100), nil),
	}},
	{name: "topk-distinct.json: topk distinct decimal", fn: "TOPKDISTINCT", types: ts(dec21, tInt), consts: []any{nil, int32(3)}, resultType: "ARRAY<DECIMAL(2, 1)>", steps: []step{
		add(arr(dec("9.8")), dec("9.8"), nil), add(arr(dec("9.8"), dec("8.9")), dec("8.9"), nil), add(arr(dec("9.8"), dec("8.9")), nil, nil),
		add(arr(dec("9.8"), dec("8.9"), dec("7.8")), dec("7.8"), nil), add(arr(dec("9.8"), dec("8.9"), dec("7.8")), dec("6.5"), nil),
		add(arr(dec("9.9"), dec("9.8"), dec("8.9")), dec("9.9"), nil),
	}},
	{name: "topk-distinct.json: topk distinct bytes", fn: "TOPKDISTINCT", types: ts(tBytes, tInt), consts: []any{nil, int32(3)}, steps: []step{
		add(arr([]byte("B")), []byte("B"), nil), add(arr([]byte("F"), []byte("B")), []byte("F"), nil),
		add(arr([]byte("G"), []byte("F"), []byte("B")), []byte("G"), nil), add(arr([]byte("G"), []byte("F"), []byte("B")), nil, nil),
		add(arr([]byte("G"), []byte("F"), []byte("B")), []byte("A"), nil), add(arr([]byte("G"), []byte("F"), []byte("B")), []byte("F"), nil),
	}},
	{name: "topk-distinct.json: topk distinct time", fn: "TOPKDISTINCT", types: ts(tTime, tInt), consts: []any{nil, int32(3)}, steps: []step{
		add(arr(types.Time(0)), types.Time(0), nil), add(arr(types.Time(100), types.Time(0)), types.Time(100), nil),
		add(arr(types.Time(100), types.Time(99), types.Time(0)), types.Time(99), nil),
		add(arr(types.Time(100), types.Time(99), types.Time(7)), types.Time(7), nil),
	}},

	// ---- HISTOGRAM
	{name: "histogram.json: histogram string (key 100)", fn: "HISTOGRAM", types: ts(tStr), resultType: "MAP<STRING, BIGINT>", steps: []step{
		add(mp("baz", int64(1)), "baz"), add(mp("baz", int64(2)), "baz"), add(mp("baz", int64(2), "foo", int64(1)), "foo"),
		add(mp("baz", int64(2), "foo", int64(1)), nil),
	}},
	{name: "histogram.json: histogram string (key 0)", fn: "HISTOGRAM", types: ts(tStr), steps: []step{
		add(mp("foo", int64(1)), "foo"), add(mp("foo", int64(1), "bar", int64(1)), "bar"),
	}},
	{name: "HISTOGRAM undo", fn: "HISTOGRAM", types: ts(tStr), steps: []step{
		add(mp("a", int64(1)), "a"), add(mp("a", int64(2)), "a"), add(mp("a", int64(2), "b", int64(1)), "b"),
		undo(mp("a", int64(1), "b", int64(1)), "a"), undo(mp("b", int64(1)), "a"), undo(mp("b", int64(1)), "x"),
		add(mp("b", int64(1), "a", int64(1)), "a"),
	}},

	// ---- STDDEV_SAMP (the corpus's ksqlDB returns the variance) and STDDEV_SAMPLE
	{name: "standarddeviation.json: stddev_samp int (key 0)", fn: "STDDEV_SAMP", types: ts(tInt), resultType: "DOUBLE", steps: []step{
		add(0.0, int32(0)), add(50.0, int32(10)), add(26.333333333333332, int32(7)), add(17.583333333333332, int32(6)),
	}},
	{name: "standarddeviation.json: stddev_samp int (key 100)", fn: "STDDEV_SAMP", types: ts(tInt), steps: []step{
		add(0.0, int32(50)), add(800.0, int32(10)), add(643.0, int32(3)), add(643.0, nil),
	}},
	{name: "standarddeviation.json: stddev_samp long (key 0)", fn: "STDDEV_SAMP", types: ts(tBig), steps: []step{
		add(0.0, int64(2147483648)), add(2.3058427944653343e+18, int64(100)), add(1.5372286026580004e+18, int64(-2)),
		add(1.5372286026580004e+18, nil),
	}},
	{name: "standarddeviation.json: stddev_samp long (key 100)", fn: "STDDEV_SAMP", types: ts(tBig), steps: []step{
		add(0.0, int64(500)), add(80000.0, int64(100)), add(70000.0, int64(0)), add(57275.666666666664, int64(-6)),
	}},
	{name: "standarddeviation.json: stddev_samp double (key 0)", fn: "STDDEV_SAMP", types: ts(tDbl), steps: []step{
		add(0.0, -1.8), add(8.405, 2.3), add(3334.2033333333347, 100.2), add(3334.2033333333347, nil),
	}},
	{name: "standarddeviation.json: stddev_samp double (key 100)", fn: "STDDEV_SAMP", types: ts(tDbl), steps: []step{
		add(0.0, 9223372036854.775), add(4.253529586234292e+25, 300.8), add(2.835686452404674e+25, -200000.6),
		add(2.1267648239542927e+25, 0.0),
	}},
	{name: "standarddeviation.json: stddev_samp double map", fn: "STDDEV_SAMP", types: ts(tDbl), steps: []step{
		add(0.0, 10.0), add(2.0, 12.0), add(2.333333333333333, 13.0), add(2.9166666666666665, 14.0), add(5.0, 16.0),
	}},
	{name: "standarddeviation.json: stddev_sample int (key 0)", fn: "STDDEV_SAMPLE", types: ts(tInt), resultType: "DOUBLE", steps: []step{
		add(0.0, int32(0)), add(7.0710678118654755, int32(10)), add(5.131601439446884, int32(7)), add(4.193248541803041, int32(6)),
	}},
	{name: "standarddeviation.json: stddev_sample int (key 100)", fn: "STDDEV_SAMPLE", types: ts(tInt), steps: []step{
		add(0.0, int32(50)), add(28.284271247461902, int32(10)), add(25.357444666211933, int32(3)), add(25.357444666211933, nil),
	}},
	{name: "standarddeviation.json: stddev_sample double (key 0)", fn: "STDDEV_SAMPLE", types: ts(tDbl), steps: []step{
		add(0.0, -1.8), add(2.899137802864845, 2.3), add(57.74256084841869, 100.2), add(57.74256084841869, nil),
	}},
	{name: "standarddeviation.json: stddev_sample double (key 100)", fn: "STDDEV_SAMPLE", types: ts(tDbl), steps: []step{
		add(0.0, 9223372036854.775), add(6521908912453.693, 300.8), add(5325116385962.54, -200000.6), add(4611686051710.689, 0.0),
	}},
	{name: "standarddeviation.json: stddev_sample double map", fn: "STDDEV_SAMPLE", types: ts(tDbl), steps: []step{
		add(0.0, 10.0), add(1.4142135623730951, 12.0), add(1.5275252316519465, 13.0), add(1.707825127659933, 14.0), add(2.23606797749979, 16.0),
	}},
	{name: "STDDEV_SAMP undo back to empty", fn: "STDDEV_SAMP", types: ts(tInt), steps: []step{
		add(0.0, int32(0)), add(50.0, int32(10)), undo(0.0, int32(10)), undo(0.0, int32(0)), add(0.0, int32(4)), add(2.0, int32(6)),
	}},

	// ---- CORRELATION
	{name: "correlation-udaf.json: correlation int (alice)", fn: "CORRELATION", types: ts(tDbl, tDbl), resultType: "DOUBLE", steps: []step{
		add(math.NaN(), 1.0, 8.0), add(1.0, -1.0, -2.0), add(0.7455284088780169, -4.0, -1.0), add(0.7455284088780169, nil, -6.0),
	}},
	{name: "correlation-udaf.json: correlation int (bob, INT arguments)", fn: "CORRELATION", types: ts(tInt, tInt), steps: []step{
		add(math.NaN(), int32(-3), int32(-2)), add(math.NaN(), int32(13), nil), add(1.0, int32(3), int32(11)),
		undo(math.NaN(), int32(3), int32(11)), undo(math.NaN(), int32(-3), int32(-2)), add(math.NaN(), int32(1), int32(1)),
	}},
}

func TestSequences(t *testing.T) {
	for _, c := range seqCases {
		t.Run(c.name, func(t *testing.T) {
			consts := c.consts
			if consts == nil && len(c.types) > 0 {
				consts = make([]any, len(c.types))
			}
			a, err := New(c.fn, c.types, consts, c.props)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if c.resultType != "" && a.ResultType().String() != c.resultType {
				t.Errorf("ResultType = %s, want %s", a.ResultType(), c.resultType)
			}
			acc := roundTrip(t, a, a.Init())
			for i, s := range c.steps {
				op := a.Add
				if s.undo {
					op = a.Undo
				}
				before := render(a.Result(acc))
				next, err := op(acc, s.args)
				if s.err != "" {
					if err == nil || !strings.Contains(err.Error(), s.err) {
						t.Fatalf("step %d: error = %v, want %q", i, err, s.err)
					}
					if after := render(a.Result(acc)); after != before {
						t.Fatalf("step %d: failed step changed the result from %s to %s", i, before, after)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got, want := render(a.Result(next)), render(s.want); got != want {
					t.Fatalf("step %d (%v): result = %s, want %s", i, s.args, got, want)
				}
				// Carry on with the decoded copy: every later step then
				// also checks that the encoding loses nothing.
				acc = roundTrip(t, a, next)
			}
		})
	}
}

// TestEveryFunctionCovered keeps the sequence table honest as functions
// are added.
func TestEveryFunctionCovered(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range seqCases {
		seen[c.fn] = true
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("%s has no sequence case", n)
		}
	}
}

// mergeCase folds rows into separate session accumulators, merges them in
// order into a fresh one, then adds the rows of the record that caused the
// merge, as Kafka Streams does when a record bridges sessions.
type mergeCase struct {
	name     string
	fn       string
	types    []*types.Type
	consts   []any
	props    map[string]string
	sessions [][][]any
	then     [][]any
	want     any
}

func rows(rs ...[]any) [][]any { return rs }
func row(vs ...any) []any      { return vs }

var mergeCases = []mergeCase{
	{name: "latest-offset-udaf.json: merging session windows", fn: "LATEST_BY_OFFSET", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1), int64(0))), rows(row(int32(3), int64(1)))}, then: rows(row(int32(2), int64(2))), want: int32(2)},
	{name: "latest-offset-udaf.json: merging session windows - with nulls ignored", fn: "LATEST_BY_OFFSET", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1), int64(0))), rows(row(nil, int64(1)))}, then: rows(row(int32(2), int64(2))), want: int32(2)},
	{name: "latest-offset-udaf.json: merging session windows - with nulls ignored when merging", fn: "LATEST_BY_OFFSET", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1), int64(0)))}, then: rows(row(nil, int64(1))), want: int32(1)},
	{name: "latest-offset-udaf.json: merging session windows - with nulls not ignored", fn: "LATEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, false},
		sessions: [][][]any{rows(row(int32(1), nil, int64(0))), rows(row(nil, nil, int64(1)))}, then: rows(row(int32(2), nil, int64(2))), want: int32(2)},
	{name: "latest-offset-udaf.json: merging session windows - all nulls", fn: "LATEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, false},
		sessions: [][][]any{rows(row(nil, nil, int64(0))), rows(row(nil, nil, int64(1)))}, then: rows(row(nil, nil, int64(2))), want: nil},
	{name: "latest-offset-udaf.json: merging session windows - with nulls not ignored - N", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false},
		sessions: [][][]any{rows(row(int32(1), nil, nil, int64(0))), rows(row(nil, nil, nil, int64(1)))}, then: rows(row(int32(2), nil, nil, int64(2))), want: arr(nil, int32(2))},
	{name: "latest-offset-udaf.json: merging session windows - all nulls - N", fn: "LATEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false},
		sessions: [][][]any{rows(row(nil, nil, nil, int64(0))), rows(row(nil, nil, nil, int64(1)))}, then: rows(row(nil, nil, nil, int64(2))), want: arr(nil, nil)},
	{name: "earliest-offset-udaf.json: merging session windows", fn: "EARLIEST_BY_OFFSET", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1), int64(0))), rows(row(int32(3), int64(1)))}, then: rows(row(int32(2), int64(2))), want: int32(1)},
	{name: "earliest-offset-udaf.json: merging session windows - with nulls ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, true},
		sessions: [][][]any{rows(row(nil, nil, int64(0))), rows(row(int32(1), nil, int64(1)))}, then: rows(row(nil, nil, int64(2))), want: int32(1)},
	{name: "earliest-offset-udaf.json: merging session windows - with nulls not ignored", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tBool), consts: []any{nil, false},
		sessions: [][][]any{rows(row(nil, nil, int64(0))), rows(row(int32(1), nil, int64(1)))}, then: rows(row(nil, nil, int64(2))), want: nil},
	{name: "earliest-offset-udaf.json: merging session windows - with nulls ignored - N", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), true},
		sessions: [][][]any{rows(row(nil, nil, nil, int64(0))), rows(row(int32(1), nil, nil, int64(1)))}, then: rows(row(nil, nil, nil, int64(2))), want: arr(int32(1))},
	{name: "earliest-offset-udaf.json: merging session windows - with nulls not ignored - N", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false},
		sessions: [][][]any{rows(row(nil, nil, nil, int64(0))), rows(row(int32(1), nil, nil, int64(1)))}, then: rows(row(nil, nil, nil, int64(2))), want: arr(nil, int32(1))},
	{name: "earliest-offset-udaf.json: merging session windows - all nulls - N", fn: "EARLIEST_BY_OFFSET", types: ts(tInt, tInt, tBool), consts: []any{nil, int32(2), false},
		sessions: [][][]any{rows(row(nil, nil, nil, int64(0))), rows(row(nil, nil, nil, int64(1)))}, then: rows(row(nil, nil, nil, int64(2))), want: arr(nil, nil)},
	{name: "COUNT merge", fn: "COUNT",
		sessions: [][][]any{rows(row(), row()), rows(row())}, then: rows(row()), want: int64(4)},
	{name: "SUM merge", fn: "SUM", types: ts(tBig),
		sessions: [][][]any{rows(row(int64(1)), row(int64(2))), rows(row(int64(3)))}, want: int64(6)},
	{name: "SUM DECIMAL merge", fn: "SUM", types: ts(dec41),
		sessions: [][][]any{rows(row(dec("1.5"))), rows(row(dec("2.5")), row(nil))}, want: dec("4.0")},
	{name: "AVG merge", fn: "AVG", types: ts(tDbl),
		sessions: [][][]any{rows(row(1.0), row(2.0)), rows(row(6.0))}, want: 3.0},
	{name: "MIN merge", fn: "MIN", types: ts(tStr),
		sessions: [][][]any{rows(row("m")), rows(), rows(row("c"), row("x"))}, want: "c"},
	{name: "MAX merge of empty sessions", fn: "MAX", types: ts(tInt),
		sessions: [][][]any{rows(), rows(row(nil))}, want: nil},
	{name: "COUNT_DISTINCT merge", fn: "COUNT_DISTINCT", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1)), row(int32(2))), rows(row(int32(2)), row(int32(3)))}, want: int64(3)},
	{name: "COLLECT_LIST merge respects the limit", fn: "COLLECT_LIST", types: ts(tInt), props: map[string]string{PropCollectListLimit: "3"},
		sessions: [][][]any{rows(row(int32(1)), row(int32(2))), rows(row(int32(3)), row(int32(4)))}, then: rows(row(int32(5))), want: arr(int32(1), int32(2), int32(3))},
	{name: "COLLECT_SET merge", fn: "COLLECT_SET", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(1)), row(int32(2))), rows(row(int32(2)), row(int32(3)))}, want: arr(int32(1), int32(2), int32(3))},
	{name: "TOPK merge keeps earlier sessions first on ties", fn: "TOPK", types: ts(tInt, tStr, tInt), consts: []any{nil, nil, int32(3)},
		sessions: [][][]any{rows(row(int32(5), "a", nil), row(int32(1), "b", nil)), rows(row(int32(5), "c", nil), row(int32(7), "d", nil))},
		want:     arr(st(int32(7), "d"), st(int32(5), "a"), st(int32(5), "c"))},
	{name: "TOPKDISTINCT merge", fn: "TOPKDISTINCT", types: ts(tInt, tInt), consts: []any{nil, int32(2)},
		sessions: [][][]any{rows(row(int32(5), nil)), rows(row(int32(5), nil), row(int32(4), nil))}, want: arr(int32(5), int32(4))},
	{name: "HISTOGRAM merge", fn: "HISTOGRAM", types: ts(tStr),
		sessions: [][][]any{rows(row("a"), row("b")), rows(row("b"), row("c"))}, want: mp("a", int64(1), "b", int64(2), "c", int64(1))},
	{name: "STDDEV_SAMP merge", fn: "STDDEV_SAMP", types: ts(tInt),
		sessions: [][][]any{rows(row(int32(0)), row(int32(10))), rows(row(int32(7)), row(int32(6)))}, want: 17.583333333333332},
	{name: "STDDEV_SAMP merge with an empty side", fn: "STDDEV_SAMP", types: ts(tDbl),
		sessions: [][][]any{rows(), rows(row(0.0), row(10.0)), rows()}, want: 50.0},
	{name: "CORRELATION merge", fn: "CORRELATION", types: ts(tDbl, tDbl),
		sessions: [][][]any{rows(row(1.0, 8.0)), rows(row(-1.0, -2.0), row(-4.0, -1.0))}, want: 0.7455284088780169},
}

func TestMerge(t *testing.T) {
	for _, c := range mergeCases {
		t.Run(c.name, func(t *testing.T) {
			consts := c.consts
			if consts == nil && len(c.types) > 0 {
				consts = make([]any, len(c.types))
			}
			a, err := New(c.fn, c.types, consts, c.props)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			merged := a.Init()
			for _, s := range c.sessions {
				acc := a.Init()
				for _, r := range s {
					if acc, err = a.Add(acc, r); err != nil {
						t.Fatalf("Add(%v): %v", r, err)
					}
				}
				acc = roundTrip(t, a, acc)
				if merged, err = a.Merge(merged, acc); err != nil {
					t.Fatalf("Merge: %v", err)
				}
			}
			for _, r := range c.then {
				if merged, err = a.Add(merged, r); err != nil {
					t.Fatalf("Add(%v): %v", r, err)
				}
			}
			merged = roundTrip(t, a, merged)
			if got, want := render(a.Result(merged)), render(c.want); got != want {
				t.Fatalf("result = %s, want %s", got, want)
			}
		})
	}
}

func TestNoUndo(t *testing.T) {
	cases := []struct {
		fn     string
		types  []*types.Type
		consts []any
	}{
		{"MIN", ts(tInt), nil},
		{"MAX", ts(tStr), nil},
		{"COUNT_DISTINCT", ts(tInt), nil},
		{"TOPK", ts(tInt, tInt), []any{nil, int32(1)}},
		{"TOPKDISTINCT", ts(tInt, tInt), []any{nil, int32(1)}},
		{"LATEST_BY_OFFSET", ts(tInt), []any{nil}},
		{"EARLIEST_BY_OFFSET", ts(tInt), []any{nil}},
	}
	for _, c := range cases {
		a, err := New(c.fn, c.types, c.consts, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.fn, err)
		}
		if _, err := a.Undo(a.Init(), []any{int32(1)}); !errors.Is(err, ErrNoUndo) {
			t.Errorf("%s: Undo error = %v, want ErrNoUndo", c.fn, err)
		}
		if SupportsUndo(c.fn) {
			t.Errorf("SupportsUndo(%s) = true", c.fn)
		}
	}
	for _, n := range []string{"COUNT", "SUM", "AVG", "COLLECT_LIST", "COLLECT_SET", "HISTOGRAM", "STDDEV_SAMP", "STDDEV_SAMPLE", "CORRELATION"} {
		if !SupportsUndo(n) {
			t.Errorf("SupportsUndo(%s) = false", n)
		}
	}
}

// TestStddevUndo checks that retracting rows in any order gives what
// adding only the remaining rows gives.
func TestStddevUndo(t *testing.T) {
	for _, typ := range []*types.Type{tInt, tBig, tDbl} {
		a, err := New("STDDEV_SAMP", ts(typ), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		val := func(i int) any {
			switch typ.Kind {
			case types.Int:
				return int32(i*7%13 - 4)
			case types.Bigint:
				return int64(i*7%13 - 4)
			}
			return float64(i*7%13) - 4.25
		}
		acc := a.Init()
		for i := 0; i < 20; i++ {
			acc, _ = a.Add(acc, []any{val(i)})
		}
		ref := a.Init()
		for i := 0; i < 20; i++ {
			if i%3 == 0 {
				acc, _ = a.Undo(acc, []any{val(i)})
			} else {
				ref, _ = a.Add(ref, []any{val(i)})
			}
		}
		got, want := a.Result(acc).(float64), a.Result(ref).(float64)
		if !approxEqual(got, want) {
			t.Errorf("%s: after undo %v, want %v", typ, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name   string
		fn     string
		types  []*types.Type
		consts []any
		props  map[string]string
		err    string
	}{
		{"unknown", "NOPE", nil, nil, nil, "unknown aggregate function NOPE"},
		{"SUM of STRING", "SUM", ts(tStr), nil, nil, "SUM does not support arguments of type STRING"},
		{"SUM arity", "SUM", ts(tInt, tInt), nil, nil, "SUM takes 1 argument"},
		{"MIN of ARRAY", "MIN", ts(types.ArrayOf(tInt)), nil, nil, "MIN does not support"},
		{"TOPK without literal k", "TOPK", ts(tInt, tInt), []any{nil, nil}, nil, "parameter 2 must be a literal constant"},
		{"TOPK without constants", "TOPK", ts(tInt, tInt), nil, nil, "parameter 2 must be a literal constant"},
		{"TOPK k zero", "TOPK", ts(tInt, tInt), []any{nil, int32(0)}, nil, "k must be between 1"},
		{"TOPK k not integer", "TOPK", ts(tInt, tInt), []any{nil, "3"}, nil, "k must be an integer literal"},
		{"TOPKDISTINCT struct form", "TOPKDISTINCT", ts(tInt, tStr, tInt), []any{nil, nil, int32(2)}, nil, "wrong number of arguments"},
		{"LATEST n zero", "LATEST_BY_OFFSET", ts(tInt, tInt), []any{nil, int32(0)}, nil, "latestN must be 1 or greater"},
		{"EARLIEST n negative", "EARLIEST_BY_OFFSET", ts(tInt, tInt, tBool), []any{nil, int32(-1), true}, nil, "earliestN must be 1 or greater"},
		{"EARLIEST ignoreNulls not boolean", "EARLIEST_BY_OFFSET", ts(tInt, tInt, tInt), []any{nil, int32(1), int32(1)}, nil, "must be a BOOLEAN"},
		{"LATEST too many args", "LATEST_BY_OFFSET", ts(tInt, tInt, tBool, tBool), []any{nil, int32(1), true, true}, nil, "takes 1 to 3 arguments"},
		{"constant slots mismatch", "COUNT", ts(tInt), []any{nil, nil}, nil, "2 constant slots for 1 arguments"},
		{"bad limit", "COLLECT_LIST", ts(tInt), nil, map[string]string{PropCollectListLimit: "lots"}, "invalid ksql.functions.collect_list.limit"},
		{"negative limit", "COLLECT_SET", ts(tInt), nil, map[string]string{PropCollectSetLimit: "-1"}, "must not be negative"},
		{"HISTOGRAM of INT", "HISTOGRAM", ts(tInt), nil, nil, "HISTOGRAM does not support"},
		{"STDDEV of DECIMAL", "STDDEV_SAMP", ts(dec41), nil, nil, "STDDEV_SAMP does not support"},
		{"CORRELATION of STRING", "CORRELATION", ts(tStr, tDbl), nil, nil, "CORRELATION does not support"},
		{"nil type", "MAX", []*types.Type{nil}, nil, nil, "argument 1 has no type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.fn, c.types, c.consts, c.props)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error = %v, want %q", err, c.err)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	if !Supported("count") || !Supported("TOPKDISTINCT") || Supported("NO_SUCH_UDAF") {
		t.Error("Supported")
	}
	if !NeedsOffset("latest_by_offset") || NeedsOffset("COUNT") {
		t.Error("NeedsOffset")
	}
	// A literal parameter the catalog requires is checked again here.
	if _, err := New("TOPK", ts(tInt, tInt), []any{nil, nil}, nil); err == nil || !strings.Contains(err.Error(), "must be a literal constant") {
		t.Errorf("TOPK without a literal k: %v", err)
	}
	if got := TableSourceMessage([]string{"MIN", "MAX"}); got != "The aggregation function(s) MIN and MAX cannot be applied to a table source, only to a stream source." {
		t.Errorf("TableSourceMessage = %q", got)
	}
}

func TestHistogramLimit(t *testing.T) {
	a, _ := New("HISTOGRAM", ts(tStr), nil, nil)
	acc := a.Init()
	for i := 0; i < HistogramLimit+5; i++ {
		acc, _ = a.Add(acc, []any{strings.Repeat("x", i)})
	}
	acc, _ = a.Add(acc, []any{""})
	m := a.Result(acc).(*types.Map)
	if len(m.Keys) != HistogramLimit || m.Values[0] != int64(2) {
		t.Fatalf("got %d keys, first count %v", len(m.Keys), m.Values[0])
	}
	roundTrip(t, a, acc)
}

// TestResultDoesNotAlias guards against results that change under later
// Adds or Undos of the same accumulator.
func TestResultDoesNotAlias(t *testing.T) {
	a, _ := New("COLLECT_LIST", ts(types.ArrayOf(tInt)), nil, nil)
	acc, _ := a.Add(a.Init(), []any{arr(int32(1))})
	acc, _ = a.Add(acc, []any{arr(int32(2))})
	res := a.Result(acc)
	acc, _ = a.Undo(acc, []any{arr(int32(1))})
	_, _ = a.Add(acc, []any{arr(int32(3))})
	if got := render(res); got != "[[i1], [i2]]" {
		t.Fatalf("earlier result became %s", got)
	}
}

func TestWrongAccumulator(t *testing.T) {
	for _, n := range Names() {
		types_, consts := ts(tInt), []any{nil}
		switch n {
		case "TOPK", "TOPKDISTINCT", "LATEST_BY_OFFSET":
			types_, consts = ts(tInt, tInt), []any{nil, int32(2)}
		case "HISTOGRAM":
			types_ = ts(tStr)
		case "CORRELATION":
			types_, consts = ts(tDbl, tDbl), []any{nil, nil}
		case "SUM_LIST":
			types_ = ts(types.ArrayOf(tInt))
		}
		a, err := New(n, types_, consts, nil)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if _, err := a.Add("bogus", []any{int32(1)}); err == nil {
			t.Errorf("%s: Add on a bogus accumulator succeeded", n)
		}
		if _, err := a.Merge("bogus", a.Init()); err == nil {
			t.Errorf("%s: Merge on a bogus accumulator succeeded", n)
		}
		if _, err := a.Encode("bogus"); err == nil {
			t.Errorf("%s: Encode of a bogus accumulator succeeded", n)
		}
		_ = a.Result("bogus") // must not panic
	}
}
