package state_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sluicedb/sluice/state"
)

func TestInt64Order(t *testing.T) {
	edge := []int64{math.MinInt64, math.MinInt64 + 1, -1 << 32, -2, -1, 0, 1, 2, 1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	r := rand.New(rand.NewPCG(1, 2))
	vals := append([]int64(nil), edge...)
	for range 2000 {
		vals = append(vals, int64(r.Uint64()))
	}
	for i, a := range vals {
		ea := state.AppendInt64(nil, a)
		if got := state.Int64At(ea); got != a {
			t.Fatalf("round trip %d: %d", a, got)
		}
		b := vals[(i*7+3)%len(vals)]
		if c := bytes.Compare(ea, state.AppendInt64(nil, b)); c != cmp.Compare(a, b) {
			t.Fatalf("order of %d vs %d: bytes say %d", a, b, c)
		}
	}
}

func TestWindowKeys(t *testing.T) {
	cases := []struct {
		key   string
		start int64
		seq   uint32
	}{
		{"", 0, 0}, {"k", -5, 0}, {"k", 5, 1}, {"k", 5, 2}, {"k", math.MaxInt64, math.MaxUint32}, {"k\x00", math.MinInt64, 0},
	}
	var prev []byte
	for i, c := range cases {
		wk := state.WindowKey(nil, []byte(c.key), c.start, c.seq)
		k, start, seq, err := state.SplitWindowKey(wk)
		if err != nil || string(k) != c.key || start != c.start || seq != c.seq {
			t.Errorf("split %+v: %q %d %d %v", c, k, start, seq, err)
		}
		if ts, ok := state.WindowKeyTime(wk); !ok || ts != c.start {
			t.Errorf("time of %+v: %d %v", c, ts, ok)
		}
		// Within one key, order is (start, seq).
		if i > 1 && c.key == cases[i-1].key && bytes.Compare(prev, wk) >= 0 {
			t.Errorf("window key %+v does not sort after the previous", c)
		}
		prev = wk
	}
	if _, _, _, err := state.SplitWindowKey([]byte("short")); err == nil {
		t.Error("short window key split without error")
	}
}

func TestSessionKeys(t *testing.T) {
	// Same key: ordered by end, then start.
	order := [][2]int64{{-10, -5}, {0, -5}, {-100, 0}, {-1, 0}, {0, 0}, {5, 10}, {0, 20}}
	var prev []byte
	for i, se := range order {
		sk := state.SessionKey(nil, []byte("user"), se[0], se[1])
		k, start, end, err := state.SplitSessionKey(sk)
		if err != nil || string(k) != "user" || start != se[0] || end != se[1] {
			t.Errorf("split %v: %q %d %d %v", se, k, start, end, err)
		}
		if ts, _ := state.SessionKeyTime(sk); ts != se[1] {
			t.Errorf("session time is the end: %d", ts)
		}
		if i > 0 && bytes.Compare(prev, sk) >= 0 {
			t.Errorf("session %v does not sort after %v", se, order[i-1])
		}
		prev = sk
	}
	if _, _, _, err := state.SplitSessionKey(make([]byte, 15)); err == nil {
		t.Error("short session key split without error")
	}
}

func TestSpans(t *testing.T) {
	from := state.WindowKey(nil, []byte("k"), 10, 0)
	to := state.Successor(state.WindowKey(nil, []byte("k"), 50, math.MaxUint32))
	if lo, hi, ok := state.WindowSpan(from, to); !ok || lo != 10 || hi != 50 {
		t.Errorf("window span %d %d %v", lo, hi, ok)
	}
	other := state.WindowKey(nil, []byte("j"), 50, 0)
	if _, _, ok := state.WindowSpan(from, other); ok {
		t.Error("span across different keys")
	}
	if _, _, ok := state.WindowSpan(nil, to); ok {
		t.Error("span with an open bound")
	}
	sf := state.SessionKey(nil, []byte("u"), math.MinInt64, 7)
	st := state.Successor(state.SessionKey(nil, []byte("u"), math.MaxInt64, math.MaxInt64))
	if lo, hi, ok := state.SessionSpan(sf, st); !ok || lo != 7 || hi != math.MaxInt64 {
		t.Errorf("session span %d %d %v", lo, hi, ok)
	}
}
