package mem_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/mem"
	"github.com/sluicedb/sluice/state/storetest"
)

func TestConformance(t *testing.T) {
	storetest.TestKeyValue(t, func(t *testing.T, name string) storetest.KV {
		return storetest.KV{Store: mem.New(name)}
	})
	storetest.TestWindow(t, func(t *testing.T, name string, ret, iv int64, dup bool) storetest.Window {
		w, err := mem.NewWindowStore(name, ret, iv, dup)
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Window{Store: w}
	})
	storetest.TestSession(t, func(t *testing.T, name string, ret, iv int64) storetest.Session {
		s, err := mem.NewSessionStore(name, ret, iv)
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Session{Store: s}
	})
}

// TestAgainstMap holds the reference itself to a Go map sorted on demand:
// the suite compares everything else with mem, so mem must be right.
func TestAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	s := mem.New("oracle")
	m := map[string][]byte{}
	key := func() string {
		b := make([]byte, r.IntN(4))
		for i := range b {
			b[i] = "\x00ab\xff"[r.IntN(4)]
		}
		return string(b)
	}
	for i := range 5000 {
		switch r.IntN(4) {
		case 0, 1:
			k, v := key(), fmt.Sprint(i)
			m[k] = []byte(v)
			if err := s.Put([]byte(k), []byte(v)); err != nil {
				t.Fatal(err)
			}
		case 2:
			k := key()
			delete(m, k)
			if err := s.Delete([]byte(k)); err != nil {
				t.Fatal(err)
			}
		case 3:
			from, to := key(), key()
			var want, got []string
			for _, k := range storetest.SortedCopy(m) {
				if k >= from && k < to {
					want = append(want, k+"="+string(m[k]))
				}
			}
			err := s.Range([]byte(from), []byte(to), func(k, v []byte) bool {
				got = append(got, string(k)+"="+string(v))
				return true
			})
			if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("op %d range [%q,%q): got %q want %q (%v)", i, from, to, got, want, err)
			}
		}
		if s.Len() != len(m) {
			t.Fatalf("op %d: len %d, map %d", i, s.Len(), len(m))
		}
	}
}

func TestSegmentsList(t *testing.T) {
	p := mem.NewSegments()
	for _, id := range []int64{3, -2, 10} {
		if _, err := p.OpenSegment("w", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.OpenSegment("w.x", 1); err != nil { // not a segment of "w"
		t.Fatal(err)
	}
	ids, _ := p.SegmentIDs("w")
	if fmt.Sprint(ids) != "[-2 3 10]" {
		t.Fatalf("ids %v", ids)
	}
	if err := p.DropSegment("w", 3); err != nil {
		t.Fatal(err)
	}
	ids, _ = p.SegmentIDs("w")
	if fmt.Sprint(ids) != "[-2 10]" {
		t.Fatalf("ids after drop %v", ids)
	}
}

var _ state.KeyValueStore = (*mem.Store)(nil)
