// Package agg implements ksqlDB's built-in aggregate functions (UDAFs) as
// pure, SQL-typed folds, independent of Kafka and of the state stores.
//
// An Aggregate is one aggregate call of a query, bound once by New to its
// argument types, literal arguments and query properties. The caller owns
// the accumulators: it creates one with Init, folds rows into it with Add
// (and retracts them with Undo for table sources), merges two of them when
// session windows merge, turns one into the SQL value with Result, and stores
// it with Encode/Decode.
//
// # Arguments passed to Add and Undo
//
// args holds one value per entry of the argTypes given to New, in call order,
// using the Go representation of sql/types (nil is NULL). Values at positions
// that must be literal constants (functions.Func.LiteralParams) are ignored: the constants
// given to New are used instead, so the caller may pass the evaluated literal
// or nil there. COUNT(*) and COUNT() take no arguments.
//
// LATEST_BY_OFFSET and EARLIEST_BY_OFFSET order rows by their Kafka offset:
// the caller must append the record's offset (int64) as one extra trailing
// argument, after the SQL arguments (see NeedsOffset). ksqlDB uses a process
// wide sequence number instead; offsets of one (repartitioned) partition give
// the same order and survive restarts.
//
// # Accumulators
//
// Accumulators are opaque. Add, Undo and Merge may mutate their first
// accumulator and return it; callers must use the returned value and must not
// share an accumulator between keys. A failed Add (say a DECIMAL overflow)
// leaves the accumulator as it was, so the caller can log the row and go on.
// Accumulators may keep argument values (COLLECT_LIST, TOPK, ...), so callers
// must not mutate a row's values after passing them. Result returns a value
// that does not alias the accumulator, so it stays valid after later Adds.
//
// Encode is deterministic and compact (varints, no field names, no type
// information: the encoding is only meaningful to an Aggregate bound to the
// same function and argument types). Decode accepts any byte slice without
// panicking and returns an error on malformed input.
//
// # ksqlDB behaviour reproduced (from the QTT corpus)
//
//   - SUM starts at 0 and skips NULLs, so SUM of only NULLs is 0. SUM of
//     DECIMAL(p, s) is DECIMAL(p, s) and fails with "Numeric field overflow"
//     when the sum needs more digits ("sum decimal with overflow").
//   - AVG and STDDEV_* return 0.0 for an empty group; CORRELATION returns NaN
//     until it has two points.
//   - STDDEV_SAMP returns the sample variance and STDDEV_SAMPLE its square
//     root: that is what the corpus expects of ksqlDB (standarddeviation.json).
//   - COLLECT_LIST and COLLECT_SET collect NULLs; MIN, MAX, TOPK, TOPKDISTINCT,
//     HISTOGRAM, COUNT(col) and COUNT_DISTINCT skip them.
//   - COUNT_DISTINCT is exact (ksqlDB approximates with HyperLogLog; both agree
//     on small cardinalities). Its accumulator grows with the distinct count.
//   - COLLECT_SET undo keeps a multiplicity per element, so a value leaves the
//     set only when every row that contributed it is retracted (ksqlDB removes
//     it on the first retraction).
package agg

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/sql/types"
)

// Aggregate is one aggregate call in a query, bound to argument types.
// Implementations are immutable after New and safe for concurrent use; the
// accumulators they return are not.
type Aggregate interface {
	// ResultType is the SQL type of Result.
	ResultType() *types.Type
	// Init returns an empty accumulator.
	Init() any
	// Add folds one row's argument values into acc.
	Add(acc any, args []any) (any, error)
	// Undo retracts a row previously added (table sources). It returns
	// ErrNoUndo when the function cannot retract.
	Undo(acc any, args []any) (any, error)
	// Merge combines two accumulators (session windows merging); a's rows
	// are taken to precede b's.
	Merge(a, b any) (any, error)
	// Result returns the SQL value of acc.
	Result(acc any) any
	// Encode returns the binary form of acc.
	Encode(acc any) ([]byte, error)
	// Decode reads an accumulator written by Encode.
	Decode(b []byte) (any, error)
}

// ErrNoUndo is returned by Undo for functions ksqlDB cannot apply to table
// sources (MIN, MAX, TOPK, LATEST_BY_OFFSET, ...). Planners should reject
// such queries up front with SupportsUndo.
var ErrNoUndo = errors.New("aggregate function does not support undo")

// Property names read by New, and their defaults.
const (
	PropCollectListLimit = "ksql.functions.collect_list.limit"
	PropCollectSetLimit  = "ksql.functions.collect_set.limit"
	DefaultCollectLimit  = 1000
	// HistogramLimit is ksqlDB's fixed cap on distinct HISTOGRAM keys; later
	// new keys are dropped.
	HistogramLimit = 1000
)

// binding is what New hands to a constructor.
type binding struct {
	name      string
	argTypes  []*types.Type
	constArgs []any
	props     map[string]string
}

type spec struct {
	undo   bool
	offset bool // trailing hidden offset argument
	build  func(binding) (Aggregate, error)
}

var specs = map[string]*spec{
	"COUNT":              {undo: true, build: newCount},
	"COUNT_DISTINCT":     {build: newCountDistinct},
	"SUM":                {undo: true, build: newSum},
	"AVG":                {undo: true, build: newAvg},
	"MIN":                {build: newMin},
	"MAX":                {build: newMax},
	"COLLECT_LIST":       {undo: true, build: newCollectList},
	"COLLECT_SET":        {undo: true, build: newCollectSet},
	"LATEST_BY_OFFSET":   {offset: true, build: newLatest},
	"EARLIEST_BY_OFFSET": {offset: true, build: newEarliest},
	"TOPK":               {build: newTopK},
	"TOPKDISTINCT":       {build: newTopKDistinct},
	"HISTOGRAM":          {undo: true, build: newHistogram},
	"STDDEV_SAMP":        {undo: true, build: newStddevSamp},
	"STDDEV_SAMPLE":      {undo: true, build: newStddevSample},
	"CORRELATION":        {undo: true, build: newCorrelation},
	"ATTR":               {undo: true, build: newAttr},
	"SUM_LIST":           {undo: true, build: newSumList},
}

// New binds the aggregate function name (case-insensitive) to its argument
// types. constArgs, when not nil, has one entry per argument: the literal's
// value at the positions the catalog lists as literal parameters (functions.Func.LiteralParams), nil elsewhere. props are the
// query's properties (only the collect limits are read).
func New(name string, argTypes []*types.Type, constArgs []any, props map[string]string) (Aggregate, error) {
	upper := strings.ToUpper(name)
	s, ok := specs[upper]
	if !ok {
		return nil, fmt.Errorf("unknown aggregate function %s", upper)
	}
	for i, t := range argTypes {
		if t == nil {
			return nil, fmt.Errorf("%s: argument %d has no type", upper, i+1)
		}
	}
	if constArgs != nil && len(constArgs) != len(argTypes) {
		return nil, fmt.Errorf("%s: %d constant slots for %d arguments", upper, len(constArgs), len(argTypes))
	}
	if f, _ := functions.Lookup(upper); f.LiteralParams != nil {
		for _, i := range f.LiteralParams(len(argTypes)) {
			if i >= len(constArgs) || constArgs[i] == nil {
				return nil, fmt.Errorf("%s: parameter %d must be a literal constant", upper, i+1)
			}
		}
	}
	return s.build(binding{name: upper, argTypes: argTypes, constArgs: constArgs, props: props})
}

// Supported reports whether name (case-insensitive) is an aggregate this
// package implements.
func Supported(name string) bool {
	_, ok := specs[strings.ToUpper(name)]
	return ok
}

// Names lists the supported functions, sorted.
func Names() []string {
	out := make([]string, 0, len(specs))
	for n := range specs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SupportsUndo reports whether name can aggregate a table source, i.e.
// whether its Undo works.
func SupportsUndo(name string) bool {
	s, ok := specs[strings.ToUpper(name)]
	return ok && s.undo
}

// NeedsOffset reports whether Add expects the record offset (int64) as an
// extra trailing argument.
func NeedsOffset(name string) bool {
	s, ok := specs[strings.ToUpper(name)]
	return ok && s.offset
}

// TableSourceMessage is ksqlDB's error text for aggregating a table with
// functions that cannot undo.
func TableSourceMessage(names []string) string {
	var list string
	switch len(names) {
	case 0:
	case 1:
		list = names[0]
	default:
		list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return "The aggregation function(s) " + list + " cannot be applied to a table source, only to a stream source."
}

// limitProp reads a positive integer property, or def when it is unset.
func limitProp(props map[string]string, key string, def int) (int, error) {
	v, ok := props[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("invalid %s %q: %v", key, v, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("invalid %s %d: must not be negative", key, n)
	}
	return n, nil
}

// constInt reads an integer literal.
func constInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// argsErr is the error for a call with the wrong number of values.
func argsErr(name string, want, got int) error {
	return fmt.Errorf("%s: expected %d argument value(s), got %d", name, want, got)
}

// typeErr is the error for a value whose Go type does not match its SQL type.
func typeErr(name string, t *types.Type, v any) error {
	return fmt.Errorf("%s: value %v (%T) is not a %s", name, v, v, t)
}

// accErr is the error for an accumulator of the wrong Go type.
func accErr(name string, acc any) error {
	return fmt.Errorf("%s: unexpected accumulator %T", name, acc)
}

// oneArg checks the argument count of a one-argument function.
func oneArg(b binding) (*types.Type, error) {
	if len(b.argTypes) != 1 {
		return nil, fmt.Errorf("%s takes 1 argument, got %d", b.name, len(b.argTypes))
	}
	return b.argTypes[0], nil
}

func unsupportedType(name string, t *types.Type) error {
	return fmt.Errorf("%s does not support arguments of type %s", name, t)
}

// comparableKind reports the types MIN, MAX and TOPK order.
func comparableKind(t *types.Type) bool {
	switch t.Kind {
	case types.Int, types.Bigint, types.Double, types.DecimalKind, types.String, types.Bytes,
		types.TimestampKind, types.DateKind, types.TimeKind, types.Boolean:
		return true
	}
	return false
}
