package agg

import (
	"errors"
	"fmt"

	"github.com/sluicedb/sluice/sql/types"
)

// histogram is HISTOGRAM(STRING) -> MAP<STRING, BIGINT>: occurrences per
// value in order of first arrival, at most HistogramLimit keys (later new
// keys are dropped, as in ksqlDB). NULLs are skipped: ksqlDB would count
// them under a NULL map key that no format can serialise. Undo decrements
// and removes a key at zero.
type histogram struct{}

type histAcc struct {
	keys   []string
	counts map[string]int64
}

var _ Aggregate = histogram{}

func newHistogram(b binding) (Aggregate, error) {
	t, err := oneArg(b)
	if err != nil {
		return nil, err
	}
	if t.Kind != types.String {
		return nil, unsupportedType(b.name, t)
	}
	return histogram{}, nil
}

func (h histogram) ResultType() *types.Type { return types.MapOf(types.TString, types.TBigint) }
func (h histogram) Init() any               { return &histAcc{counts: map[string]int64{}} }

func (h histogram) arg(acc any, args []any) (*histAcc, string, bool, error) {
	x, ok := acc.(*histAcc)
	if !ok {
		return nil, "", false, accErr("HISTOGRAM", acc)
	}
	if len(args) != 1 {
		return nil, "", false, argsErr("HISTOGRAM", 1, len(args))
	}
	if args[0] == nil {
		return x, "", false, nil
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, "", false, typeErr("HISTOGRAM", types.TString, args[0])
	}
	return x, s, true, nil
}

func (h histogram) put(x *histAcc, k string, n int64) {
	if _, ok := x.counts[k]; ok {
		x.counts[k] += n
		return
	}
	if len(x.keys) < HistogramLimit {
		x.keys = append(x.keys, k)
		x.counts[k] = n
	}
}

func (h histogram) Add(acc any, args []any) (any, error) {
	x, k, ok, err := h.arg(acc, args)
	if err != nil || !ok {
		return x, err
	}
	h.put(x, k, 1)
	return x, nil
}

func (h histogram) Undo(acc any, args []any) (any, error) {
	x, k, ok, err := h.arg(acc, args)
	if err != nil || !ok {
		return x, err
	}
	n, found := x.counts[k]
	if !found {
		return x, nil
	}
	if n > 1 {
		x.counts[k] = n - 1
		return x, nil
	}
	delete(x.counts, k)
	for i, key := range x.keys {
		if key == k {
			x.keys = append(x.keys[:i], x.keys[i+1:]...)
			break
		}
	}
	return x, nil
}

func (h histogram) Merge(a, b any) (any, error) {
	x, ok1 := a.(*histAcc)
	y, ok2 := b.(*histAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("HISTOGRAM: cannot merge %T and %T", a, b)
	}
	for _, k := range y.keys {
		h.put(x, k, y.counts[k])
	}
	return x, nil
}

func (h histogram) Result(acc any) any {
	m := &types.Map{Keys: []any{}, Values: []any{}}
	x, ok := acc.(*histAcc)
	if !ok {
		return m
	}
	for _, k := range x.keys {
		m.Keys = append(m.Keys, k)
		m.Values = append(m.Values, x.counts[k])
	}
	return m
}

func (h histogram) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*histAcc)
	if !ok {
		return nil, accErr("HISTOGRAM", acc)
	}
	w := &writer{}
	w.uvarint(uint64(len(x.keys)))
	for _, k := range x.keys {
		w.str(k)
		w.varint(x.counts[k])
	}
	return w.buf, nil
}

func (h histogram) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	n := r.count(2)
	x := &histAcc{keys: make([]string, 0, n), counts: make(map[string]int64, n)}
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str()
		c := r.varint()
		if _, dup := x.counts[k]; dup && r.err == nil {
			r.fail(errors.New("duplicate HISTOGRAM key"))
		}
		x.keys = append(x.keys, k)
		x.counts[k] = c
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return x, nil
}
