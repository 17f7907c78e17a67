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
