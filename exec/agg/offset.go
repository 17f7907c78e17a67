package agg

import (
	"fmt"

	"github.com/sluicedb/sluice/sql/types"
)

// byOffset is LATEST_BY_OFFSET and EARLIEST_BY_OFFSET:
//
//	F(col)                   one value, NULLs ignored
//	F(col, ignoreNulls)      one value
//	F(col, n)                ARRAY of up to n values, NULLs ignored
//	F(col, n, ignoreNulls)   ARRAY of up to n values
//
// The accumulator keeps up to n (offset, value) entries sorted by offset;
// latest keeps the n highest offsets, earliest the n lowest. Results list
// values oldest first. Add takes the record offset as a trailing argument.
type byOffset struct {
	name        string
	t           *types.Type
	latest      bool
	n           int
	array       bool
	ignoreNulls bool
	nsql        int // SQL arguments bound; Add takes one more (the offset)
}

type offsetEntry struct {
	off int64
	v   any
}

type offsetAcc struct{ entries []offsetEntry }

var _ Aggregate = byOffset{}

func newLatest(b binding) (Aggregate, error)   { return newByOffset(b, true) }
func newEarliest(b binding) (Aggregate, error) { return newByOffset(b, false) }

func newByOffset(b binding, latest bool) (Aggregate, error) {
	if len(b.argTypes) < 1 || len(b.argTypes) > 3 {
		return nil, fmt.Errorf("%s takes 1 to 3 arguments, got %d", b.name, len(b.argTypes))
	}
	f := byOffset{name: b.name, t: b.argTypes[0], latest: latest, n: 1, ignoreNulls: true, nsql: len(b.argTypes)}
	what := "latestN"
	if !latest {
		what = "earliestN"
	}
	readN := func(i int) error {
		if b.argTypes[i].Kind != types.Int && b.argTypes[i].Kind != types.Bigint {
			return fmt.Errorf("%s: parameter %d must be an INT, got %s", b.name, i+1, b.argTypes[i])
		}
		n, ok := constInt(b.constArgs[i])
		if !ok {
			return fmt.Errorf("%s: parameter %d must be an integer literal, got %T", b.name, i+1, b.constArgs[i])
		}
		if n <= 0 {
			return fmt.Errorf("%s must be 1 or greater", what)
		}
		if n > 1<<20 {
			return fmt.Errorf("%s %d is too large", what, n)
		}
		f.n, f.array = int(n), true
		return nil
	}
	readIgnore := func(i int) error {
		if b.argTypes[i].Kind != types.Boolean {
			return fmt.Errorf("%s: parameter %d must be a BOOLEAN, got %s", b.name, i+1, b.argTypes[i])
		}
		v, ok := b.constArgs[i].(bool)
		if !ok {
			return fmt.Errorf("%s: parameter %d must be a boolean literal, got %T", b.name, i+1, b.constArgs[i])
		}
		f.ignoreNulls = v
		return nil
	}
	switch len(b.argTypes) {
	case 2:
		if b.argTypes[1].Kind == types.Boolean {
			if err := readIgnore(1); err != nil {
				return nil, err
			}
		} else if err := readN(1); err != nil {
			return nil, err
		}
	case 3:
		if err := readN(1); err != nil {
			return nil, err
		}
		if err := readIgnore(2); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f byOffset) ResultType() *types.Type {
	if f.array {
		return types.ArrayOf(f.t)
	}
	return f.t
}

func (f byOffset) Init() any { return &offsetAcc{} }

func (f byOffset) Add(acc any, args []any) (any, error) {
	x, ok := acc.(*offsetAcc)
	if !ok {
		return nil, accErr(f.name, acc)
	}
	nargs := f.nsql + 1
	if len(args) != nargs {
		return nil, argsErr(f.name, nargs, len(args))
	}
	off, ok := args[nargs-1].(int64)
	if !ok {
		return nil, fmt.Errorf("%s: record offset must be an int64, got %T", f.name, args[nargs-1])
	}
	v := args[0]
	if v == nil && f.ignoreNulls {
		return x, nil
	}
	f.insert(x, offsetEntry{off: off, v: v})
	return x, nil
}

// insert places e after every entry with an offset not above it (so equal
// offsets keep arrival order) and trims to n.
func (f byOffset) insert(x *offsetAcc, e offsetEntry) {
	i := len(x.entries)
	for i > 0 && x.entries[i-1].off > e.off {
		i--
	}
	if !f.latest && i >= f.n {
		return
	}
	x.entries = append(x.entries, offsetEntry{})
	copy(x.entries[i+1:], x.entries[i:])
	x.entries[i] = e
	f.trim(x)
}

func (f byOffset) trim(x *offsetAcc) {
	if len(x.entries) <= f.n {
		return
	}
	if f.latest {
		x.entries = append(x.entries[:0], x.entries[len(x.entries)-f.n:]...)
	} else {
		x.entries = x.entries[:f.n]
	}
}

func (f byOffset) Undo(acc any, args []any) (any, error) { return nil, ErrNoUndo }

func (f byOffset) Merge(a, b any) (any, error) {
	x, ok1 := a.(*offsetAcc)
	y, ok2 := b.(*offsetAcc)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: cannot merge %T and %T", f.name, a, b)
	}
	merged := make([]offsetEntry, 0, len(x.entries)+len(y.entries))
	i, j := 0, 0
	for i < len(x.entries) || j < len(y.entries) {
		if j == len(y.entries) || (i < len(x.entries) && x.entries[i].off <= y.entries[j].off) {
			merged = append(merged, x.entries[i])
			i++
		} else {
			merged = append(merged, y.entries[j])
			j++
		}
	}
	x.entries = merged
	f.trim(x)
	return x, nil
}

func (f byOffset) Result(acc any) any {
	x, ok := acc.(*offsetAcc)
	if !f.array {
		if !ok || len(x.entries) == 0 {
			return nil
		}
		e := x.entries[0]
		if f.latest {
			e = x.entries[len(x.entries)-1]
		}
		return cloneValue(e.v)
	}
	out := []any{}
	if ok {
		for _, e := range x.entries {
			out = append(out, cloneValue(e.v))
		}
	}
	return out
}

func (f byOffset) Encode(acc any) ([]byte, error) {
	x, ok := acc.(*offsetAcc)
	if !ok {
		return nil, accErr(f.name, acc)
	}
	w := &writer{}
	w.uvarint(uint64(len(x.entries)))
	for _, e := range x.entries {
		w.varint(e.off)
		if err := encodeNullable(w, f.t, e.v); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return w.buf, nil
}

func (f byOffset) Decode(b []byte) (any, error) {
	r := &reader{b: b}
	n := r.count(2)
	x := &offsetAcc{entries: make([]offsetEntry, 0, n)}
	for i := 0; i < n && r.err == nil; i++ {
		off := r.varint()
		v := decodeNullable(r, f.t)
		if r.err == nil && i > 0 && off < x.entries[i-1].off {
			r.fail(fmt.Errorf("offsets out of order"))
		}
		x.entries = append(x.entries, offsetEntry{off: off, v: v})
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return x, nil
}
