package sorted

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAgainstMap runs random writes against a Map and a Go map and compares
// their contents, lookups and ordered walks.
func TestAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var m Map[int]
	want := map[string]int{}
	for i := range 20000 {
		k := fmt.Sprint(r.IntN(2000))
		switch r.IntN(3) {
		case 0, 1:
			prev, replaced := m.Set(k, i)
			old, had := want[k]
			if replaced != had || prev != old {
				t.Fatalf("op %d: Set(%s) replaced %v (%d), map had %v (%d)", i, k, replaced, prev, had, old)
			}
			want[k] = i
		case 2:
			old, had := want[k]
			if v, ok := m.Delete(k); ok != had || v != old {
				t.Fatalf("op %d: Delete(%s) = %d, %v; map had %d, %v", i, k, v, ok, old, had)
			}
			delete(want, k)
		}
		if m.Len() != len(want) {
			t.Fatalf("op %d: len %d vs %d", i, m.Len(), len(want))
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	i := 0
	var it Iter[int]
	for it.First(&m); it.Valid(); it.Next() {
		if it.Key() != keys[i] || it.Value() != want[keys[i]] {
			t.Fatalf("entry %d: %s=%d, want %s=%d", i, it.Key(), it.Value(), keys[i], want[keys[i]])
		}
		i++
	}
	if i != len(keys) {
		t.Fatalf("walked %d of %d", i, len(keys))
	}
	if !it.Seek(&m, "15") || it.Key() < "15" {
		t.Fatalf("seek 15: at %q", it.Key())
	}
	it.Release()
	if v, ok := m.Get(keys[0]); !ok || v != want[keys[0]] {
		t.Fatalf("get %s: %d, %v", keys[0], v, ok)
	}
	if _, ok := m.Get("nope"); ok {
		t.Fatal("get of a missing key")
	}
	m.Clear()
	if m.Len() != 0 || it.First(&m) {
		t.Fatal("not empty after Clear")
	}
}

// TestIterSurvivesWrites checks that an iterator goes on in key order, with
// current values, while the map is written under it.
func TestIterSurvivesWrites(t *testing.T) {
	var m Map[int]
	for i := range 1000 {
		m.Set(fmt.Sprintf("%04d", 2*i), i)
	}
	var got []string
	var it Iter[int]
	it.First(&m)
	for n := 0; it.Valid(); n++ {
		k := it.Key()
		got = append(got, k)
		switch n % 4 {
		case 0:
			m.Delete(k) // the entry under the cursor
		case 1:
			m.Set(k+"x", -1) // a new key right after the cursor
		case 2:
			m.Set(fmt.Sprintf("%04d", 2*n+100), 7) // a later entry's value
		}
		it.Next()
	}
	it.Release()
	if !slices.IsSorted(got) {
		t.Fatal("walk out of order")
	}
	if len(got) <= 1000 {
		t.Fatalf("walked %d entries: the inserted ones were missed", len(got))
	}
	var m2 Map[int]
	m2.Set("a", 1)
	m2.Set("b", 2)
	it.First(&m2)
	m2.Set("b", 20)
	if !it.Next() || it.Key() != "b" || it.Value() != 20 {
		t.Fatalf("after a write to b, the iterator reads %s=%d", it.Key(), it.Value())
	}
}

// BenchmarkChurn is the cache's pattern under a join: window-store keys
// (a short join key, then time and seq) inserted in time order while the
// oldest are deleted, with a range seek for every insert, over about
// 50,000 live entries.
func BenchmarkChurn(b *testing.B) {
	const live = 50_000
	key := func(i int) string {
		var k []byte
		k = fmt.Appendf(k, "%d", i*7919%100_000)
		k = append(k, byte(i>>56), byte(i>>48), byte(i>>40), byte(i>>32), byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
		return string(append(k, 0, 0, 0, 1))
	}
	keys := make([]string, 4*live)
	for i := range keys {
		keys[i] = key(i)
	}
	var m Map[int]
	for i := range live {
		m.Set(keys[i], i)
	}
	i := live
	var it Iter[int]
	for b.Loop() {
		if i == len(keys)-1 {
			for j := i - live; j < i; j++ {
				m.Delete(keys[j])
			}
			for j := range live {
				m.Set(keys[j], j)
			}
			i = live
		}
		m.Set(keys[i], i)
		it.Seek(&m, keys[i+1])
		it.Release()
		m.Delete(keys[i-live])
		i++
	}
}
