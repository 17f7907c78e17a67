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
	return parseGuarantee(e.prop(s, "processing.guarantee", "ksql.streams.processing.guarantee"))
}

// parseGuarantee reads a processing.guarantee value: whether it is exactly-once.
func parseGuarantee(v string) (bool, error) {
	v = strings.ToLower(strings.TrimSpace(v))
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
	// produceAborts counts the transactions aborted in a row because a
	// record could not be produced.
	produceAborts int
}

// maxProduceAborts is how many transactions in a row may abort on a
// failed record before the query fails with its error: a record the broker
// keeps refusing (too large for the topic, no authorisation) would
// otherwise abort and retry forever. Retries wait abortBackoff, doubling.
const (
	maxProduceAborts = 5
	abortBackoff     = 200 * time.Millisecond
)

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
		l.produceAborts = 0
		l.q.advance(pending)
		return nil
	}
	if !errors.Is(err, kafka.ErrAborted) {
		return err
	}
	if errors.Is(err, kafka.ErrProduceFailed) {
		l.produceAborts++
		if l.produceAborts >= maxProduceAborts {
			return fmt.Errorf("%d transactions in a row aborted: %w", l.produceAborts, err)
		}
		time.Sleep(abortBackoff << (l.produceAborts - 1))
	}
	l.e.logf("query %s: %v; reloading state from the committed changelogs", l.q.id, err)
	tasks.reset()
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

// reset drops every task and its local state; tasks are built again, from
// their changelogs, by the next records. Under exactly-once a task's store
// has no checkpoint while it runs, so reopening it wipes it first.
func (ts *taskSet) reset() {
	ts.close()
	clear(ts.tasks)
}
