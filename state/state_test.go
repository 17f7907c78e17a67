package state_test

import (
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/mem"
)

func records(recs ...string) iter.Seq2[state.Record, error] {
	return func(yield func(state.Record, error) bool) {
		buf := make([]byte, 0, 64) // reused: Restore must copy
		for _, r := range recs {
			k, v, del := strings.Cut(r, "=")
			buf = append(buf[:0], k...)
			rec := state.Record{Key: buf[:len(k)]}
			if del {
				buf = append(buf, v...)
				rec.Value = buf[len(k):]
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

type countingStore struct {
	*mem.Store
	batches []int
}

func (c *countingStore) Apply(b []state.Entry) error {
	c.batches = append(c.batches, len(b))
	return c.Store.Apply(b)
}

func TestRestore(t *testing.T) {
	dst := &countingStore{Store: mem.New("s")}
	// "k" without '=' is a tombstone; "e=" is an empty, present value.
	n, err := state.Restore(dst, records("a=1", "b=2", "a=3", "c=4", "b", "e=", "d=5"), 3)
	if err != nil || n != 7 {
		t.Fatalf("restore: %d %v", n, err)
	}
	if fmt.Sprint(dst.batches) != "[3 3 1]" {
		t.Errorf("batches %v", dst.batches)
	}
	var got []string
	_ = dst.Range(nil, nil, func(k, v []byte) bool { got = append(got, fmt.Sprintf("%s=%q", k, v)); return true })
	if s := strings.Join(got, " "); s != `a="3" c="4" d="5" e=""` {
		t.Errorf("restored %s", s)
	}
	bad := func(yield func(state.Record, error) bool) {
		yield(state.Record{Key: []byte("x"), Value: []byte("1")}, nil)
		yield(state.Record{}, errors.New("fetch failed"))
	}
	if _, err := state.Restore(mem.New("s"), bad, 0); err == nil || !strings.Contains(err.Error(), "fetch failed") {
		t.Errorf("restore error %v", err)
	}
}

func TestRestoreWindowsBySegment(t *testing.T) {
	seg, err := state.NewSegmented("w", mem.NewSegments(), state.WindowSegments(100, 10))
	if err != nil {
		t.Fatal(err)
	}
	k1 := string(state.WindowKey(nil, []byte("k"), 5, 0))
	k2 := string(state.WindowKey(nil, []byte("k"), 95, 0))
	if _, err := state.Restore(seg, records(k1+"=old", k2+"=new"), 0); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seg.SegmentIDs()) != "[0 9]" {
		t.Fatalf("segments %v", seg.SegmentIDs())
	}
	w := state.NewWindowStore(nil, seg, false)
	if err := w.Expire(110); err != nil { // cutoff 10: window 5 goes
		t.Fatal(err)
	}
	if v, _ := w.Get([]byte("k"), 5); v != nil {
		t.Errorf("expired restored window: %q", v)
	}
	if v, _ := w.Get([]byte("k"), 95); string(v) != "new" {
		t.Errorf("restored window: %q", v)
	}
	if err := seg.Put([]byte("short"), []byte("x")); !errors.Is(err, state.ErrMalformedKey) {
		t.Errorf("malformed key put: %v", err)
	}
}

func TestSegmentBoundaries(t *testing.T) {
	seg, err := state.NewSegmented("w", mem.NewSegments(), state.WindowSegments(10, 5))
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []int64{-6, -5, -1, 0, 4, 5, 9} {
		if err := seg.Put(state.WindowKey(nil, []byte("k"), start, 0), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	// floor(t/5): -6 -> -2, -5 and -1 -> -1, 0 and 4 -> 0, 5 and 9 -> 1.
	if got := fmt.Sprint(seg.SegmentIDs()); got != "[-2 -1 0 1]" {
		t.Fatalf("segments %s", got)
	}
	if err := seg.Expire(9); err != nil { // cutoff -1: segment -1 ends at -1, dropped
		t.Fatal(err)
	}
	if got := fmt.Sprint(seg.SegmentIDs()); got != "[0 1]" {
		t.Fatalf("segments after expire %s", got)
	}
	if err := seg.Expire(10); err != nil { // cutoff 0: segment 0 keeps 1..4
		t.Fatal(err)
	}
	if got := fmt.Sprint(seg.SegmentIDs()); got != "[0 1]" {
		t.Fatalf("segments after expire 10 %s", got)
	}
	var keys []int64
	_ = seg.Range(nil, nil, func(k, v []byte) bool {
		ts, _ := state.WindowKeyTime(k)
		keys = append(keys, ts)
		return true
	})
	if fmt.Sprint(keys) != "[4 5 9]" { // 0 is expired though its segment lives
		t.Errorf("live windows %v", keys)
	}
	if _, err := state.NewSegmented("bad", mem.NewSegments(), state.WindowSegments(0, 0)); err == nil {
		t.Error("zero retention accepted")
	}
}

func TestLogged(t *testing.T) {
	var log []string
	cl := state.ChangelogFunc(func(store string, k, v []byte) error {
		log = append(log, fmt.Sprintf("%s %s=%v", store, k, v != nil))
		return nil
	})
	s := state.Logged(mem.New("s"), cl)
	_ = s.Put([]byte("a"), []byte("1"))
	_ = s.Delete([]byte("a"))
	_ = s.Apply([]state.Entry{{Key: []byte("b"), Value: []byte("2")}, {Key: []byte("c")}})
	if got := strings.Join(log, ","); got != "s a=true,s a=false,s b=true,s c=false" {
		t.Errorf("changelog %s", got)
	}
}

func TestMergeIterators(t *testing.T) {
	a, b := mem.New("a"), mem.New("b")
	for _, k := range []string{"a", "d", "e"} {
		_ = a.Put([]byte(k), []byte("1"))
	}
	for _, k := range []string{"b", "c", "f"} {
		_ = b.Put([]byte(k), []byte("2"))
	}
	ia, _ := a.NewIterator(nil, nil)
	ib, _ := b.NewIterator(nil, nil)
	var got []string
	err := state.RangeIter(state.MergeIterators(ia, ib), nil, func(k, v []byte) bool {
		got = append(got, string(k)+string(v))
		return true
	})
	if err != nil || strings.Join(got, " ") != "a1 b2 c2 d1 e1 f2" {
		t.Errorf("merged %v %v", got, err)
	}
}

// countingSegments counts the iterators opened on its segments.
type countingSegments struct {
	*mem.Segments
	iters int
}

func (c *countingSegments) OpenSegment(store string, id int64) (state.KeyValueStore, error) {
	s, err := c.Segments.OpenSegment(store, id)
	return iterCounting{s, c}, err
}

type iterCounting struct {
	state.KeyValueStore
	c *countingSegments
}

func (s iterCounting) NewIterator(from, to []byte) (state.Iterator, error) {
	s.c.iters++
	return s.KeyValueStore.NewIterator(from, to)
}

func (s iterCounting) Range(from, to []byte, fn func(k, v []byte) bool) error {
	it, err := s.NewIterator(from, to)
	return state.RangeIter(it, err, fn)
}

// TestSegmentKeyFilter checks that a per-key fetch skips the segments that
// never held its key, and reads those that existed before the store was
// opened (which have no filter).
func TestSegmentKeyFilter(t *testing.T) {
	p := &countingSegments{Segments: mem.NewSegments()}
	open := func() state.WindowStore {
		seg, err := state.NewSegmented("w", p, state.WindowSegments(100, 10))
		if err != nil {
			t.Fatal(err)
		}
		return state.NewWindowStore(nil, seg, true)
	}
	fetch := func(ws state.WindowStore, key string) (string, int) {
		t.Helper()
		before := p.iters
		var got []string
		if err := ws.Fetch([]byte(key), 0, 100, func(start int64, v []byte) bool {
			got = append(got, fmt.Sprintf("%d=%s", start, v))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, " "), p.iters - before
	}
	ws := open()
	for _, w := range []struct {
		key   string
		start int64
	}{{"a", 1}, {"a", 15}, {"b", 12}, {"ab", 5}} {
		if err := ws.Put([]byte(w.key), w.start, []byte(w.key)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		key, want string
		segs      int // segments read (of 0 and 1)
	}{
		{"a", "1=a 15=a", 2},
		{"b", "12=b", 1},
		{"ab", "5=ab", 1},
		{"c", "", 0},
	} {
		if got, segs := fetch(ws, tc.key); got != tc.want || segs != tc.segs {
			t.Errorf("fetch %s: %q reading %d segments, want %q reading %d", tc.key, got, segs, tc.want, tc.segs)
		}
	}
	// Reopened, the store reads its existing segments for every key.
	ws = open()
	if got, segs := fetch(ws, "c"); got != "" || segs != 2 {
		t.Errorf("reopened, fetch c: %q reading %d segments, want none reading 2", got, segs)
	}
	if got, _ := fetch(ws, "b"); got != "12=b" {
		t.Errorf("reopened, fetch b: %q", got)
	}
}
