package skl

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var l List[int]
	m := map[string]int{}
	for i := range 20000 {
		k := fmt.Sprint(r.IntN(2000))
		switch r.IntN(3) {
		case 0, 1:
			_, isNew := l.Set(k, i)
			_, had := m[k]
			if isNew == had {
				t.Fatalf("op %d: Set(%s) new=%v, map had=%v", i, k, isNew, had)
			}
			m[k] = i
		case 2:
			_, had := m[k]
			if l.Delete(k) != had {
				t.Fatalf("op %d: Delete(%s) disagrees with map", i, k)
			}
			delete(m, k)
		}
		if l.Len() != len(m) {
			t.Fatalf("op %d: len %d vs %d", i, l.Len(), len(m))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	i := 0
	for n := l.First(); n != nil; n = n.Next() {
		if n.Key() != keys[i] || n.Value != m[keys[i]] {
			t.Fatalf("entry %d: %s=%d, want %s=%d", i, n.Key(), n.Value, keys[i], m[keys[i]])
		}
		i++
	}
	if i != len(keys) {
		t.Fatalf("walked %d of %d", i, len(keys))
	}
	if n := l.Seek("15"); n == nil || n.Key() < "15" {
		t.Fatalf("seek: %v", n)
	}
	if l.Get("nope") != nil {
		t.Fatal("get of a missing key")
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
	var l List[int]
	for i := range live {
		l.Set(keys[i], i)
	}
	i := live
	for b.Loop() {
		if i == len(keys)-1 {
			for j := i - live; j < i; j++ {
				l.Delete(keys[j])
			}
			for j := range live {
				l.Set(keys[j], j)
			}
			i = live
		}
		l.Set(keys[i], i)
		l.Seek(keys[i+1])
		l.Delete(keys[i-live])
		i++
	}
}
