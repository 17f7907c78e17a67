package rocks_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/rocks"
	"github.com/sluicedb/sluice/state/storetest"
)

// tempDir prefers tmpfs: the tests check logic, not the disk, and RocksDB
// fsyncs its MANIFEST on every column family created or dropped, which is
// most of the run time on a real disk.
func tempDir(t testing.TB) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "sluice-rocks-test-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// harness opens a DB in a temp dir and reopens it on demand, optionally
// with a task cache in front of the stores.
type harness struct {
	t      *testing.T
	dir    string
	db     *rocks.DB
	c      *cache.Cache
	cached bool
}

func newHarness(t *testing.T, cached bool) *harness {
	h := &harness{t: t, dir: tempDir(t), cached: cached}
	h.open()
	t.Cleanup(func() {
		if err := h.db.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

func (h *harness) open() {
	db, err := rocks.Open(h.dir, rocks.Options{BlockCacheBytes: 8 << 20})
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = db
	if h.cached {
		h.c = cache.New(cache.Options{MaxBytes: 2048})
	}
}

func (h *harness) wrap(s state.KeyValueStore) state.KeyValueStore {
	if h.c != nil {
		return h.c.Wrap(s)
	}
	return s
}

// commit flushes the cache and the memtables, so reads also cross SST files.
func (h *harness) commit() error {
	if h.c != nil {
		if err := h.c.Flush(); err != nil {
			return err
		}
	}
	return h.db.Flush()
}

func (h *harness) reopen() error {
	if h.c != nil {
		if err := h.c.Flush(); err != nil {
			return err
		}
	}
	if err := h.db.Close(); err != nil {
		return err
	}
	h.open()
	return nil
}

func TestConformance(t *testing.T) {
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cached=%v", cached), func(t *testing.T) {
			t.Run("kv", func(t *testing.T) {
				storetest.TestKeyValue(t, func(t *testing.T, name string) storetest.KV {
					h := newHarness(t, cached)
					open := func() (state.KeyValueStore, error) {
						s, err := h.db.KeyValueStore(name)
						if err != nil {
							return nil, err
						}
						return h.wrap(s), nil
					}
					s, err := open()
					if err != nil {
						t.Fatal(err)
					}
					return storetest.KV{Store: s, Commit: h.commit, Reopen: func() (state.KeyValueStore, error) {
						if err := h.reopen(); err != nil {
							return nil, err
						}
						return open()
					}}
				})
			})
			t.Run("window", func(t *testing.T) {
				storetest.TestWindow(t, func(t *testing.T, name string, ret, iv int64, dup bool) storetest.Window {
					h := newHarness(t, cached)
					open := func() (state.WindowStore, error) {
						w, _, err := h.db.WindowStore(name, ret, iv, dup, h.wrap)
						return w, err
					}
					w, err := open()
					if err != nil {
						t.Fatal(err)
					}
					return storetest.Window{Store: w, Commit: h.commit, Reopen: func() (state.WindowStore, error) {
						if err := h.reopen(); err != nil {
							return nil, err
						}
						return open()
					}}
				})
			})
			t.Run("session", func(t *testing.T) {
				storetest.TestSession(t, func(t *testing.T, name string, ret, iv int64) storetest.Session {
					h := newHarness(t, cached)
					open := func() (state.SessionStore, error) {
						s, _, err := h.db.SessionStore(name, ret, iv, h.wrap)
						return s, err
					}
					s, err := open()
					if err != nil {
						t.Fatal(err)
					}
					return storetest.Session{Store: s, Commit: h.commit, Reopen: func() (state.SessionStore, error) {
						if err := h.reopen(); err != nil {
							return nil, err
						}
						return open()
					}}
				})
			})
		})
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	dir := tempDir(t)
	db, err := rocks.Open(dir, rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.ReadCheckpoint(); ok || err != nil {
		t.Fatalf("fresh DB has a checkpoint: %v %v", ok, err)
	}
	want := map[string]int64{"agg-store": 42, "join-store": 0, "w": 1 << 40}
	if err := db.WriteCheckpoint(want); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	got, ok, err := rocks.ReadCheckpoint(dir)
	if !ok || err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("checkpoint %v %v %v, want %v", got, ok, err, want)
	}
	db, err = rocks.Open(dir, rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RemoveCheckpoint(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ReadCheckpoint(); ok {
		t.Fatal("checkpoint survived RemoveCheckpoint")
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ReadCheckpoint(); err == nil {
		t.Fatal("corrupt checkpoint read without error")
	}
}

// TestCrash kills a child process that wrote, flushed (checkpoint), then
// wrote more without flushing, and reopens its directory: the checkpointed
// data and offsets are there; the unflushed writes, WAL being off, are not
// (the changelog tail restores them).
func TestCrash(t *testing.T) {
	if dir := os.Getenv("SLUICE_ROCKS_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	dir := tempDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$")
	cmd.Env = append(os.Environ(), "SLUICE_ROCKS_CRASH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("child: %v\n%s", err, out)
	}
	offsets, ok, err := rocks.ReadCheckpoint(dir)
	if !ok || err != nil || offsets["s"] != 1000 {
		t.Fatalf("checkpoint after crash: %v %v %v", offsets, ok, err)
	}
	db, err := rocks.Open(dir, rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.KeyValueStore("s")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		v, err := s.Get(fmt.Appendf(nil, "k%04d", i))
		if err != nil || string(v) != fmt.Sprint(i) {
			t.Fatalf("flushed key %d after crash: %q %v", i, v, err)
		}
	}
	if v, _ := s.Get([]byte("unflushed")); v != nil {
		t.Errorf("write after the last flush survived a crash with the WAL off: %q", v)
	}
	w, _, err := db.WindowStore("w", 1000, 100, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := w.Get([]byte("win"), 250); string(v) != "flushed" {
		t.Errorf("flushed window after crash: %q", v)
	}
}

func crashChild(dir string) {
	fail := func(err error) {
		fmt.Println(err)
		os.Exit(1)
	}
	db, err := rocks.Open(dir, rocks.Options{})
	if err != nil {
		fail(err)
	}
	s, err := db.KeyValueStore("s")
	if err != nil {
		fail(err)
	}
	c := cache.New(cache.Options{})
	cs := c.Wrap(s)
	for i := range 1000 {
		if err := cs.Put(fmt.Appendf(nil, "k%04d", i), []byte(fmt.Sprint(i))); err != nil {
			fail(err)
		}
	}
	w, _, err := db.WindowStore("w", 1000, 100, false, func(s state.KeyValueStore) state.KeyValueStore { return c.Wrap(s) })
	if err != nil {
		fail(err)
	}
	if err := w.Put([]byte("win"), 250, []byte("flushed")); err != nil {
		fail(err)
	}
	if err := c.Flush(); err != nil {
		fail(err)
	}
	if err := db.WriteCheckpoint(map[string]int64{"s": 1000, "w": 1}); err != nil {
		fail(err)
	}
	if err := s.Put([]byte("unflushed"), []byte("x")); err != nil {
		fail(err)
	}
	os.Exit(3) // no Close: the process dies with the memtable unflushed
}

func TestSegmentsAreColumnFamilies(t *testing.T) {
	dir := tempDir(t)
	db, err := rocks.Open(dir, rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, seg, err := db.WindowStore("w", 100, 10, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []int64{-15, 0, 5, 12, 47, 99} {
		if err := w.Put([]byte("k"), start, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(seg.SegmentIDs()); got != "[-2 0 1 4 9]" {
		t.Fatalf("segments %s", got)
	}
	if err := w.Expire(115); err != nil { // cutoff 15: segments -2, 0 and 1 (10..19 holds 15) ...
		t.Fatal(err)
	}
	// ... segment 1 still holds times 16..19, so it stays.
	if got := fmt.Sprint(seg.SegmentIDs()); got != "[1 4 9]" {
		t.Fatalf("segments after expire %s", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = rocks.Open(dir, rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids, _ := db.SegmentIDs("w")
	if fmt.Sprint(ids) != "[1 4 9]" {
		t.Fatalf("segments after reopen %v", ids)
	}
	if got := fmt.Sprint(db.StoreNames()); got != "[w]" {
		t.Fatalf("store names %s", got)
	}
	if err := db.DropStore("w"); err != nil {
		t.Fatal(err)
	}
	if ids, _ := db.SegmentIDs("w"); len(ids) != 0 {
		t.Fatalf("segments after DropStore %v", ids)
	}
}

func TestLeakedIteratorClosedByClose(t *testing.T) {
	db, err := rocks.Open(tempDir(t), rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.KeyValueStore("s")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	it, err := s.NewIterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	it.Next()
	// Without Close closing it first, librocksdb's assertions would abort.
	if err := db.Close(); err == nil || !strings.Contains(err.Error(), "1 iterators") {
		t.Fatalf("close with a leaked iterator: %v", err)
	}
	if err := it.Close(); err != nil {
		t.Fatalf("closing an iterator twice: %v", err)
	}
	if _, err := s.Get([]byte("a")); err == nil {
		t.Fatal("get after close succeeded")
	}
}

// TestIteratorReuse checks the spare native iterator a store keeps between
// ranges: it must see writes made since it was created, nest with another
// iterator of the same store, and survive a flush and a segment drop.
func TestIteratorReuse(t *testing.T) {
	db, err := rocks.Open(tempDir(t), rocks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	s, err := db.KeyValueStore("s")
	if err != nil {
		t.Fatal(err)
	}
	scan := func(from, to string) string {
		t.Helper()
		var out []string
		var f, e []byte
		if from != "" {
			f = []byte(from)
		}
		if to != "" {
			e = []byte(to)
		}
		err := s.Range(f, e, func(k, v []byte) bool {
			out = append(out, string(k)+"="+string(v))
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, " ")
	}
	put := func(k, v string) {
		t.Helper()
		if err := s.Put([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "1")
	put("c", "3")
	if got := scan("", ""); got != "a=1 c=3" {
		t.Fatalf("scan: %s", got)
	}
	if got := scan("b", "d"); got != "c=3" {
		t.Fatalf("reused scan [b,d): %s", got)
	}
	put("b", "2")
	if got := scan("a", "c"); got != "a=1 b=2" {
		t.Fatalf("scan after a put: %s", got)
	}
	if err := s.Apply([]state.Entry{{Key: []byte("a")}, {Key: []byte("d"), Value: []byte("4")}}); err != nil {
		t.Fatal(err)
	}
	if got := scan("", "e"); got != "b=2 c=3 d=4" {
		t.Fatalf("scan after a batch: %s", got)
	}
	// Two open at once: the second cannot take the first's native iterator.
	outer, err := s.NewIterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for outer.Next() {
		pairs = append(pairs, string(outer.Key())+":"+scan(string(outer.Key()), ""))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(pairs, ","); got != "b:b=2 c=3 d=4,c:c=3 d=4,d:d=4" {
		t.Fatalf("nested scans: %s", got)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := scan("c", ""); got != "c=3 d=4" {
		t.Fatalf("scan after a flush: %s", got)
	}
	// A reused iterator takes each range's upper bound, narrower or wider.
	for _, c := range [][3]string{{"b", "c", "b=2"}, {"b", "e", "b=2 c=3 d=4"}, {"a", "b", ""}, {"c", "d", "c=3"}, {"a", "z", "b=2 c=3 d=4"}} {
		if got := scan(c[0], c[1]); got != c[2] {
			t.Fatalf("reused scan [%s,%s): %s, want %s", c[0], c[1], got, c[2])
		}
	}
	if err := s.Delete([]byte("c")); err != nil {
		t.Fatal(err)
	}
	if got := scan("", ""); got != "b=2 d=4" {
		t.Fatalf("scan after a delete: %s", got)
	}
	seg, err := db.OpenSegment("w", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := seg.Put([]byte("x"), []byte("9")); err != nil {
		t.Fatal(err)
	}
	if err := seg.Range(nil, nil, func(k, v []byte) bool { return true }); err != nil {
		t.Fatal(err)
	}
	// The segment's spare iterator goes before its column family.
	if err := db.DropSegment("w", 1); err != nil {
		t.Fatal(err)
	}
}
