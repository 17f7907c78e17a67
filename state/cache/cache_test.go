package cache_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/mem"
	"github.com/sluicedb/sluice/state/storetest"
)

// recorder is a changelog that keeps what it receives.
type recorder struct {
	recs []string
	fail error
}

func (r *recorder) Append(store string, k, v []byte) error {
	if r.fail != nil {
		return r.fail
	}
	val := "<tombstone>"
	if v != nil {
		val = string(v)
	}
	r.recs = append(r.recs, fmt.Sprintf("%s:%s=%s", store, k, val))
	return nil
}

// batches is a store that records the batches applied to it.
type batches struct {
	*mem.Store
	applied [][]string
}

func (b *batches) Apply(batch []state.Entry) error {
	var keys []string
	for _, e := range batch {
		keys = append(keys, string(e.Key))
	}
	b.applied = append(b.applied, keys)
	return b.Store.Apply(batch)
}

// modes are the two ways of putting a store behind the cache.
var modes = []struct {
	name string
	wrap func(*cache.Cache, state.KeyValueStore) *cache.Store
}{
	{"wrap", (*cache.Cache).Wrap},
	{"buffer", (*cache.Cache).Buffer},
}

func TestConformance(t *testing.T) {
	for _, mode := range modes {
		for _, size := range []int64{0, 600} { // default, and small enough to evict constantly
			t.Run(fmt.Sprintf("%s/max=%d", mode.name, size), func(t *testing.T) {
				conformance(t, size, mode.wrap)
			})
		}
	}
}

func conformance(t *testing.T, size int64, wrap func(*cache.Cache, state.KeyValueStore) *cache.Store) {
	t.Run("kv", func(t *testing.T) {
		storetest.TestKeyValue(t, func(t *testing.T, name string) storetest.KV {
			c := cache.New(cache.Options{MaxBytes: size, Changelog: &recorder{}})
			return storetest.KV{Store: wrap(c, mem.New(name)), Commit: c.Flush}
		})
	})
	t.Run("window", func(t *testing.T) {
		storetest.TestWindow(t, func(t *testing.T, name string, ret, iv int64, dup bool) storetest.Window {
			c := cache.New(cache.Options{MaxBytes: size})
			seg, err := state.NewSegmented(name, mem.NewSegments(), state.WindowSegments(ret, iv))
			if err != nil {
				t.Fatal(err)
			}
			return storetest.Window{Store: state.NewWindowStore(wrap(c, seg), seg, dup), Commit: c.Flush}
		})
	})
	t.Run("session", func(t *testing.T) {
		storetest.TestSession(t, func(t *testing.T, name string, ret, iv int64) storetest.Session {
			c := cache.New(cache.Options{MaxBytes: size})
			seg, err := state.NewSegmented(name, mem.NewSegments(), state.SessionSegments(ret, iv))
			if err != nil {
				t.Fatal(err)
			}
			return storetest.Session{Store: state.NewSessionStore(wrap(c, seg), seg), Commit: c.Flush}
		})
	})
}

func TestFlushOrderAndChangelog(t *testing.T) {
	cl := &recorder{}
	c := cache.New(cache.Options{Changelog: cl})
	inA, inB := &batches{Store: mem.New("b-store")}, &batches{Store: mem.New("a-store")}
	a, b := c.Wrap(inA), c.Wrap(inB)
	if err := inA.Store.Put([]byte("old"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"m", "c", "x", "a"} {
		if err := a.Put([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 { // updates of one key coalesce into one write
		if err := b.Put([]byte("hot"), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Delete([]byte("old")); err != nil {
		t.Fatal(err)
	}
	if len(inA.applied)+len(inB.applied) != 0 || len(cl.recs) != 0 {
		t.Fatalf("wrote before Flush: %v %v %v", inA.applied, inB.applied, cl.recs)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(inA.applied); got != "[[a c m old x]]" {
		t.Errorf("store A batches %s", got)
	}
	if got := fmt.Sprint(inB.applied); got != "[[hot]]" {
		t.Errorf("store B batches %s", got)
	}
	want := "b-store:a=va b-store:c=vc b-store:m=vm b-store:old=<tombstone> b-store:x=vx a-store:hot=99"
	if got := strings.Join(cl.recs, " "); got != want {
		t.Errorf("changelog\n got  %s\n want %s", got, want)
	}
	if v, _ := inA.Store.Get([]byte("old")); v != nil {
		t.Errorf("tombstone not applied: %q", v)
	}
	// Nothing dirty: a second flush writes nothing.
	if err := c.Flush(); err != nil || len(inA.applied) != 1 || len(cl.recs) != 6 {
		t.Errorf("second flush wrote: %v %v %v", err, inA.applied, cl.recs)
	}
	st := c.Stats()
	if st.Flushes != 1 || st.FlushedEntries != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestReadYourWrites(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) { readYourWrites(t, mode.wrap, mode.name == "buffer") })
	}
}

func readYourWrites(t *testing.T, wrap func(*cache.Cache, state.KeyValueStore) *cache.Store, buffer bool) {
	inner := mem.New("s")
	if err := inner.Put([]byte("b"), []byte("under")); err != nil {
		t.Fatal(err)
	}
	if err := inner.Put([]byte("d"), []byte("gone")); err != nil {
		t.Fatal(err)
	}
	c := cache.New(cache.Options{})
	s := wrap(c, inner)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Put([]byte("a"), []byte("new")))
	must(s.Put([]byte("b"), []byte("over")))
	must(s.Delete([]byte("d")))
	for k, want := range map[string]string{"a": `"new"`, "b": `"over"`, "d": "<nil>"} {
		v, err := s.Get([]byte(k))
		must(err)
		got := "<nil>"
		if v != nil {
			got = fmt.Sprintf("%q", v)
		}
		if got != want {
			t.Errorf("get %s: %s, want %s", k, got, want)
		}
	}
	var scan []string
	must(s.Range(nil, nil, func(k, v []byte) bool { scan = append(scan, string(k)+"="+string(v)); return true }))
	if got := strings.Join(scan, " "); got != "a=new b=over" {
		t.Errorf("scan %q", got)
	}
	if v, _ := inner.Get([]byte("b")); string(v) != "under" {
		t.Errorf("inner written before flush: %q", v)
	}
	must(c.Flush())
	if v, _ := inner.Get([]byte("b")); string(v) != "over" {
		t.Errorf("inner after flush: %q", v)
	}
	// Reads of flushed data are hits; of uncached data, misses then hits.
	// A buffer keeps nothing once flushed, and caches no reads.
	before := c.Stats()
	if v, _ := s.Get([]byte("a")); string(v) != "new" {
		t.Errorf("get a after flush: %q", v)
	}
	_, _ = s.Get([]byte("zz"))
	after := c.Stats()
	hits, misses := uint64(1), uint64(1)
	if buffer {
		hits, misses = 0, 2
		if after.Entries != 0 || after.Bytes != 0 {
			t.Errorf("buffer holds %d entries (%d bytes) after flush and reads", after.Entries, after.Bytes)
		}
	}
	if after.Hits != before.Hits+hits || after.Misses != before.Misses+misses {
		t.Errorf("hits/misses %+v -> %+v", before, after)
	}
}

func TestSizeBound(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) { sizeBound(t, mode.wrap, mode.name == "buffer") })
	}
}

func sizeBound(t *testing.T, wrap func(*cache.Cache, state.KeyValueStore) *cache.Store, buffer bool) {
	const max = 4096
	cl := &recorder{}
	inner := mem.New("s")
	c := cache.New(cache.Options{MaxBytes: max, Changelog: cl})
	s := wrap(c, inner)
	r := rand.New(rand.NewPCG(1, 1))
	want := map[string]string{}
	for i := range 5000 {
		k := fmt.Sprintf("k%03d", r.IntN(500))
		v := fmt.Sprint(i)
		want[k] = v
		if err := s.Put([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
		if b := c.Stats().Bytes; b > max {
			t.Fatalf("op %d: %d bytes cached, bound %d", i, b, max)
		}
	}
	st := c.Stats()
	if st.EarlyFlushes == 0 || (st.Evictions == 0) != buffer {
		t.Fatalf("early flushes and evictions (none in a buffer): %+v", st)
	}
	for k, v := range want {
		got, err := s.Get([]byte(k))
		if err != nil || string(got) != v {
			t.Fatalf("get %s: %q %v, want %q", k, got, err, v)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if inner.Len() != len(want) {
		t.Fatalf("inner has %d keys, want %d", inner.Len(), len(want))
	}
	// The changelog's last record per key is the final value.
	last := map[string]string{}
	for _, r := range cl.recs {
		kv := strings.SplitN(strings.TrimPrefix(r, "s:"), "=", 2)
		last[kv[0]] = kv[1]
	}
	for k, v := range want {
		if last[k] != v {
			t.Fatalf("changelog last value of %s: %q, want %q", k, last[k], v)
		}
	}
}

func TestChangelogFailureRetries(t *testing.T) {
	cl := &recorder{fail: errors.New("broker down")}
	c := cache.New(cache.Options{Changelog: cl})
	s := c.Wrap(mem.New("s"))
	if err := s.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err == nil || !strings.Contains(err.Error(), "broker down") {
		t.Fatalf("flush error %v", err)
	}
	cl.fail = nil
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cl.recs, " "); got != "s:k=v" {
		t.Fatalf("changelog after retry: %q", got)
	}
}

func TestDiscard(t *testing.T) {
	inner := mem.New("s")
	c := cache.New(cache.Options{})
	s := c.Wrap(inner)
	if err := s.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	c.Discard()
	if v, _ := s.Get([]byte("k")); v != nil {
		t.Fatalf("discarded entry visible: %q", v)
	}
	if err := c.Flush(); err != nil || inner.Len() != 0 {
		t.Fatalf("discarded entry flushed: %v, %d keys", err, inner.Len())
	}
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Fatalf("stats after discard %+v", st)
	}
}
