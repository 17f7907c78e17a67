package exec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
)

// runningQuery is a persistent query's processing loop: it consumes its
// source topic as a member of the query's consumer group, runs each record
// through the pipeline, and commits input offsets only after the outputs of
// those records are acknowledged (at-least-once).
type runningQuery struct {
	id     string
	plan   *planner.Plan
	cancel context.CancelFunc
	done   chan struct{}

	in, out, errs atomic.Int64
	restore       restoreProgress // of its tasks' stores, from their changelogs
	late          atomic.Int64    // records (windows) dropped beyond their grace period
	mu            sync.Mutex
	failure       error
	topics        []string
	pos           map[string]kafka.Offsets // next offset to process, per topic and partition
	// polled is the next offset to fetch, per topic and partition, as far
	// as the loop has fetched beyond pos (records run but not committed).
	polled map[string]kafka.Offsets

	// reqs carries work (pull queries reading the tasks' state) that only
	// the loop goroutine may do; it serves them between polls. wake (under
	// mu) cancels the poll in progress so that an idle loop serves at once.
	reqs chan queryRequest
	wake context.CancelFunc

	// owned and revoked (under mu) track the partitions of the state topic
	// the consumer group gives this server; nil with direct assignment.
	owned, revoked map[int32]bool

	// plogOut, under exactly-once, writes the query's processing-log
	// entries in its transactions: the entries of records processed again
	// after an abort are not seen twice by read_committed readers.
	plogOut func(*kafka.Record)
}

func (q *runningQuery) setPositions(topic string, offs kafka.Offsets) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pos == nil {
		q.pos = map[string]kafka.Offsets{}
	}
	q.pos[topic] = kafka.Offsets{}
	for p, o := range offs {
		q.pos[topic][p] = o
	}
}

// advance records that recs are processed and their outputs flushed.
func (q *runningQuery) advance(recs []kafka.Record) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range recs {
		pos := q.pos[r.Topic]
		if pos == nil {
			pos = kafka.Offsets{}
			q.pos[r.Topic] = pos
		}
		if r.Offset+1 > pos[r.Partition] {
			pos[r.Partition] = r.Offset + 1
		}
	}
}

// notePolled records the positions of fetched records.
func (q *runningQuery) notePolled(recs []kafka.Record) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.polled == nil {
		q.polled = map[string]kafka.Offsets{}
	}
	for _, r := range recs {
		pos := q.polled[r.Topic]
		if pos == nil {
			pos = kafka.Offsets{}
			q.polled[r.Topic] = pos
		}
		pos[r.Partition] = max(pos[r.Partition], r.Offset+1)
	}
}

// fetchedUpTo returns, per partition of topic, the next offset not yet
// fetched.
func (q *runningQuery) fetchedUpTo(topic string) kafka.Offsets {
	out := q.positions(topic)
	q.mu.Lock()
	defer q.mu.Unlock()
	for p, o := range q.polled[topic] {
		out[p] = max(out[p], o)
	}
	return out
}

func (q *runningQuery) positions(topic string) kafka.Offsets {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := kafka.Offsets{}
	for p, o := range q.pos[topic] {
		out[p] = o
	}
	return out
}

// idleCommit is how long a query waits for more input before committing
// what it has processed, so that results and offsets do not wait for the
// commit interval when the input is quiet.
const idleCommit = 100 * time.Millisecond

// defaultCheckpointInterval is how often, by default, tasks make their
// local stores durable and record the changelog offsets they hold (Kafka
// Streams checkpoints at every commit; flushing memtables that often costs
// more than it saves here). See Engine.checkpointInterval.
const defaultCheckpointInterval = 10 * time.Second

// lastPerPartition keeps the position of the furthest record of each
// partition in recs: only topic, partition and offset, so that the fetched data is not
// held until the commit.
func lastPerPartition(recs []kafka.Record) []kafka.Record {
	type tp struct {
		topic string
		part  int32
	}
	var out []kafka.Record
	idx := map[tp]int{}
	for _, r := range recs {
		pos := kafka.Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}
		k := tp{r.Topic, r.Partition}
		if i, ok := idx[k]; ok {
			if pos.Offset > out[i].Offset {
				out[i] = pos
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, pos)
	}
	return out
}

// mergeByTime orders one poll's records of several topics by timestamp,
// keeping each partition's own order, as a Kafka Streams task picks the
// partition with the lowest head timestamp: a join sees its inputs in time
// order rather than in fetch order.
//
// Ties go to the partition met first in recs. A poll returns each
// partition's records together, so the queues are runs of recs (not
// copies), and the merge takes from the chosen queue every record that
// sorts before the other heads at once rather than comparing heads per
// record.
func mergeByTime(recs []kafka.Record) []kafka.Record {
	type queue struct {
		topic string
		part  int32
		runs  [][]kafka.Record // the partition's records in order; none empty
	}
	var qs []queue
	for i := 0; i < len(recs); {
		r := &recs[i]
		j := i + 1
		for j < len(recs) && recs[j].Partition == r.Partition && recs[j].Topic == r.Topic {
			j++
		}
		q := slices.IndexFunc(qs, func(q queue) bool { return q.part == r.Partition && q.topic == r.Topic })
		if q < 0 {
			q = len(qs)
			qs = append(qs, queue{topic: r.Topic, part: r.Partition})
		}
		qs[q].runs = append(qs[q].runs, recs[i:j])
		i = j
	}
	if len(qs) < 2 {
		return recs
	}
	head := func(q int) int64 { return qs[q].runs[0][0].Timestamp }
	out := make([]kafka.Record, 0, len(recs))
	for len(out) < len(recs) {
		// best has the lowest head; next, the lowest head of the others.
		best, next := -1, -1
		for i := range qs {
			if len(qs[i].runs) == 0 {
				continue
			}
			switch ts := head(i); {
			case best < 0 || ts < head(best):
				best, next = i, best
			case next < 0 || ts < head(next):
				next = i
			}
		}
		run := qs[best].runs[0]
		n := len(run)
		if next >= 0 {
			// Take while the head stays the lowest: below next's head, or
			// equal to it when best comes first.
			lim := head(next)
			n = 1
			for n < len(run) && (run[n].Timestamp < lim || run[n].Timestamp == lim && best < next) {
				n++
			}
		}
		out = append(out, run[:n]...)
		if n == len(run) {
			qs[best].runs = qs[best].runs[1:]
		} else {
			qs[best].runs[0] = run[n:]
		}
	}
	return out
}

func (q *runningQuery) stop() {
	q.cancel()
	<-q.done
}

func (e *Engine) groupID(queryID string) string {
	return "_confluent-ksql-" + e.cfg.ServiceID + "query_" + queryID
}

// internalPrefix starts the names of a query's internal topics.
func (e *Engine) internalPrefix(queryID string) string { return e.groupID(queryID) + "-" }

// startPersistent starts a planned persistent query and registers it.
// Called with e.mu held.
func (e *Engine) startPersistent(ctx context.Context, s *Session, plan *planner.Plan, sql string) error {
	q := &runningQuery{id: plan.QueryID, plan: plan, done: make(chan struct{}), reqs: make(chan queryRequest, 16)}
	eos, err := e.exactlyOnce(s)
	if err != nil {
		return err
	}
	var produceErr atomic.Value
	// Under exactly-once, producer becomes the query's transactional
	// producer once its session is open (below), before any record flows.
	producer := e.client.Producer(func(err error) { produceErr.Store(err) })
	bg := context.Background()
	produce := func(r *kafka.Record) error {
		producer.Produce(bg, r)
		q.out.Add(1)
		return nil
	}
	internal := func(r *kafka.Record) { producer.Produce(bg, r) }
	report := func(err error) { e.reportRecordError(q, err) }
	// Read before any internal topic is created: a bad value leaves none.
	ckptEvery, err := e.checkpointInterval(s)
	if err != nil {
		return err
	}
	// Check the topology builds before starting; tasks build their own copy.
	if _, err := buildPipeline(plan.Topology, buildEnv{produce: produce, report: report}); err != nil {
		return err
	}
	topics := topologyTopics(plan.Topology)
	env := buildEnv{produce: produce, report: report, badTimeFatal: strings.EqualFold(e.prop(s, "ksql.timestamp.throw.on.invalid"), "true")}
	var log *changelogs
	if statefulTopology(plan.Topology) {
		// Aggregations and joins keep their state in stores with
		// changelogs, one task per partition; rows reach the task of their
		// group or join key through repartition topics.
		var err error
		if log, err = e.internalTopics(ctx, s, plan, topics); err != nil {
			return err
		}
		log.produce, log.progress, log.eos = internal, &q.restore, eos
		env.internal, env.topicPrefix = internal, log.prefix
		env.coalesce, env.maxCache = e.recordCache(s)
		for _, t := range repartitionTopics(plan.Topology) {
			topics = append(topics, log.prefix+t)
		}
	}
	interval := e.commitInterval(s)
	tasks := newTaskSet(func(p int32) (*pipeline, error) {
		env := env
		if log != nil {
			ts, err := newTaskStores(log, p)
			if err != nil {
				return nil, err
			}
			env.stores = ts
		}
		pl, err := buildPipeline(plan.Topology, env)
		if err != nil && env.stores != nil {
			// Release the DB, or a retry finds it locked.
			env.stores.close()
		}
		if err == nil && env.stores != nil {
			env.stores.logRestore(q.id)
		}
		return pl, err
	})
	q.topics = topics
	group := e.groupID(plan.QueryID)
	earliest := e.earliest(s)
	start := map[string]kafka.Offsets{}
	for _, topic := range topics {
		committed, err := e.client.CommittedOffsets(ctx, group, topic)
		if err != nil {
			return err
		}
		// Pin the starting position now, so records written right after the
		// statement returns are processed even though the consumer starts later.
		if len(committed) == 0 {
			if earliest {
				committed, err = e.client.StartOffsets(ctx, topic)
			} else {
				committed, err = e.client.EndOffsets(ctx, topic)
			}
			if err != nil {
				return err
			}
			if err := e.client.CommitOffsets(ctx, group, topic, committed); err != nil {
				return err
			}
		}
		q.setPositions(topic, committed)
		start[topic] = committed
	}
	var cons *kafka.Consumer
	var commit func(context.Context) error
	var txn *txnLoop
	closeCons := func() { cons.Close() }
	if eos {
		sess, err := e.startTxn(ctx, group, topics, earliest)
		if err != nil {
			return err
		}
		txn = &txnLoop{e: e, q: q, sess: sess, group: group}
		cons, closeCons, producer = sess.Consumer(), sess.Close, sess.Producer()
		q.plogOut = internal
	} else if e.cfg.DirectAssignment {
		offs := map[string]kafka.Offsets{}
		for _, topic := range topics {
			committed := start[topic]
			all, err := e.client.StartOffsets(ctx, topic)
			if err != nil {
				return err
			}
			for p, o := range all {
				if c, ok := committed[p]; ok {
					all[p] = c
				} else if !earliest {
					// A partition added since: start at its beginning, as Kafka Streams does.
					all[p] = o
				}
			}
			q.setPositions(topic, all)
			offs[topic] = all
		}
		var err error
		if len(topics) == 1 {
			cons, err = e.client.NewPartitionConsumer(topics[0], offs[topics[0]])
		} else {
			cons, err = e.client.NewPartitionConsumerMulti(offs)
		}
		if err != nil {
			return err
		}
		commit = func(ctx context.Context) error {
			for _, topic := range topics {
				if err := e.client.CommitOffsets(ctx, group, topic, q.positions(topic)); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		var err error
		if cons, err = e.client.NewGroupConsumer(e.groupConfig(q, group, topics, earliest)); err != nil {
			return err
		}
		commit = cons.Commit
	}
	multi := len(topics) > 1
	feeds, rekeyed := rekeyFeeds(plan.Topology), map[string]bool{}
	if log != nil {
		for _, t := range repartitionTopics(plan.Topology) {
			rekeyed[log.prefix+t] = true
		}
	}
	// Registered before the loop starts, so that a failure of the loop
	// (q.fail) is what SHOW QUERIES shows, not overwritten by RUNNING.
	e.queries[q.id] = q
	e.cat.AddQuery(&catalog.Query{ID: q.id, SQL: sql, Sink: plan.Sink.Name, Sources: plan.Sources, State: catalog.Running})
	qctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	go func() {
		defer close(q.done)
		defer closeCons()
		defer tasks.close()
		// Outputs are flushed and input offsets committed together, at most
		// every commitInterval and whenever the input runs dry, so the
		// producer overlaps with processing instead of a flush per poll.
		var pending []kafka.Record
		last := time.Now()
		lastCheckpoint := time.Now()
		// uncheckpointed: commits since the last checkpoint, which an idle
		// query still writes once the checkpoint interval has passed.
		uncheckpointed := false
		checkpointIfDue := func() {
			if !uncheckpointed || time.Since(lastCheckpoint) < ckptEvery {
				return
			}
			lastCheckpoint, uncheckpointed = time.Now(), false
			if err := e.checkpoint(tasks.list(), log); err != nil {
				e.logf("query %s: checkpoint: %v", q.id, err)
			}
		}
		// failed: the query failed as a whole. Nothing more is committed:
		// the records of the batch that failed are not all processed (under
		// exactly-once, closing the session aborts the open transaction).
		failed := false
		die := func(err error) {
			failed = true
			q.fail(e, err)
		}
		// flushCommit makes the outputs of pending durable, then commits
		// their input offsets: a crash in between re-processes, never loses.
		flushCommit := func() bool {
			if len(pending) == 0 {
				return true
			}
			if txn != nil {
				if err := txn.commit(tasks, pending); err != nil {
					die(err)
					return false
				}
				pending = pending[:0]
				last = time.Now()
				return true
			}
			err := tasks.flush()
			fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err == nil {
				err = e.client.Flush(fctx)
			}
			fcancel()
			if v := produceErr.Load(); v != nil && err == nil {
				err = v.(error)
			}
			if err != nil {
				die(err)
				return false
			}
			q.advance(pending)
			pending = pending[:0]
			last = time.Now()
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := commit(cctx); err != nil && !errors.Is(err, context.Canceled) {
				e.logf("query %s: %v", q.id, err)
			}
			ccancel()
			uncheckpointed = log != nil
			checkpointIfDue()
			return true
		}
		defer func() {
			if !failed && flushCommit() && log != nil {
				lastCheckpoint = time.Time{}
				if err := e.checkpoint(tasks.list(), log); err != nil {
					e.logf("query %s: checkpoint: %v", q.id, err)
				}
			}
		}()
		for qctx.Err() == nil {
			e.closeRevoked(q, tasks, log)
			q.serve(tasks)
			var pctx context.Context
			var pcancel context.CancelFunc
			if len(pending) > 0 {
				// Commit when the input runs dry (a poll finds nothing for
				// idleCommit) or at the commit interval, whichever is first.
				pctx, pcancel = context.WithTimeout(qctx, min(idleCommit, max(interval-time.Since(last), time.Millisecond)))
			} else if uncheckpointed {
				// Idle, with commits not checkpointed yet: wake up for it.
				pctx, pcancel = context.WithTimeout(qctx, max(ckptEvery-time.Since(lastCheckpoint), time.Millisecond))
			} else {
				pctx, pcancel = context.WithCancel(qctx)
			}
			q.armWake(pcancel)
			recs, err := cons.Poll(pctx)
			q.armWake(nil)
			woken := errors.Is(pctx.Err(), context.Canceled) && qctx.Err() == nil
			pcancel()
			// Callbacks run before Poll returns records of a new assignment.
			e.closeRevoked(q, tasks, log)
			if woken && len(recs) == 0 && err == nil {
				continue // a request to serve, not the input running dry
			}
			if err != nil && qctx.Err() == nil {
				e.logf("query %s: %v", q.id, err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			q.notePolled(recs)
			if multi && len(recs) > 0 {
				recs = e.fillLagging(qctx, cons, q, recs, nil)
			}
			if len(feeds) > 0 {
				var fed []kafka.Record
				recs, fed, err = e.rekeyFirst(qctx, cons, q, recs, feeds, rekeyed, tasks, report)
				if err != nil {
					die(err)
					return
				}
				pending = append(pending, fed...)
			}
			q.in.Add(int64(len(recs)))
			if multi {
				recs = mergeByTime(recs)
			}
			if err := tasks.run(recs, report); err != nil {
				die(err)
				return
			}
			// Transaction markers count as consumed: the position must reach
			// the end offset of a transactionally written input.
			pending = append(pending, lastPerPartition(append(recs, cons.Marks()...))...)
			if len(pending) == 0 {
				checkpointIfDue()
				continue
			}
			if len(recs) > 0 && time.Since(last) < interval {
				continue
			}
			if !flushCommit() {
				return
			}
		}
	}()
	return nil
}

// WaitIdle waits until every persistent query has processed everything in
// its input topics (and so, for chained queries, everything upstream
// produced), or ctx ends. Tests and the conformance runner use it.
func (e *Engine) WaitIdle(ctx context.Context) error {
	idleRounds := 0
	for idleRounds < 2 {
		idle, err := e.idle(ctx)
		if err != nil {
			return err
		}
		if idle {
			idleRounds++
		} else {
			idleRounds = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

func (e *Engine) idle(ctx context.Context) (bool, error) {
	e.mu.Lock()
	qs := make([]*runningQuery, 0, len(e.queries))
	for _, q := range e.queries {
		qs = append(qs, q)
	}
	e.mu.Unlock()
	for _, q := range qs {
		if ok, err := e.caughtUp(ctx, q); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// caughtUp reports whether q has processed (and committed) its whole input.
// A failed query counts as caught up: it will not move.
func (e *Engine) caughtUp(ctx context.Context, q *runningQuery) (bool, error) {
	q.mu.Lock()
	failed := q.failure != nil
	q.mu.Unlock()
	if failed {
		return true, nil
	}
	for _, topic := range q.topics {
		end, err := e.client.EndOffsets(ctx, topic)
		if err != nil {
			return false, err
		}
		pos, err := e.progress(ctx, q, topic)
		if err != nil {
			return false, err
		}
		for p, o := range end {
			if pos[p] < o {
				return false, nil
			}
		}
	}
	return true, nil
}

// progress is how far q has processed topic, per partition. With a
// consumer group, other servers process the partitions this one does not
// own (or owns since a moment): the group's commits tell how far they are.
func (e *Engine) progress(ctx context.Context, q *runningQuery, topic string) (kafka.Offsets, error) {
	pos := q.positions(topic)
	if e.cfg.DirectAssignment {
		return pos, nil
	}
	committed, err := e.client.CommittedOffsets(ctx, e.groupID(q.id), topic)
	if err != nil {
		return nil, err
	}
	for p, o := range committed {
		pos[p] = max(pos[p], o)
	}
	return pos, nil
}

// maxTaskIdle bounds how long a query reading several topics waits for a
// partition that has records not yet fetched when a poll brings none of
// them (Kafka Streams' max.task.idle.ms; as long as they keep arriving, it
// keeps waiting, as Kafka Streams does for a partition with known lag).
const maxTaskIdle = 250 * time.Millisecond

// fillLagging keeps polling while an input partition that may hold records
// older than those in hand has records not fetched yet: records of all
// topics are then merged in time order, so a join sees a table row before
// the stream records after it even when they arrive in different fetches
// (a stream read at full speed would otherwise run ahead of a table still
// being read). force names topics to wait for whatever the times.
func (e *Engine) fillLagging(ctx context.Context, cons *kafka.Consumer, q *runningQuery, recs []kafka.Record, force map[string]bool) []kafka.Record {
	idleSince := time.Now()
	var paused []string
	defer func() {
		if len(paused) > 0 {
			cons.ResumeTopics(paused...)
		}
	}()
	// Kept up to date with each poll rather than recomputed from all the
	// records in hand: this loop may go round many times while a side
	// catches up, and a scan per round was a tenth of a join's CPU.
	newest := newestTimes{}
	newest.note(recs)
	// The polls are joined once at the end: appending each to recs copied
	// the records again every time the slice grew.
	var polls [][]kafka.Record
	n := len(recs)
	for time.Since(idleSince) < maxTaskIdle && ctx.Err() == nil {
		need, err := e.laggingInputs(ctx, q, newest, force)
		if err != nil || len(need) == 0 {
			break
		}
		// Stop reading the topics not waited for, or a stream read at full
		// speed piles up in memory while a table catches up.
		for _, topic := range q.topics {
			waited := false
			for k := range need {
				waited = waited || k.topic == topic
			}
			switch i := slices.Index(paused, topic); {
			case !waited && i < 0:
				paused = append(paused, topic)
				cons.PauseTopics(topic)
			case waited && i >= 0:
				paused = slices.Delete(paused, i, i+1)
				cons.ResumeTopics(topic)
			}
		}
		pctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		more, _ := cons.Poll(pctx)
		cancel()
		q.notePolled(more)
		for _, r := range more {
			if need[topicPartition{r.Topic, r.Partition}] {
				idleSince = time.Now()
				break
			}
		}
		newest.note(more)
		polls = append(polls, more)
		n += len(more)
	}
	if len(polls) == 0 {
		return recs
	}
	out := make([]kafka.Record, 0, n)
	out = append(out, recs...)
	for _, p := range polls {
		out = append(out, p...)
	}
	return out
}

type topicPartition struct {
	topic     string
	partition int32
}

// newestTimes is, per input partition, the time of the newest record in
// hand.
type newestTimes map[topicPartition]int64

// note takes recs into account. A poll returns each partition's records
// together, so the map is read once per run of one partition's records
// rather than once per record.
func (n newestTimes) note(recs []kafka.Record) {
	for i := 0; i < len(recs); {
		r := &recs[i]
		ts := r.Timestamp
		j := i + 1
		for ; j < len(recs) && recs[j].Partition == r.Partition && recs[j].Topic == r.Topic; j++ {
			ts = max(ts, recs[j].Timestamp)
		}
		k := topicPartition{r.Topic, r.Partition}
		if v, ok := n[k]; !ok || ts > v {
			n[k] = ts
		}
		i = j
	}
}

// laggingInputs lists the input partitions worth waiting for: not fetched
// to their end, and either forced, or behind the records in hand (whose
// newest times are newest) for the same task partition (none in hand, or
// the newest in hand older than the newest of another topic). With force,
// only the forced topics count.
func (e *Engine) laggingInputs(ctx context.Context, q *runningQuery, newest newestTimes, force map[string]bool) (map[topicPartition]bool, error) {
	newestOther := map[int32]int64{} // per partition, over all topics
	for k, ts := range newest {
		if v, ok := newestOther[k.partition]; !ok || ts > v {
			newestOther[k.partition] = ts
		}
	}
	behind := func(k topicPartition) bool {
		if force[k.topic] {
			return true
		}
		others, ok := newestOther[k.partition]
		if !ok {
			return false // nothing in hand for this task: nothing to order against
		}
		mine, ok := newest[k]
		return !ok || mine < others
	}
	var need map[topicPartition]bool
	for _, topic := range q.topics {
		if len(force) > 0 && !force[topic] {
			// Waiting for re-keyed records only: a table read meanwhile
			// could bring updates later than the records still to re-key.
			continue
		}
		waiting := force[topic]
		for p := range newestOther {
			waiting = waiting || behind(topicPartition{topic, p})
		}
		if !waiting {
			continue
		}
		end, err := e.client.EndOffsets(ctx, topic)
		if err != nil {
			return nil, err
		}
		fetched := q.fetchedUpTo(topic)
		for p, o := range end {
			if k := (topicPartition{topic, p}); fetched[p] < o && behind(k) {
				if need == nil {
					need = map[topicPartition]bool{}
				}
				need[k] = true
			}
		}
	}
	return need, nil
}

// rekeyFirst runs the records of the topics that feed repartition topics
// of joins (feeds) first and waits for what they write there: the join
// then sees both sides in time order, as Kafka Streams' test driver does,
// instead of a side read in place running ahead of its re-keyed partner.
// rekeyed names the repartition topics. It returns the records still to run
// and the positions of those run.
func (e *Engine) rekeyFirst(ctx context.Context, cons *kafka.Consumer, q *runningQuery, recs []kafka.Record, feeds, rekeyed map[string]bool,
	tasks *taskSet, report func(error)) (rest, fed []kafka.Record, err error) {
	// Bounded: records keep arriving on a busy input.
	for range 16 {
		var feed []kafka.Record
		rest = nil
		for _, r := range recs {
			if feeds[r.Topic] {
				feed = append(feed, r)
			} else {
				rest = append(rest, r)
			}
		}
		if len(feed) == 0 || ctx.Err() != nil {
			return rest, fed, nil
		}
		q.in.Add(int64(len(feed)))
		if err := tasks.run(mergeByTime(feed), report); err != nil {
			return nil, nil, err
		}
		fed = append(fed, lastPerPartition(feed)...)
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := e.client.Flush(fctx)
		cancel()
		if err != nil {
			return rest, fed, nil
		}
		recs = e.fillLagging(ctx, cons, q, rest, rekeyed)
	}
	return recs, fed, nil
}

// rekeyFeeds lists the input topics whose rows reach a join through a
// repartition topic.
func rekeyFeeds(t *planner.Topology) map[string]bool {
	byName := map[string]*planner.Proc{}
	parents := map[string][]string{}
	for _, p := range t.Procs {
		byName[p.Name] = p
		for _, c := range p.Children {
			parents[c] = append(parents[c], p.Name)
		}
	}
	feeds := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		p := byName[name]
		if p == nil {
			return
		}
		if p.Kind == planner.ProcSource {
			feeds[p.Topic] = true
		}
		for _, up := range parents[name] {
			walk(up)
		}
	}
	for _, p := range t.Procs {
		if p.Kind != planner.ProcJoin {
			continue
		}
		for side, rep := range p.JoinRepartition {
			if rep && side < len(p.JoinInputs) {
				walk(p.JoinInputs[side])
			}
		}
	}
	return feeds
}

// drain waits (bounded) until q has processed its input written so far, so a
// query upgrade takes over exactly where the old plan stopped.
func (e *Engine) drain(ctx context.Context, id string, limit time.Duration) {
	q := e.queries[id]
	if q == nil {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok, err := e.caughtUp(ctx, q); ok || err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (q *runningQuery) fail(e *Engine, err error) {
	q.mu.Lock()
	q.failure = err
	q.mu.Unlock()
	e.logf("query %s failed: %v", q.id, err)
	e.cat.SetQueryState(q.id, catalog.Error, err.Error(), time.Now())
}

// failedStart registers a persistent query that could not start while
// the command topic was replayed. Its statement was accepted (here or by
// another server), so rather than vanish it stays, with its sink, shown as
// ERROR with the reason until it is terminated. Called with e.mu held.
func (e *Engine) failedStart(plan *planner.Plan, sql string, err error) {
	e.logf("query %s failed to start: %v", plan.QueryID, err)
	e.cat.AddQuery(&catalog.Query{ID: plan.QueryID, SQL: sql, Sink: plan.Sink.Name, Sources: plan.Sources,
		State: catalog.Error, Err: err.Error(), Failed: time.Now()})
}

// forgetQuery removes what a terminated query leaves behind: its consumer
// groups, its local state and (unless replaying the command topic, when
// another server may still be shutting it down) its internal topics.
func (e *Engine) forgetQuery(ctx context.Context, id string, replay bool) {
	os.RemoveAll(filepath.Join(e.StateDir(), id))
	if replay {
		return
	}
	e.client.DeleteGroup(ctx, e.groupID(id))
	prefix := e.internalPrefix(id)
	if topics, err := e.client.Topics(ctx, true); err == nil {
		for _, t := range topics {
			if strings.HasPrefix(t.Name, prefix) {
				_ = e.client.DeleteTopic(ctx, t.Name)
			}
		}
	}
}

// stopQuery stops a running persistent query. Called with e.mu held.
func (e *Engine) stopQuery(id string) {
	if q, ok := e.queries[id]; ok {
		q.stop()
		delete(e.queries, id)
	}
}
