package rocks_test

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/rocks"
)

// Benchmarks of the hot path of a keyed aggregation: read-modify-write of an
// 8-byte counter under 24-byte keys, with a commit every 1000 records.
// Run: go test -run '^$' -bench RMW -benchtime 200000x ./state/rocks/

const commitEvery = 1000

func benchDB(b *testing.B) (*rocks.DB, *rocks.Store) {
	db, err := rocks.Open(b.TempDir(), rocks.Options{BlockCacheBytes: 256 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := db.KeyValueStore("agg")
	if err != nil {
		b.Fatal(err)
	}
	return db, s
}

func benchKey(buf []byte, id uint64) []byte {
	buf = append(buf[:0], "auction-"...)
	buf = binary.BigEndian.AppendUint64(buf, id)
	return binary.BigEndian.AppendUint64(buf, 0)
}

func rmw(b *testing.B, s state.KeyValueStore, keys, every int, commit func() error) {
	r := rand.New(rand.NewPCG(1, 2))
	var kb, vb []byte
	b.ResetTimer()
	for i := range b.N {
		kb = benchKey(kb, uint64(r.IntN(keys)))
		v, err := s.Get(kb)
		if err != nil {
			b.Fatal(err)
		}
		var n uint64
		if len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		vb = binary.BigEndian.AppendUint64(vb[:0], n+1)
		if err := s.Put(kb, vb); err != nil {
			b.Fatal(err)
		}
		if commit != nil && (i+1)%every == 0 {
			if err := commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rec/s")
}

// RocksDB Get+Put per record, WAL off, no cache.
func BenchmarkRMWRocks10kKeys(b *testing.B) {
	_, s := benchDB(b)
	rmw(b, s, 10_000, 0, nil)
}

func BenchmarkRMWRocks1MKeys(b *testing.B) {
	_, s := benchDB(b)
	rmw(b, s, 1_000_000, 0, nil)
}

// Through the task cache (default 10 MiB), flushed with the changelog every
// 1000 records.
func benchCached(b *testing.B, keys int, maxBytes int64, every int) {
	_, s := benchDB(b)
	var logged int
	c := cache.New(cache.Options{MaxBytes: maxBytes, Changelog: state.ChangelogFunc(func(string, []byte, []byte) error {
		logged++
		return nil
	})})
	rmw(b, c.Wrap(s), keys, every, c.Flush)
	st := c.Stats()
	b.ReportMetric(float64(logged)/float64(b.N), "changelog/rec")
	b.ReportMetric(float64(st.Hits)/float64(st.Hits+st.Misses), "hit-ratio")
}

func BenchmarkRMWCached10kKeys(b *testing.B) { benchCached(b, 10_000, 0, commitEvery) }
func BenchmarkRMWCached1MKeys(b *testing.B)  { benchCached(b, 1_000_000, 0, commitEvery) }

// With commits every 100,000 records (Kafka Streams commits every 30 s), hot
// keys collapse into few writes.
func BenchmarkRMWCached10kKeysCommit100k(b *testing.B) { benchCached(b, 10_000, 0, 100_000) }

// Put of fresh keys then Get of them, through cache+rocks, commit every 1000.
func BenchmarkPutGetCached(b *testing.B) {
	db, s := benchDB(b)
	c := cache.New(cache.Options{})
	cs := c.Wrap(s)
	var kb []byte
	val := make([]byte, 16)
	b.ResetTimer()
	for i := range b.N {
		kb = benchKey(kb, uint64(i))
		if err := cs.Put(kb, val); err != nil {
			b.Fatal(err)
		}
		if _, err := cs.Get(kb); err != nil {
			b.Fatal(err)
		}
		if (i+1)%commitEvery == 0 {
			if err := c.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rec/s")
	_ = db
}

// Commit cost: 1000 puts, then flushing memtables and writing the
// checkpoint (ns/op is per commit). Run with a small -benchtime.
func BenchmarkCheckpoint(b *testing.B) {
	db, s := benchDB(b)
	var kb []byte
	val := make([]byte, 16)
	b.ResetTimer()
	for i := range b.N {
		for j := range commitEvery {
			kb = benchKey(kb, uint64(i*commitEvery+j))
			if err := s.Put(kb, val); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.WriteCheckpoint(map[string]int64{"agg": int64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyBatch writes batches of 50,000 new random keys, as a
// commit of a windowed aggregation does: the cost per entry is the
// memtable insert.
func BenchmarkApplyBatch(b *testing.B) {
	_, s := benchDB(b)
	r := rand.New(rand.NewPCG(1, 2))
	const size = 50_000
	batch := make([]state.Entry, size)
	for i := range batch {
		batch[i].Value = make([]byte, 24)
	}
	b.ResetTimer()
	for range b.N {
		for i := range batch {
			batch[i].Key = benchKey(batch[i].Key, r.Uint64())
		}
		if err := s.Apply(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/entry")
}

// BenchmarkGetMissing looks up keys the store does not hold, among 200,000
// it does (in the memtable), as an aggregation does for each new group.
func BenchmarkGetMissing(b *testing.B) {
	_, s := benchDB(b)
	r := rand.New(rand.NewPCG(1, 2))
	batch := make([]state.Entry, 200_000)
	for i := range batch {
		batch[i] = state.Entry{Key: benchKey(nil, r.Uint64()), Value: make([]byte, 24)}
	}
	if err := s.Apply(batch); err != nil {
		b.Fatal(err)
	}
	var kb []byte
	b.ResetTimer()
	for range b.N {
		kb = benchKey(kb, r.Uint64())
		if v, err := s.Get(kb); err != nil || v != nil {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkShortRange is a stream-stream join's lookup: a range over one
// key's entries within a time span, among 400,000 window keys spread over
// SST files and the memtable, a write batch landing every 1000 lookups as
// the task cache's flushes do. About half the lookups find something.
func BenchmarkShortRange(b *testing.B) {
	db, s := benchDB(b)
	const keys, perKey = 100_000, 4
	r := rand.New(rand.NewPCG(1, 2))
	wkey := func(buf []byte, k uint64, t int64) []byte {
		return state.WindowKey(buf[:0], binary.BigEndian.AppendUint64(nil, k*2), t, 1)
	}
	var batch []state.Entry
	for i := range keys * perKey {
		batch = append(batch, state.Entry{Key: wkey(nil, uint64(r.IntN(keys)), int64(i)), Value: make([]byte, 60)})
		if len(batch) == 50_000 {
			if err := s.Apply(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
			if err := db.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	var from, to []byte
	found := 0
	b.ResetTimer()
	for i := range b.N {
		k := uint64(r.IntN(2 * keys)) // odd: absent
		t := int64(r.IntN(keys * perKey))
		from, to = wkey(from, k/2*2+k%2, t-50_000), wkey(to, k/2*2+k%2, t+50_000)
		err := s.Range(from, to, func(_, _ []byte) bool {
			found++
			return true
		})
		if err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			if err := s.Apply(batch[:100]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(found)/float64(b.N), "found/op")
}
