// Package storetest is the conformance suite every store implementation
// passes: table-driven basics, then seeded random operations run against the
// implementation and the in-memory reference (state/mem) side by side, with
// every read and scan compared.
//
// Implementations supply a factory; a Subject may also say how to commit (a
// cache flush) and how to close and reopen itself (RocksDB), which the random
// tests do at random points.
package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/mem"
)

// KV is a key-value store under test.
type KV struct {
	Store state.KeyValueStore
	// Commit, optional, makes buffered writes durable (cache flush).
	Commit func() error
	// Reopen, optional, commits, closes and reopens, returning the store.
	Reopen func() (state.KeyValueStore, error)
}

// KVFactory returns a fresh, empty store; cleanup goes to t.Cleanup.
type KVFactory func(t *testing.T, name string) KV

// Window is a window store under test. Reopen must return the store reopened
// over the same data; the suite re-applies the last Expire afterwards.
type Window struct {
	Store  state.WindowStore
	Commit func() error
	Reopen func() (state.WindowStore, error)
}

// WindowFactory returns a fresh window store with the given retention and
// segment interval.
type WindowFactory func(t *testing.T, name string, retention, interval int64, dup bool) Window

// Session is a session store under test.
type Session struct {
	Store  state.SessionStore
	Commit func() error
	Reopen func() (state.SessionStore, error)
}

// SessionFactory returns a fresh session store.
type SessionFactory func(t *testing.T, name string, retention, interval int64) Session

// RandomOps is the number of operations of each random test.
var RandomOps = 3000

func collect(s state.KeyValueStore, from, to []byte) ([]string, error) {
	var out []string
	err := s.Range(from, to, func(k, v []byte) bool {
		out = append(out, fmt.Sprintf("%x=%x", k, v))
		return true
	})
	return out, err
}

func show(v []byte) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", v)
}

// TestKeyValue runs the key-value suite.
func TestKeyValue(t *testing.T, mk KVFactory) {
	t.Run("basics", func(t *testing.T) { kvBasics(t, mk) })
	t.Run("random", func(t *testing.T) {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) { kvRandom(t, mk, seed) })
		}
	})
}

func kvBasics(t *testing.T, mk KVFactory) {
	type op struct {
		do   string // put, del, get, range, apply, commit
		k, v string
		nilV bool // put with a nil value / get expecting nil
		from []byte
		to   []byte
		want string
	}
	b := func(s string) []byte { return []byte(s) }
	cases := []struct {
		name string
		ops  []op
	}{
		{"get missing", []op{{do: "get", k: "a", want: "<nil>"}}},
		{"put get", []op{{do: "put", k: "a", v: "1"}, {do: "get", k: "a", want: `"1"`}}},
		{"overwrite", []op{{do: "put", k: "a", v: "1"}, {do: "put", k: "a", v: "22"}, {do: "get", k: "a", want: `"22"`}}},
		{"empty value is present", []op{{do: "put", k: "a", v: ""}, {do: "get", k: "a", want: `""`}}},
		{"empty key", []op{{do: "put", k: "", v: "e"}, {do: "get", k: "", want: `"e"`}, {do: "range", want: "=65"}}},
		{"delete", []op{{do: "put", k: "a", v: "1"}, {do: "del", k: "a"}, {do: "get", k: "a", want: "<nil>"}}},
		{"delete missing", []op{{do: "del", k: "zz"}, {do: "get", k: "zz", want: "<nil>"}, {do: "range", want: ""}}},
		{"put nil deletes", []op{{do: "put", k: "a", v: "1"}, {do: "put", k: "a", nilV: true}, {do: "get", k: "a", want: "<nil>"}}},
		{"range order and bounds", []op{
			{do: "put", k: "b", v: "2"}, {do: "put", k: "a", v: "1"}, {do: "put", k: "c", v: "3"}, {do: "put", k: "ab", v: "4"},
			{do: "range", want: "61=31 6162=34 62=32 63=33"},
			{do: "range", from: b("ab"), want: "6162=34 62=32 63=33"},
			{do: "range", to: b("b"), want: "61=31 6162=34"},
			{do: "range", from: b("a0"), to: b("c"), want: "6162=34 62=32"},
			{do: "range", from: b("b"), to: b("b"), want: ""},
			{do: "range", from: b("c"), to: b("a"), want: ""},
			{do: "range", from: b("a"), to: []byte{}, want: ""},
		}},
		{"binary keys", []op{
			{do: "put", k: "\xff", v: "x"}, {do: "put", k: "\x00", v: "y"}, {do: "put", k: "\x00\x00", v: "z"},
			{do: "range", want: "00=79 0000=7a ff=78"},
			{do: "range", from: []byte{0}, to: []byte{0, 0}, want: "00=79"},
		}},
		{"apply in order", []op{
			{do: "put", k: "d", v: "old"},
			{do: "apply", k: "a,b,a,d", v: "1,2,-,-"},
			{do: "get", k: "a", want: "<nil>"}, {do: "get", k: "b", want: `"2"`}, {do: "get", k: "d", want: "<nil>"},
		}},
		{"commit keeps data", []op{
			{do: "put", k: "a", v: "1"}, {do: "commit"}, {do: "del", k: "a"}, {do: "put", k: "b", v: "2"}, {do: "commit"},
			{do: "range", want: "62=32"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mk(t, "basics")
			for i, o := range c.ops {
				var got string
				var err error
				switch o.do {
				case "put":
					v := []byte(o.v)
					if o.nilV {
						v = nil
					}
					err = s.Store.Put([]byte(o.k), v)
				case "del":
					err = s.Store.Delete([]byte(o.k))
				case "get":
					var v []byte
					v, err = s.Store.Get([]byte(o.k))
					got = show(v)
				case "range":
					var out []string
					out, err = collect(s.Store, o.from, o.to)
					got = strings.Join(out, " ")
				case "apply":
					var batch []state.Entry
					vs := strings.Split(o.v, ",")
					for j, k := range strings.Split(o.k, ",") {
						e := state.Entry{Key: []byte(k)}
						if vs[j] != "-" {
							e.Value = []byte(vs[j])
						}
						batch = append(batch, e)
					}
					err = s.Store.Apply(batch)
				case "commit":
					if s.Commit != nil {
						err = s.Commit()
					}
				}
				if err != nil {
					t.Fatalf("op %d %s: %v", i, o.do, err)
				}
				if (o.do == "get" || o.do == "range") && got != o.want {
					t.Errorf("op %d %s %q [%x,%x): got %s, want %s", i, o.do, o.k, o.from, o.to, got, o.want)
				}
			}
		})
	}
	t.Run("store copies its inputs", func(t *testing.T) {
		s := mk(t, "copies")
		k, v := []byte("key"), []byte("val")
		if err := s.Store.Put(k, v); err != nil {
			t.Fatal(err)
		}
		k[0], v[0] = 'X', 'X'
		got, err := s.Store.Get([]byte("key"))
		if err != nil || string(got) != "val" {
			t.Fatalf("Get after caller reused buffers: %q, %v", got, err)
		}
	})
	t.Run("range stops early", func(t *testing.T) {
		s := mk(t, "stop")
		for _, k := range []string{"a", "b", "c"} {
			if err := s.Store.Put([]byte(k), []byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		if err := s.Store.Range(nil, nil, func(k, v []byte) bool { n++; return false }); err != nil || n != 1 {
			t.Fatalf("Range visited %d after stop, err %v", n, err)
		}
	})
}

// randKey draws from a small alphabet with short lengths, so that keys are
// often prefixes of one another and include 0x00 and 0xff.
func randKey(r *rand.Rand) []byte {
	const alpha = "\x00ab\xff"
	k := make([]byte, r.IntN(4))
	for i := range k {
		k[i] = alpha[r.IntN(len(alpha))]
	}
	return k
}

func randVal(r *rand.Rand) []byte {
	v := make([]byte, r.IntN(12))
	for i := range v {
		v[i] = byte('a' + r.IntN(26))
	}
	return v
}

func randBound(r *rand.Rand) []byte {
	if r.IntN(4) == 0 {
		return nil
	}
	return randKey(r)
}

func kvRandom(t *testing.T, mk KVFactory, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 42))
	ref := mem.New("random")
	sub := mk(t, "random")
	s := sub.Store
	check := func(i int, what string, a, b any) {
		t.Helper()
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("seed %d op %d %s: got %v, reference %v", seed, i, what, b, a)
		}
	}
	for i := range RandomOps {
		switch p := r.IntN(100); {
		case p < 35:
			k, v := randKey(r), randVal(r)
			check(i, "put", ref.Put(k, v), s.Put(k, v))
		case p < 45:
			k := randKey(r)
			check(i, "delete", ref.Delete(k), s.Delete(k))
		case p < 70:
			k := randKey(r)
			a, errA := ref.Get(k)
			b, errB := s.Get(k)
			check(i, fmt.Sprintf("get %x", k), show(a)+fmt.Sprint(errA), show(b)+fmt.Sprint(errB))
		case p < 80:
			from, to := randBound(r), randBound(r)
			a, errA := collect(ref, from, to)
			b, errB := collect(s, from, to)
			check(i, fmt.Sprintf("range [%x,%x)", from, to), fmt.Sprint(a, errA), fmt.Sprint(b, errB))
		case p < 85:
			// A partly consumed iterator must close cleanly.
			from, to := randBound(r), randBound(r)
			n := r.IntN(3)
			var a, b []string
			for _, st := range []state.KeyValueStore{ref, s} {
				it, err := st.NewIterator(from, to)
				if err != nil {
					t.Fatalf("op %d: iterator: %v", i, err)
				}
				var got []string
				for j := 0; j < n && it.Next(); j++ {
					got = append(got, fmt.Sprintf("%x=%x", it.Key(), it.Value()))
				}
				if err := it.Close(); err != nil {
					t.Fatalf("op %d: iterator close: %v", i, err)
				}
				a, b = b, got
			}
			check(i, "partial iterator", a, b)
		case p < 93:
			batch := make([]state.Entry, r.IntN(20))
			for j := range batch {
				batch[j].Key = randKey(r)
				if r.IntN(4) != 0 {
					batch[j].Value = randVal(r)
				}
			}
			check(i, "apply", ref.Apply(batch), s.Apply(batch))
		case p < 99:
			if sub.Commit != nil {
				if err := sub.Commit(); err != nil {
					t.Fatalf("op %d: commit: %v", i, err)
				}
			}
		default:
			if sub.Reopen != nil && r.IntN(3) == 0 { // reopening is slow: about 10 per run
				var err error
				if s, err = sub.Reopen(); err != nil {
					t.Fatalf("op %d: reopen: %v", i, err)
				}
			}
		}
	}
	a, _ := collect(ref, nil, nil)
	b, err := collect(s, nil, nil)
	check(RandomOps, "final scan", fmt.Sprint(a, nil), fmt.Sprint(b, err))
}

// TestWindow runs the window-store suite.
func TestWindow(t *testing.T, mk WindowFactory) {
	t.Run("basics", func(t *testing.T) { windowBasics(t, mk) })
	for _, dup := range []bool{false, true} {
		for seed := uint64(1); seed <= 2; seed++ {
			t.Run(fmt.Sprintf("random/dup=%v/%d", dup, seed), func(t *testing.T) { windowRandom(t, mk, seed, dup) })
		}
	}
}

func fetch(w state.WindowStore, key []byte, from, to int64) (string, error) {
	var out []string
	err := w.Fetch(key, from, to, func(start int64, v []byte) bool {
		out = append(out, fmt.Sprintf("%d=%s", start, v))
		return true
	})
	return strings.Join(out, " "), err
}

func fetchAll(w state.WindowStore, from, to int64) (string, error) {
	var out []string
	err := w.FetchAll(from, to, func(k []byte, start int64, v []byte) bool {
		out = append(out, fmt.Sprintf("%x@%d=%s", k, start, v))
		return true
	})
	return strings.Join(out, " "), err
}

func windowBasics(t *testing.T, mk WindowFactory) {
	w := mk(t, "win", 100, 20, false)
	s := w.Store
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Put([]byte("a"), 10, []byte("x")))
	must(s.Put([]byte("a"), -5, []byte("neg")))
	must(s.Put([]byte("ab"), 12, []byte("y")))
	must(s.Put([]byte("a"), 30, []byte("z")))
	must(s.Put([]byte("a"), 50, []byte("w")))
	if got, _ := fetch(s, []byte("a"), -10, 40); got != "-5=neg 10=x 30=z" {
		t.Errorf("fetch a: %q", got)
	}
	if got, _ := fetch(s, []byte("a"), 40, 10); got != "" {
		t.Errorf("fetch inverted range: %q", got)
	}
	if v, _ := s.Get([]byte("ab"), 12); string(v) != "y" {
		t.Errorf("get ab@12: %q", v)
	}
	must(s.Put([]byte("a"), 30, nil))
	if v, _ := s.Get([]byte("a"), 30); v != nil {
		t.Errorf("get after nil put: %q", v)
	}
	if w.Commit != nil {
		must(w.Commit())
	}
	// Retention 100: at stream time 115, starts <= 15 are expired.
	must(s.Expire(115))
	if got, _ := fetchAll(s, -100, 100); got != "61@50=w" {
		t.Errorf("fetch all after expire: %q", got)
	}
	// Writes to expired windows are dropped.
	must(s.Put([]byte("a"), 0, []byte("late")))
	if v, _ := s.Get([]byte("a"), 0); v != nil {
		t.Errorf("expired write visible: %q", v)
	}
}

func windowRandom(t *testing.T, mk WindowFactory, seed uint64, dup bool) {
	r := rand.New(rand.NewPCG(seed, 7))
	ref, err := mem.NewWindowStore("w", 100, 20, dup)
	if err != nil {
		t.Fatal(err)
	}
	sub := mk(t, "w", 100, 20, dup)
	s := sub.Store
	var streamTime int64 = -40
	expired := false
	check := func(i int, what string, a, b string) {
		t.Helper()
		if a != b {
			t.Fatalf("seed %d op %d %s:\n got       %s\n reference %s", seed, i, what, b, a)
		}
	}
	randStart := func() int64 { return streamTime - 110 + int64(r.IntN(160)) }
	for i := range RandomOps {
		switch p := r.IntN(100); {
		case p < 40:
			k, st, v := randKey(r), randStart(), randVal(r)
			if r.IntN(8) == 0 {
				v = nil
			}
			check(i, "put", fmt.Sprint(ref.Put(k, st, v)), fmt.Sprint(s.Put(k, st, v)))
		case p < 55:
			k, st := randKey(r), randStart()
			a, ea := ref.Get(k, st)
			b, eb := s.Get(k, st)
			check(i, fmt.Sprintf("get %x@%d", k, st), show(a)+fmt.Sprint(ea), show(b)+fmt.Sprint(eb))
		case p < 75:
			k, from := randKey(r), randStart()
			to := from + int64(r.IntN(80)) - 10
			a, ea := fetch(ref, k, from, to)
			b, eb := fetch(s, k, from, to)
			check(i, fmt.Sprintf("fetch %x [%d,%d]", k, from, to), a+fmt.Sprint(ea), b+fmt.Sprint(eb))
		case p < 82:
			from := randStart()
			to := from + int64(r.IntN(100))
			a, ea := fetchAll(ref, from, to)
			b, eb := fetchAll(s, from, to)
			check(i, fmt.Sprintf("fetchAll [%d,%d]", from, to), a+fmt.Sprint(ea), b+fmt.Sprint(eb))
		case p < 90:
			streamTime += int64(r.IntN(30))
			expired = true
			check(i, "expire", fmt.Sprint(ref.Expire(streamTime)), fmt.Sprint(s.Expire(streamTime)))
		case p < 98:
			if sub.Commit != nil {
				if err := sub.Commit(); err != nil {
					t.Fatalf("op %d: commit: %v", i, err)
				}
			}
		default:
			if sub.Reopen != nil && !dup && r.IntN(3) == 0 { // duplicates' seq restarts on reopen (documented)
				if s, err = sub.Reopen(); err != nil {
					t.Fatalf("op %d: reopen: %v", i, err)
				}
				if expired {
					if err := s.Expire(streamTime); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	a, ea := fetchAll(ref, -1<<62, 1<<62)
	b, eb := fetchAll(s, -1<<62, 1<<62)
	check(RandomOps, "final", a+fmt.Sprint(ea), b+fmt.Sprint(eb))
}

// TestSession runs the session-store suite.
func TestSession(t *testing.T, mk SessionFactory) {
	t.Run("basics", func(t *testing.T) { sessionBasics(t, mk) })
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprintf("random/%d", seed), func(t *testing.T) { sessionRandom(t, mk, seed) })
	}
}

func find(s state.SessionStore, key []byte, earliestEnd, latestStart int64) (string, error) {
	var out []string
	err := s.FindSessions(key, earliestEnd, latestStart, func(st, en int64, v []byte) bool {
		out = append(out, fmt.Sprintf("[%d,%d]=%s", st, en, v))
		return true
	})
	return strings.Join(out, " "), err
}

func findAll(s state.SessionStore, earliestEnd, latestStart int64) (string, error) {
	var out []string
	err := s.FindAll(earliestEnd, latestStart, func(k []byte, st, en int64, v []byte) bool {
		out = append(out, fmt.Sprintf("%x[%d,%d]=%s", k, st, en, v))
		return true
	})
	return strings.Join(out, " "), err
}

func sessionBasics(t *testing.T, mk SessionFactory) {
	ss := mk(t, "sess", 100, 20)
	s := ss.Store
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Put([]byte("u"), 0, 10, []byte("a")))
	must(s.Put([]byte("u"), 20, 25, []byte("b")))
	must(s.Put([]byte("u"), 40, 60, []byte("c")))
	must(s.Put([]byte("uv"), 5, 30, []byte("other")))
	// A record at 22 with a gap of 5 merges sessions touching [17, 27].
	if got, _ := find(s, []byte("u"), 17, 27); got != "[20,25]=b" {
		t.Errorf("find u: %q", got)
	}
	if got, _ := find(s, []byte("u"), 0, 100); got != "[0,10]=a [20,25]=b [40,60]=c" {
		t.Errorf("find all of u: %q", got)
	}
	must(s.Remove([]byte("u"), 20, 25))
	if v, _ := s.Get([]byte("u"), 20, 25); v != nil {
		t.Errorf("get removed: %q", v)
	}
	if ss.Commit != nil {
		must(ss.Commit())
	}
	// Retention 100, stream time 125: sessions ending <= 25 expire.
	must(s.Expire(125))
	if got, _ := findAll(s, -1000, 1000); got != "7576[5,30]=other 75[40,60]=c" { // "uv" sorts before "u"‖end: 'v' < 0x80
		t.Errorf("find all after expire: %q", got)
	}
}

func sessionRandom(t *testing.T, mk SessionFactory, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 9))
	ref, err := mem.NewSessionStore("s", 100, 20)
	if err != nil {
		t.Fatal(err)
	}
	sub := mk(t, "s", 100, 20)
	s := sub.Store
	var streamTime int64
	expired := false
	check := func(i int, what string, a, b string) {
		t.Helper()
		if a != b {
			t.Fatalf("seed %d op %d %s:\n got       %s\n reference %s", seed, i, what, b, a)
		}
	}
	randSession := func() (int64, int64) {
		st := streamTime - 110 + int64(r.IntN(160))
		return st, st + int64(r.IntN(30))
	}
	for i := range RandomOps {
		switch p := r.IntN(100); {
		case p < 35:
			k, v := randKey(r), randVal(r)
			st, en := randSession()
			check(i, "put", fmt.Sprint(ref.Put(k, st, en, v)), fmt.Sprint(s.Put(k, st, en, v)))
		case p < 45:
			k := randKey(r)
			st, en := randSession()
			check(i, "remove", fmt.Sprint(ref.Remove(k, st, en)), fmt.Sprint(s.Remove(k, st, en)))
		case p < 55:
			k := randKey(r)
			st, en := randSession()
			a, ea := ref.Get(k, st, en)
			b, eb := s.Get(k, st, en)
			check(i, "get", show(a)+fmt.Sprint(ea), show(b)+fmt.Sprint(eb))
		case p < 75:
			k := randKey(r)
			lo, hi := randSession()
			a, ea := find(ref, k, lo, hi)
			b, eb := find(s, k, lo, hi)
			check(i, fmt.Sprintf("find %x %d %d", k, lo, hi), a+fmt.Sprint(ea), b+fmt.Sprint(eb))
		case p < 82:
			lo, hi := randSession()
			a, ea := findAll(ref, lo, hi)
			b, eb := findAll(s, lo, hi)
			check(i, "findAll", a+fmt.Sprint(ea), b+fmt.Sprint(eb))
		case p < 90:
			streamTime += int64(r.IntN(30))
			expired = true
			check(i, "expire", fmt.Sprint(ref.Expire(streamTime)), fmt.Sprint(s.Expire(streamTime)))
		case p < 98:
			if sub.Commit != nil {
				if err := sub.Commit(); err != nil {
					t.Fatalf("op %d: commit: %v", i, err)
				}
			}
		default:
			if sub.Reopen != nil && r.IntN(3) == 0 { // reopening is slow: about 10 per run
				if s, err = sub.Reopen(); err != nil {
					t.Fatalf("op %d: reopen: %v", i, err)
				}
				if expired {
					if err := s.Expire(streamTime); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	a, ea := findAll(ref, -1<<62, 1<<62)
	b, eb := findAll(s, -1<<62, 1<<62)
	check(RandomOps, "final", a+fmt.Sprint(ea), b+fmt.Sprint(eb))
}

// SortedCopy returns the keys of m in order: a helper for oracles.
func SortedCopy(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
