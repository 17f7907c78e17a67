// Package rocks implements Sluice's stores on RocksDB (grocksdb over the
// system librocksdb); it is the only package that imports grocksdb.
//
// One DB per task directory, one column family per store:
//
//	<dir>/rocksdb/      the RocksDB database
//	<dir>/checkpoint    JSON {"offsets": {store: next changelog offset}}
//
// A key-value store is the column family "kv:<name>". A time-segmented
// (window or session) store keeps each segment in its own column family
// "seg:<name>:<segment id>", so expiring a segment is DropColumnFamily: its
// files go at once, with no tombstones left for compaction to chew through
// (the alternative, one column family with a segment-id key prefix and
// DeleteRange, leaves range tombstones that slow reads until compaction).
//
// Writes go with the WAL disabled: the changelog topic is the durability
// log, as in Kafka Streams. What is in the memtables is lost in a crash until
// Flush moves it to SST files; WriteCheckpoint flushes and then records the
// changelog offsets the SST files are complete up to, so a restart restores
// only the changelog tail. See package state for the commit order.
//
// Every column family gets a full bloom filter (10 bits per key) and the
// DB's LRU block cache (or a cache shared between DBs). Iterators seek to
// the start of the requested range and are bounded by iterate_upper_bound;
// a store keeps its last one open for the next range while it is not
// written (see Store.NewIterator).
//
// librocksdb on Debian is built with assertions: closing a DB with column
// family handles or iterators still alive aborts the process. Close therefore
// closes any iterator its caller leaked and destroys every handle first.
//
// Not safe for concurrent use, like the stores of package state.
package rocks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/linxGnu/grocksdb"

	"github.com/sluicedb/sluice/state"
)

// Options configure a DB. Zero values pick the defaults.
type Options struct {
	// BlockCache is shared with other DBs when set; otherwise the DB makes
	// its own of BlockCacheBytes (default 64 MiB).
	BlockCache      *BlockCache
	BlockCacheBytes uint64
	// WriteBufferBytes is the memtable size per column family (default
	// 16 MiB; RocksDB allocates it lazily, so idle segments cost little).
	WriteBufferBytes uint64
	// BloomBitsPerKey sizes the bloom filters (default 10).
	BloomBitsPerKey float64
	// MaxOpenFiles bounds the SST files kept open (default 256): a process
	// holds one DB per task, and frequent commits make many small files.
	MaxOpenFiles int
}

// BlockCache is an LRU block cache that several DBs can share.
type BlockCache struct{ c *grocksdb.Cache }

// NewBlockCache returns a cache of the given capacity.
func NewBlockCache(bytes uint64) *BlockCache { return &BlockCache{c: grocksdb.NewLRUCache(bytes)} }

// Close releases the cache once no DB uses it any more.
func (b *BlockCache) Close() {
	if b.c != nil {
		b.c.Destroy()
		b.c = nil
	}
}

// DB is one task's RocksDB database.
type DB struct {
	dir      string
	db       *grocksdb.DB
	opts     *grocksdb.Options
	bbto     *grocksdb.BlockBasedTableOptions
	cache    *grocksdb.Cache // owned; nil when shared
	ro       *grocksdb.ReadOptions
	wo       *grocksdb.WriteOptions
	fo       *grocksdb.FlushOptions
	cfs      map[string]*grocksdb.ColumnFamilyHandle
	stores   map[string]*Store
	iters    map[*iterator]struct{}
	defaultC *grocksdb.ColumnFamilyHandle
}

var _ state.SegmentProvider = (*DB)(nil)

const (
	dbDirName      = "rocksdb"
	checkpointName = "checkpoint"
	kvPrefix       = "kv:"
	segPrefix      = "seg:"
)

// Open opens (creating if needed) the DB in dir with all of its existing
// column families.
func Open(dir string, o Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rocks: open %s: %w", dir, err)
	}
	if o.BlockCacheBytes == 0 {
		o.BlockCacheBytes = 64 << 20
	}
	if o.WriteBufferBytes == 0 {
		o.WriteBufferBytes = 16 << 20
	}
	if o.BloomBitsPerKey == 0 {
		o.BloomBitsPerKey = 10
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = 256
	}
	d := &DB{dir: dir, cfs: map[string]*grocksdb.ColumnFamilyHandle{}, stores: map[string]*Store{}, iters: map[*iterator]struct{}{}}
	d.bbto = grocksdb.NewDefaultBlockBasedTableOptions()
	if o.BlockCache != nil && o.BlockCache.c != nil {
		d.bbto.SetBlockCache(o.BlockCache.c)
	} else {
		d.cache = grocksdb.NewLRUCache(o.BlockCacheBytes)
		d.bbto.SetBlockCache(d.cache)
	}
	d.bbto.SetFilterPolicy(grocksdb.NewBloomFilterFull(o.BloomBitsPerKey))
	d.opts = grocksdb.NewDefaultOptions()
	d.opts.SetCreateIfMissing(true)
	d.opts.SetCreateIfMissingColumnFamilies(true)
	d.opts.SetBlockBasedTableFactory(d.bbto)
	d.opts.SetWriteBufferSize(o.WriteBufferBytes)
	d.opts.SetMaxBackgroundJobs(2)
	// One goroutine writes each DB (a task owns it): the concurrent
	// memtable and the writer-thread spinning only cost CPU.
	d.opts.SetAllowConcurrentMemtableWrites(false)
	d.opts.SetEnableWriteThreadAdaptiveYield(false)
	// A bloom filter over the memtable's whole keys: an aggregation looks up
	// every new group (window) before creating it, and without the filter
	// each miss searches the memtable's skip list.
	d.opts.SetMemTablePrefixBloomSizeRatio(0.05)
	d.opts.SetMemtableWholeKeyFiltering(true)
	d.opts.SetMaxOpenFiles(o.MaxOpenFiles)
	// No compression, as Kafka Streams' RocksDB stores: the DB is a local
	// cache of the changelog, written in full at every commit, and the CPU
	// spent compressing its flushes and compactions buys only disk space.
	d.opts.SetCompression(grocksdb.NoCompression)
	d.opts.SetInfoLogLevel(grocksdb.WarnInfoLogLevel)
	d.opts.SetKeepLogFileNum(2)
	d.opts.SetMaxLogFileSize(1 << 20)
	d.ro = grocksdb.NewDefaultReadOptions()
	d.wo = grocksdb.NewDefaultWriteOptions()
	d.wo.DisableWAL(true)
	d.fo = grocksdb.NewDefaultFlushOptions()
	d.fo.SetWait(true)

	path := filepath.Join(dir, dbDirName)
	names := []string{"default"}
	if _, err := os.Stat(filepath.Join(path, "CURRENT")); err == nil {
		if names, err = grocksdb.ListColumnFamilies(d.opts, path); err != nil {
			d.destroyOptions()
			return nil, fmt.Errorf("rocks: list column families of %s: %w", path, err)
		}
	}
	cfOpts := make([]*grocksdb.Options, len(names))
	for i := range cfOpts {
		cfOpts[i] = d.opts
	}
	db, handles, err := grocksdb.OpenDbColumnFamilies(d.opts, path, names, cfOpts)
	if err != nil {
		d.destroyOptions()
		return nil, fmt.Errorf("rocks: open %s: %w", path, err)
	}
	d.db = db
	for i, n := range names {
		if n == "default" {
			d.defaultC = handles[i]
			continue
		}
		d.cfs[n] = handles[i]
	}
	return d, nil
}

// Dir returns the task directory.
func (d *DB) Dir() string { return d.dir }

func (d *DB) destroyOptions() {
	d.ro.Destroy()
	d.wo.Destroy()
	d.fo.Destroy()
	d.opts.Destroy()
	d.bbto.Destroy()
	if d.cache != nil {
		d.cache.Destroy()
	}
}

func (d *DB) cf(name string) (*grocksdb.ColumnFamilyHandle, error) {
	if d.db == nil {
		return nil, errors.New("rocks: DB is closed")
	}
	if h, ok := d.cfs[name]; ok {
		return h, nil
	}
	h, err := d.db.CreateColumnFamily(d.opts, name)
	if err != nil {
		return nil, fmt.Errorf("rocks: create column family %s: %w", name, err)
	}
	d.cfs[name] = h
	return h, nil
}

func (d *DB) store(cfName, name string) (*Store, error) {
	if s, ok := d.stores[cfName]; ok {
		return s, nil
	}
	h, err := d.cf(cfName)
	if err != nil {
		return nil, err
	}
	s := &Store{d: d, name: name, cf: h, cfID: h.ID()}
	d.stores[cfName] = s
	return s, nil
}

// KeyValueStore opens the key-value store name, creating it if missing.
func (d *DB) KeyValueStore(name string) (*Store, error) { return d.store(kvPrefix+name, name) }

// StoreNames lists the key-value stores and segmented stores in the DB.
func (d *DB) StoreNames() []string {
	seen := map[string]bool{}
	for n := range d.cfs {
		if kv, ok := strings.CutPrefix(n, kvPrefix); ok {
			seen[kv] = true
		} else if rest, ok := strings.CutPrefix(n, segPrefix); ok {
			if i := strings.LastIndexByte(rest, ':'); i >= 0 {
				seen[rest[:i]] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// DropStore deletes a store and all its segments.
func (d *DB) DropStore(name string) error {
	var errs []error
	for n := range d.cfs {
		if n == kvPrefix+name {
			errs = append(errs, d.dropCF(n))
		}
	}
	ids, _ := d.SegmentIDs(name)
	for _, id := range ids {
		errs = append(errs, d.DropSegment(name, id))
	}
	return errors.Join(errs...)
}

func (d *DB) dropCF(cfName string) error {
	h, ok := d.cfs[cfName]
	if !ok {
		return nil
	}
	if st := d.stores[cfName]; st != nil {
		st.release()
	}
	err := d.db.DropColumnFamily(h)
	h.Destroy()
	delete(d.cfs, cfName)
	delete(d.stores, cfName)
	if err != nil {
		return fmt.Errorf("rocks: drop column family %s: %w", cfName, err)
	}
	return nil
}

func segCF(store string, id int64) string {
	return segPrefix + store + ":" + strconv.FormatInt(id, 10)
}

// SegmentIDs lists the segments of a segmented store.
func (d *DB) SegmentIDs(store string) ([]int64, error) {
	prefix := segPrefix + store + ":"
	var ids []int64
	for n := range d.cfs {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && strconv.FormatInt(id, 10) == rest {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// OpenSegment opens (creating) a segment's column family.
func (d *DB) OpenSegment(store string, id int64) (state.KeyValueStore, error) {
	return d.store(segCF(store, id), store)
}

// DropSegment drops a segment's column family.
func (d *DB) DropSegment(store string, id int64) error { return d.dropCF(segCF(store, id)) }

// WindowStore opens a window store whose segments live in this DB, with kv
// wrapping its segmented store (nil: none; else e.g. a task cache's Wrap).
func (d *DB) WindowStore(name string, retention, interval int64, retainDuplicates bool,
	wrap func(state.KeyValueStore) state.KeyValueStore) (state.WindowStore, *state.Segmented, error) {
	seg, err := state.NewSegmented(name, d, state.WindowSegments(retention, interval))
	if err != nil {
		return nil, nil, err
	}
	var kv state.KeyValueStore = seg
	if wrap != nil {
		kv = wrap(seg)
	}
	return state.NewWindowStore(kv, seg, retainDuplicates), seg, nil
}

// SessionStore opens a session store whose segments live in this DB (see
// WindowStore for wrap).
func (d *DB) SessionStore(name string, retention, interval int64,
	wrap func(state.KeyValueStore) state.KeyValueStore) (state.SessionStore, *state.Segmented, error) {
	seg, err := state.NewSegmented(name, d, state.SessionSegments(retention, interval))
	if err != nil {
		return nil, nil, err
	}
	var kv state.KeyValueStore = seg
	if wrap != nil {
		kv = wrap(seg)
	}
	return state.NewSessionStore(kv, seg), seg, nil
}

// Flush moves every memtable to SST files and waits: after it returns, all
// writes so far survive a crash.
func (d *DB) Flush() error {
	if d.db == nil {
		return errors.New("rocks: DB is closed")
	}
	names := make([]string, 0, len(d.cfs))
	for n := range d.cfs {
		names = append(names, n)
	}
	slices.Sort(names)
	// Spare iterators would pin the flushed memtables.
	for _, st := range d.stores {
		st.dropSpare()
	}
	for _, n := range names {
		if err := d.db.FlushCF(d.cfs[n], d.fo); err != nil {
			return fmt.Errorf("rocks: flush %s: %w", n, err)
		}
	}
	return nil
}

type checkpointFile struct {
	Offsets map[string]int64 `json:"offsets"`
}

// WriteCheckpoint flushes the memtables, then durably records offsets: per
// store, the changelog offset up to which (exclusive) its SST files hold
// every record. Call it after the changelog records are acknowledged; it may
// run less often than commits, since an older checkpoint only means a longer
// restore.
func (d *DB) WriteCheckpoint(offsets map[string]int64) error {
	if err := d.Flush(); err != nil {
		return err
	}
	data, err := json.Marshal(checkpointFile{Offsets: offsets})
	if err != nil {
		return fmt.Errorf("rocks: checkpoint: %w", err)
	}
	if err := writeFileSync(filepath.Join(d.dir, checkpointName), data); err != nil {
		return fmt.Errorf("rocks: checkpoint: %w", err)
	}
	return nil
}

// ReadCheckpoint returns the offsets of the last checkpoint; ok is false
// when there is none (a new task, or the caller removed it).
func (d *DB) ReadCheckpoint() (offsets map[string]int64, ok bool, err error) {
	return ReadCheckpoint(d.dir)
}

// ReadCheckpoint reads the checkpoint of the task directory dir.
func ReadCheckpoint(dir string) (map[string]int64, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, checkpointName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("rocks: read checkpoint: %w", err)
	}
	var f checkpointFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, false, fmt.Errorf("rocks: read checkpoint %s: %w", filepath.Join(dir, checkpointName), err)
	}
	if f.Offsets == nil {
		f.Offsets = map[string]int64{}
	}
	return f.Offsets, true, nil
}

// RemoveCheckpoint deletes the checkpoint: a task that must not trust its
// local state after a crash (exactly-once) removes it while running and
// writes it again on a clean close.
func (d *DB) RemoveCheckpoint() error {
	err := os.Remove(filepath.Join(d.dir, checkpointName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rocks: remove checkpoint: %w", err)
	}
	return nil
}

// writeFileSync replaces path atomically: temp file, fsync, rename, fsync
// of the directory, so a crash leaves the old or the new file, whole.
func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// Close closes leaked iterators, destroys the column family handles, then
// closes the database (a clean close also flushes the memtables). It does
// not write a checkpoint.
func (d *DB) Close() error {
	if d.db == nil {
		return nil
	}
	leaked := len(d.iters)
	for it := range d.iters {
		it.Close()
	}
	for _, st := range d.stores {
		st.release()
	}
	for _, h := range d.cfs {
		h.Destroy()
	}
	if d.defaultC != nil {
		d.defaultC.Destroy()
	}
	d.cfs, d.stores = nil, nil
	d.db.Close()
	d.db = nil
	d.destroyOptions()
	if leaked > 0 {
		return fmt.Errorf("rocks: close %s: %d iterators were still open", d.dir, leaked)
	}
	return nil
}

// Destroy deletes a task directory and everything in it (the DB must be
// closed): for state that cannot be trusted, before a full restore.
func Destroy(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("rocks: destroy %s: %w", dir, err)
	}
	return nil
}
