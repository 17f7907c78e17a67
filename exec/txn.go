package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
)

// Processing guarantees, ksqlDB's processing.guarantee values.
const (
	atLeastOnce   = "at_least_once"
	exactlyOnceV2 = "exactly_once_v2"
)

// guarantees are the values Kafka Streams accepts; the older exactly-once
// names run as exactly_once_v2, as current Kafka Streams versions do.
var guarantees = []string{atLeastOnce, "exactly_once", "exactly_once_beta", exactlyOnceV2}

// exactlyOnce reads processing.guarantee (session, then server config):
// whether a persistent query started now commits its outputs, changelogs
// and input offsets in Kafka transactions.
func (e *Engine) exactlyOnce(s *Session) (bool, error) {
	v := strings.ToLower(strings.TrimSpace(e.prop(s, "processing.guarantee", "ksql.streams.processing.guarantee")))
	switch v {
	case "", atLeastOnce:
		return false, nil
	case "exactly_once", "exactly_once_beta", exactlyOnceV2:
		return true, nil
	}
	return false, fmt.Errorf("Invalid value %s for configuration processing.guarantee: String must be one of: %s",
		v, strings.Join(guarantees, ", "))
}

// nodeID identifies this engine's state directory, as Kafka Streams' process
// id does: kept in the directory, so that a node restarted on the same state
// uses the same transactional ids and fences the transactions its previous
// incarnation left open.
func (e *Engine) nodeID() (string, error) {
	path := filepath.Join(e.StateDir(), "node-id")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	id := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(e.StateDir(), 0o755); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("node id: %w", err)
	}
	return id, nil
}

// startTxn opens a query's exactly-once session: the query's group consumer
// and its transactional producer, whose id is stable per query and node.
func (e *Engine) startTxn(ctx context.Context, group string, topics []string, earliest bool) (*kafka.TxnSession, error) {
	node, err := e.nodeID()
	if err != nil {
		return nil, err
	}
	id := group + "-" + node
	return e.client.NewTxnSession(ctx, kafka.TxnConfig{
		GroupConfig:     kafka.GroupConfig{Group: group, Topics: topics, Earliest: earliest},
		TransactionalID: id,
		InstanceID:      id,
	})
}

// txnLoop is what a persistent query's loop needs to run exactly-once.
type txnLoop struct {
	e     *Engine
	q     *runningQuery
	sess  *kafka.TxnSession
	group string
	// rebuild, for topologies whose state is in memory only (serial), replays
	// the input up to the committed offsets into fresh tasks; nil otherwise.
	rebuild func() error
	stale   bool // tasks must be rebuilt before the next record
}

// commit makes one transaction of everything processed since the last
// commit: the tasks' pending changelog records, then the outputs and the
// input offsets. An aborted transaction is not an error: every effect of
// its records is dropped, local state included, and the consumer is back at
// the committed offsets, so they are processed again.
func (l *txnLoop) commit(tasks *taskSet, pending []kafka.Record) error {
	if err := tasks.flush(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := l.sess.Commit(ctx)
	cancel()
	if err == nil {
		l.q.advance(pending)
		return nil
	}
	if !errors.Is(err, kafka.ErrAborted) {
		return err
	}
	l.e.logf("query %s: %v; reloading state from the committed changelogs", l.q.id, err)
	tasks.reset()
	l.stale = l.rebuild != nil
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, topic := range l.q.topics {
		offs, err := l.e.client.CommittedOffsets(ctx, l.group, topic)
		if err != nil {
			return err
		}
		l.q.setPositions(topic, offs)
	}
	return nil
}

// prepare runs before each poll: tasks dropped by an abort (or not yet
// built) get their in-memory state back first.
func (l *txnLoop) prepare() error {
	if !l.stale {
		return nil
	}
	if err := l.rebuild(); err != nil {
		return err
	}
	l.stale = false
	return nil
}

// reset drops every task and its local state; tasks are built again, from
// their changelogs, by the next records. Under exactly-once a task's store
// has no checkpoint while it runs, so reopening it wipes it first.
func (ts *taskSet) reset() {
	ts.close()
	clear(ts.tasks)
}

// replayInput feeds tasks the records of the query's input from where the
// query began (its "-start" group) up to the offsets committed under its
// group, with outputs and error reports muted: it rebuilds the state of
// in-memory processors (joins) exactly as it was at the last commit, without
// emitting again what the committed transactions already hold.
func (e *Engine) replayInput(ctx context.Context, q *runningQuery, tasks *taskSet, group string, topics []string) error {
	begin, end := map[string]kafka.Offsets{}, map[string]kafka.Offsets{}
	for _, topic := range topics {
		committed, err := e.client.CommittedOffsets(ctx, group, topic)
		if err != nil {
			return err
		}
		from, err := e.client.CommittedOffsets(ctx, group+"-start", topic)
		if err != nil {
			return err
		}
		if len(from) == 0 {
			if from, err = e.client.StartOffsets(ctx, topic); err != nil {
				return err
			}
		}
		b, en := kafka.Offsets{}, kafka.Offsets{}
		for p, o := range committed {
			if f, ok := from[p]; ok && f < o {
				b[p], en[p] = f, o
			}
		}
		if len(b) > 0 {
			begin[topic], end[topic] = b, en
		}
	}
	if len(begin) == 0 {
		return nil
	}
	cons, err := e.client.NewPartitionConsumerMulti(begin)
	if err != nil {
		return err
	}
	defer cons.Close()
	q.muted.Store(true)
	defer q.muted.Store(false)
	left := 0
	for _, offs := range end {
		left += len(offs)
	}
	// take tells whether r is below its partition's end, and counts the
	// partition done once r is the end's predecessor.
	take := func(r kafka.Record) bool {
		o, ok := end[r.Topic][r.Partition]
		if !ok || r.Offset >= o {
			return false
		}
		if r.Offset+1 >= o {
			delete(end[r.Topic], r.Partition)
			left--
		}
		return true
	}
	for left > 0 {
		pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		recs, err := cons.Poll(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("replaying the input of %s: %w", q.id, err)
		}
		marks := cons.Marks()
		if len(recs) == 0 && len(marks) == 0 {
			return fmt.Errorf("replaying the input of %s: no progress within 30s", q.id)
		}
		keep := recs[:0]
		for _, r := range recs {
			if take(r) {
				keep = append(keep, r)
			}
		}
		for _, m := range marks {
			take(m)
		}
		tasks.run(mergeByTime(keep), func(error) {})
	}
	return nil
}
