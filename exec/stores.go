package exec

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/state"
	"github.com/sluicedb/sluice/state/cache"
	"github.com/sluicedb/sluice/state/mem"
	"github.com/sluicedb/sluice/state/rocks"
)

// taskStores is one task's state: the stores of its processors, in one
// RocksDB instance per task (or in memory), each backed by a partition of a
// compacted changelog topic.
//
// Without a changelog (push queries) the stores are in memory.
type taskStores struct {
	partition int32
	db        *rocks.DB         // nil: in memory
	segs      *mem.Segments     // in-memory segment provider
	cache     *cache.Cache      // write-back cache of byte stores, flushed at commit
	log       *changelogs       // nil: no changelogs
	topics    []string          // changelog topics of the stores opened so far
	restored  int               // changelog records replayed at open
	ckpt      map[string]int64  // the checkpoint found at open: where restores start
	topicOf   map[string]string // changelog topic by store name
	rec       kafka.Record      // append's record, reused
	chunk     []byte            // append's unused bytes, for the next records
}

// changelogs is what a query's tasks share to write and restore changelogs.
type changelogs struct {
	e       *Engine
	prefix  string // _confluent-ksql-<service>query_<id>-
	produce func(*kafka.Record)
	// progress follows the restores (for metrics); may be nil.
	progress *restoreProgress
	dir      string // the query's state directory
	cache    *rocks.BlockCache
	// eos: the changelogs are written in transactions. A task's local
	// store may then hold writes of an aborted transaction, so it keeps no
	// checkpoint while running (a crash wipes it; the changelog's committed
	// records restore it) and writes one only on a clean close.
	eos bool
}

func (c *changelogs) topic(store string) string { return c.prefix + store + "-changelog" }

// newTaskStores opens partition p's state. With changelogs, a DB left by an
// earlier run is kept only if it has a checkpoint (what it holds is then
// known to match the changelogs up to the checkpointed offsets); otherwise
// it is wiped and restored from the changelogs.
func newTaskStores(log *changelogs, p int32) (*taskStores, error) {
	ts := &taskStores{partition: p, log: log, segs: mem.NewSegments()}
	if log == nil {
		ts.cache = cache.New(cache.Options{})
		return ts, nil
	}
	dir := filepath.Join(log.dir, strconv.Itoa(int(p)))
	ckpt, ok, err := rocks.ReadCheckpoint(dir)
	if err != nil || !ok {
		if err := rocks.Destroy(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("task %d: wipe state without checkpoint: %w", p, err)
		}
		ckpt = nil
	}
	db, err := rocks.Open(dir, rocks.Options{BlockCache: log.cache})
	if err != nil {
		return nil, fmt.Errorf("task %d: %w", p, err)
	}
	if log.eos {
		if err := db.RemoveCheckpoint(); err != nil {
			db.Close()
			return nil, fmt.Errorf("task %d: %w", p, err)
		}
	}
	ts.db, ts.ckpt = db, ckpt
	ts.cache = cache.New(cache.Options{Changelog: state.ChangelogFunc(ts.append)})
	return ts, nil
}

// append produces one changelog record to this task's partition of the
// store's changelog topic.
func (ts *taskStores) append(store string, key, value []byte) error {
	topic, ok := ts.topicOf[store]
	if !ok {
		topic = ts.log.topic(store)
		if ts.topicOf == nil {
			ts.topicOf = map[string]string{}
		}
		ts.topicOf[store] = topic
	}
	// The record's bytes outlive the caller's buffers (the producer holds
	// them until the broker acknowledges): they are carved from chunks, one
	// allocation for many records of a commit's flush.
	n := len(key) + len(value)
	if len(ts.chunk) < n {
		ts.chunk = make([]byte, max(n, 64<<10))
	}
	buf := ts.chunk[:n:n]
	ts.chunk = ts.chunk[n:]
	copy(buf, key)
	// The producer copies the record itself: one is reused.
	ts.rec = kafka.Record{Topic: topic, Partition: ts.partition, Key: buf[:len(key):len(key)],
		Timestamp: time.Now().UnixMilli()}
	if value != nil {
		copy(buf[len(key):], value)
		ts.rec.Value = buf[len(key):]
	}
	ts.log.produce(&ts.rec)
	return nil
}

// logRestore says, once the task's stores are open, where their state came
// from: the local DB kept from its checkpoint plus the changelog records
// after it, or (no usable checkpoint) the changelogs alone. A new task,
// which had nothing to restore, says nothing.
func (ts *taskStores) logRestore(query string) {
	switch {
	case ts.db == nil:
	case ts.ckpt != nil:
		ts.log.e.logf("query %s task %d: local state kept from its checkpoint; %d changelog records restored after it", query, ts.partition, ts.restored)
	case ts.restored > 0:
		ts.log.e.logf("query %s task %d: no checkpoint, local state rebuilt; %d changelog records restored", query, ts.partition, ts.restored)
	}
}

// checkpointed returns the changelog offset the local DB holds up to for a
// store's topic (0 without a checkpoint).
func (ts *taskStores) checkpointed(topic string) int64 {
	return ts.ckpt[topic]
}

// restore replays the store's changelog into dst, from the checkpoint on.
// peek sees every restored record (e.g. to recover stream time).
func (ts *taskStores) restore(store string, dst state.KeyValueStore, peek func(state.Record)) error {
	if ts.log == nil {
		return nil
	}
	topic := ts.log.topic(store)
	ts.topics = append(ts.topics, topic)
	recs := ts.log.e.readChangelog(topic, ts.partition, ts.checkpointed(topic), ts.log.progress)
	if peek != nil {
		inner := recs
		recs = func(yield func(state.Record, error) bool) {
			for r, err := range inner {
				if err == nil {
					peek(r)
				}
				if !yield(r, err) {
					return
				}
			}
		}
	}
	n, err := state.Restore(dst, recs, 0)
	ts.restored += n
	if ts.log.progress != nil {
		ts.log.progress.restored.Add(int64(n))
	}
	return err
}

// restoreProgress follows a query's state restores, for metrics. Tasks
// restore their stores when they start (on the first record of their
// partition after an assignment or a restart), one changelog partition at a
// time, and each such restore reads up to the end offset it saw at its start.
type restoreProgress struct {
	restored atomic.Int64 // records replayed since the query started here
	// partitions counts the changelog partitions being restored now, and
	// remaining the records they still have to replay before their end
	// offsets (gaps left by compaction count until they are passed).
	partitions, remaining atomic.Int64
}

// begin notes the start of a changelog partition's restore from offset from
// up to end. advance notes the offset after each record read; done, the
// end of the restore (complete or abandoned).
func (p *restoreProgress) begin(from, end int64) (advance func(next int64), done func()) {
	if p == nil {
		return func(int64) {}, func() {}
	}
	p.partitions.Add(1)
	p.remaining.Add(end - from)
	pos := from
	advance = func(next int64) {
		next = min(next, end)
		p.remaining.Add(pos - next)
		pos = next
	}
	done = func() {
		advance(end)
		p.partitions.Add(-1)
	}
	return advance, done
}

// openKV opens and restores a key-value store: RocksDB, or in memory.
func (ts *taskStores) openKV(name string) (state.KeyValueStore, error) {
	var s state.KeyValueStore = mem.New(name)
	if ts.db != nil {
		rs, err := ts.db.KeyValueStore(name)
		if err != nil {
			return nil, err
		}
		s = rs
	}
	return s, ts.restore(name, s, nil)
}

// kv opens a key-value store, restored and changelogged.
func (ts *taskStores) kv(name string) (state.KeyValueStore, error) {
	s, err := ts.openKV(name)
	if err != nil || ts.log == nil {
		return s, err
	}
	return state.Logged(s, state.ChangelogFunc(ts.append)), nil
}

// cachedKV opens a key-value store behind the task's write-back cache: its
// writes reach the store and the changelog at commit.
func (ts *taskStores) cachedKV(name string) (state.KeyValueStore, error) {
	s, err := ts.openKV(name)
	if err != nil {
		return nil, err
	}
	return ts.cache.Wrap(s), nil
}

func (ts *taskStores) segments() state.SegmentProvider {
	if ts.db != nil {
		return ts.db
	}
	return ts.segs
}

// logged wraps a segmented store's writes with the changelog.
func (ts *taskStores) logged(seg *state.Segmented) state.KeyValueStore {
	if ts.log == nil {
		return seg
	}
	return state.Logged(seg, state.ChangelogFunc(ts.append))
}

// window opens a window store; peek sees restored records. kv is the
// store's changelogged key-value layer, for writing batches of encoded
// window keys (state.WindowKey) at once.
func (ts *taskStores) window(name string, retention int64, peek func(state.Record)) (ws state.WindowStore, seg *state.Segmented, kv state.KeyValueStore, err error) {
	opts := state.WindowSegments(retention, 0)
	// No per-segment key filters: a windowed aggregation reads its windows
	// by exact key (a filter of record keys would pass nearly every group
	// after the first window), so the filter would only cost each write.
	opts.Key = nil
	if seg, err = state.NewSegmented(name, ts.segments(), opts); err != nil {
		return nil, nil, nil, err
	}
	if err := ts.restore(name, seg, peek); err != nil {
		return nil, nil, nil, err
	}
	kv = ts.logged(seg)
	return state.NewWindowStore(kv, seg, false), seg, kv, nil
}

// cachedSegments opens and restores a segmented store behind the
// write-back cache (its writes reach the store and the changelog at commit);
// peek sees restored records. wrap is the cache's Wrap or Buffer.
func (ts *taskStores) cachedSegments(name string, o state.SegmentOptions, peek func(state.Record),
	wrap func(state.KeyValueStore) *cache.Store) (*state.Segmented, state.KeyValueStore, error) {
	seg, err := state.NewSegmented(name, ts.segments(), o)
	if err != nil {
		return nil, nil, err
	}
	if err := ts.restore(name, seg, peek); err != nil {
		return nil, nil, err
	}
	return seg, wrap(seg), nil
}

// session opens a session store behind the write-back cache.
func (ts *taskStores) session(name string, retention int64, peek func(state.Record)) (state.SessionStore, *state.Segmented, error) {
	seg, kv, err := ts.cachedSegments(name, state.SessionSegments(retention, 0), peek, ts.cache.Wrap)
	if err != nil {
		return nil, nil, err
	}
	return state.NewSessionStore(kv, seg), seg, nil
}

// cachedWindow opens a window store that retains duplicates (a
// stream-stream join side) behind the write-back cache as a write buffer
// (cache.Buffer: the join writes each record once and reads by range scans,
// so flushed entries are not worth keeping); kv is its cached key-value
// layer, for writing encoded window keys.
func (ts *taskStores) cachedWindow(name string, retention int64) (state.WindowStore, state.KeyValueStore, error) {
	seg, kv, err := ts.cachedSegments(name, state.WindowSegments(retention, 0), nil, ts.cache.Buffer)
	if err != nil {
		return nil, nil, err
	}
	return state.NewWindowStore(kv, seg, true), kv, nil
}

// checkpoint makes the local DB durable up to the given changelog end
// offsets: memtables go to SST files first, then the offsets are recorded.
// Called after the changelog records are acknowledged.
func (ts *taskStores) checkpoint(ends map[string]kafka.Offsets) error {
	if ts.db == nil || len(ts.topics) == 0 {
		return nil
	}
	offs := map[string]int64{}
	for _, t := range ts.topics {
		offs[t] = ends[t][ts.partition]
	}
	if err := ts.db.Flush(); err != nil {
		return err
	}
	return ts.db.WriteCheckpoint(offs)
}

func (ts *taskStores) close() error {
	if ts.db == nil {
		return nil
	}
	return ts.db.Close()
}

// readChangelog reads one partition of a changelog topic from offset from to
// its current stable end: committed records only, so that state written by
// an aborted or still open transaction never comes back. prog, when not
// nil, follows the read.
func (e *Engine) readChangelog(topic string, partition int32, from int64, prog *restoreProgress) iter.Seq2[state.Record, error] {
	return func(yield func(state.Record, error) bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		ends, err := e.client.StableEndOffsets(ctx, topic)
		if err != nil {
			yield(state.Record{}, err)
			return
		}
		end, ok := ends[partition]
		if !ok || end <= from {
			return
		}
		advance, done := prog.begin(from, end)
		defer done()
		cons, err := e.client.NewPartitionConsumer(topic, kafka.Offsets{partition: from})
		if err != nil {
			yield(state.Record{}, err)
			return
		}
		defer cons.Close()
		for {
			recs, err := cons.Poll(ctx)
			if err != nil {
				yield(state.Record{}, fmt.Errorf("read %s[%d]: %w", topic, partition, err))
				return
			}
			if ctx.Err() != nil {
				yield(state.Record{}, fmt.Errorf("read %s[%d]: %w", topic, partition, ctx.Err()))
				return
			}
			for _, r := range recs {
				if r.Offset >= end {
					return
				}
				advance(r.Offset + 1)
				if !yield(state.Record{Key: r.Key, Value: r.Value}, nil) {
					return
				}
				if r.Offset+1 >= end {
					return
				}
			}
			// A transactional changelog ends with a commit marker.
			for _, m := range cons.Marks() {
				if m.Offset+1 >= end {
					return
				}
			}
		}
	}
}

// repartitionTopics lists the internal topics a topology reads back.
func repartitionTopics(t *planner.Topology) []string {
	var out []string
	for _, p := range t.Procs {
		if p.Kind == planner.ProcAggregate && p.Repartition {
			out = append(out, planner.RepartitionTopic)
		}
		if p.Kind == planner.ProcFKJoin {
			out = append(out, planner.FKSubscriptionTopic, planner.FKForeignTopic, planner.FKResponseTopic)
		}
		for _, topic := range p.JoinTopics {
			if topic != "" {
				out = append(out, topic)
			}
		}
	}
	return out
}

// internalTopics creates a stateful query's repartition and changelog
// topics (with as many partitions as its input, as ksqlDB does) and returns
// what its tasks need to use them.
func (e *Engine) internalTopics(ctx context.Context, s *Session, plan *planner.Plan, inputs []string) (*changelogs, error) {
	partitions := 1
	counts := map[string]int{}
	for _, t := range inputs {
		info, err := e.client.Topic(ctx, t)
		if err != nil {
			return nil, err
		}
		counts[t] = info.Partitions
		partitions = max(partitions, info.Partitions)
	}
	extra, err := e.changelogExtraRetention(s)
	if err != nil {
		return nil, err
	}
	windowed := windowStoreRetention(plan.Topology)
	prefix := e.internalPrefix(plan.QueryID)
	for _, name := range plan.Topology.Topics {
		partitions := partitions
		if from, ok := plan.Topology.PartitionsOf[name]; ok && counts[from] > 0 {
			// A re-keyed join input meets the other side's partitions.
			partitions = counts[from]
		}
		// Repartition records are read once, but records with old
		// timestamps must not be deleted before then.
		cfg := map[string]string{"cleanup.policy": "delete", "retention.ms": "-1"}
		if strings.HasSuffix(name, planner.ChangelogSuffix) {
			retention, ok := windowed[name]
			cfg = changelogConfig(retention, ok, extra.Milliseconds())
		}
		if err := e.client.CreateTopic(ctx, prefix+name, partitions, cfg); err != nil && !errors.Is(err, kafka.ErrTopicExists) {
			return nil, err
		}
	}
	return &changelogs{e: e, prefix: prefix, dir: filepath.Join(e.StateDir(), plan.QueryID), cache: e.blockCache()}, nil
}

// defaultChangelogExtraRetention is Kafka Streams' default
// windowstore.changelog.additional.retention.ms.
const defaultChangelogExtraRetention = 24 * time.Hour

// changelogExtraRetention reads Kafka Streams'
// windowstore.changelog.additional.retention.ms: how much longer than its
// store a window or session store's changelog keeps records.
func (e *Engine) changelogExtraRetention(s *Session) (time.Duration, error) {
	const name = "windowstore.changelog.additional.retention.ms"
	return e.millisProp(s, defaultChangelogExtraRetention, name, "ksql.streams."+name)
}

// millisProp reads a property (the first of names that is set) holding a
// number of milliseconds, 0 or more; def when none is set.
func (e *Engine) millisProp(s *Session, def time.Duration, names ...string) (time.Duration, error) {
	v := e.prop(s, names...)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid %s %q: want a number of milliseconds, 0 or more", names[0], v)
	}
	return time.Duration(n) * time.Millisecond, nil
}

// windowStoreRetention maps the changelog topics of a topology's window and
// session stores (windowed aggregations, stream-stream join sides) to how
// long (ms) their stores keep a window.
func windowStoreRetention(t *planner.Topology) map[string]int64 {
	out := map[string]int64{}
	for _, p := range t.Procs {
		switch {
		case p.Kind == planner.ProcAggregate && p.Window != nil:
			out[p.StoreName+planner.ChangelogSuffix] = windowRetention(p.Window, windowGrace(p.Window, p.Final))
		case p.Kind == planner.ProcJoin && p.Within != nil && len(p.JoinStores) >= 2:
			_, retention := joinWindowTimes(p.Within)
			for _, store := range p.JoinStores[:2] {
				out[store+planner.ChangelogSuffix] = max(retention, 1)
			}
		}
	}
	return out
}

// changelogConfig is a changelog topic's configuration, as Kafka Streams
// creates it. A key-value store's changelog keeps the latest value of each
// key (compact). A window or session store's keys include the window, so
// compaction alone would keep every window ever seen: its changelog also
// deletes records older than the store's retention plus extra
// (compact,delete), by which time the store has dropped them too.
func changelogConfig(retention int64, windowed bool, extra int64) map[string]string {
	if !windowed {
		return map[string]string{"cleanup.policy": "compact"}
	}
	ms := int64(math.MaxInt64)
	if retention <= math.MaxInt64-extra {
		ms = retention + extra
	}
	return map[string]string{"cleanup.policy": "compact,delete", "retention.ms": strconv.FormatInt(ms, 10)}
}

// checkpointInterval reads sluice.state.checkpoint.interval.ms: how often
// (at most) a query's tasks flush their RocksDB stores and write the
// checkpoint of the changelog offsets they hold, which a restart on the same
// state directory restores from (only the changelog records after it are
// replayed). Default 10 s; 0 checkpoints at every commit, as Kafka Streams
// does.
func (e *Engine) checkpointInterval(s *Session) (time.Duration, error) {
	return e.millisProp(s, defaultCheckpointInterval, "sluice.state.checkpoint.interval.ms")
}

// recordCache reads ksqlDB's cache.max.bytes.buffering: whether
// aggregations coalesce updates until commit, and how many decoded entries a
// task keeps between commits.
func (e *Engine) recordCache(s *Session) (coalesce bool, entries int) {
	bytes := int64(10_000_000)
	if v := e.prop(s, "cache.max.bytes.buffering", "ksql.streams.cache.max.bytes.buffering"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			bytes = n
		}
	}
	return bytes > 0, int(max(bytes/100, 10_000))
}

// commitInterval reads ksqlDB's commit.interval.ms (default 2 s).
func (e *Engine) commitInterval(s *Session) time.Duration {
	if v := e.prop(s, "commit.interval.ms", "ksql.streams.commit.interval.ms"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return time.Duration(n) * time.Millisecond
		}
	}
	return 2 * time.Second
}

// checkpoint records, for every task, the changelog offsets its local
// stores hold. The changelog records are acknowledged by now.
func (e *Engine) checkpoint(tasks []*task, log *changelogs) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends := map[string]kafka.Offsets{}
	for _, t := range tasks {
		for _, topic := range t.src.stores.topics {
			if _, ok := ends[topic]; ok {
				continue
			}
			o, err := e.client.EndOffsets(ctx, topic)
			if err != nil {
				return err
			}
			ends[topic] = o
		}
	}
	return eachTask(tasks, func(t *task) error { return t.src.stores.checkpoint(ends) })
}
