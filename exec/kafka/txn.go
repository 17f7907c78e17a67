package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TxnConfig configures a transactional session: a group consumer and a
// transactional producer in one client, so that the records produced and
// the input offsets consumed commit atomically (exactly-once, KIP-447).
type TxnConfig struct {
	GroupConfig
	// TransactionalID must be stable for the same work on the same node: a
	// restarted node's session fences the transactions its predecessor left
	// open, and aborts them, before it reads anything.
	TransactionalID string
	// InstanceID, when set, makes the consumer a static group member, so a
	// restarted node takes its partitions back without waiting for the dead
	// member's session to time out.
	InstanceID string
}

// TxnSession is one query's exactly-once consume-transform-produce loop.
// Records produced between two Commit calls form one transaction, together
// with the offsets of the records polled in between. It is not safe for
// concurrent use, except Producer, whose records may be queued from
// several goroutines.
type TxnSession struct {
	sess *kgo.GroupTransactSession
	cons *Consumer

	mu      sync.Mutex
	prodErr error // first produce failure of the open transaction
}

// txnTimeout bounds how long a transaction left open by a dead process
// holds back read_committed readers, should no successor fence it first.
const txnTimeout = 30 * time.Second

// NewTxnSession starts a session: it fences older sessions of the same
// transactional id (aborting their open transaction, whose pending offsets
// would otherwise block the group's offset fetch) and begins a transaction.
func (c *Client) NewTxnSession(ctx context.Context, cfg TxnConfig) (*TxnSession, error) {
	opts := append(groupOpts(c.seeds, cfg.GroupConfig),
		kgo.TransactionalID(cfg.TransactionalID),
		kgo.TransactionTimeout(txnTimeout),
		kgo.RequireStableFetchOffsets(),
		kgo.RecordPartitioner(partitioner()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(200000),
	)
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return nil, fmt.Errorf("transactional session %s: %w", cfg.TransactionalID, err)
	}
	s := &TxnSession{sess: sess, cons: &Consumer{cl: sess.Client(), group: true}}
	if _, _, err := sess.Client().ProducerID(ctx); err != nil {
		sess.Close()
		return nil, fmt.Errorf("transactional session %s: init producer id: %w", cfg.TransactionalID, err)
	}
	if err := sess.Begin(); err != nil {
		sess.Close()
		return nil, fmt.Errorf("transactional session %s: %w", cfg.TransactionalID, err)
	}
	return s, nil
}

// Consumer is the session's consumer; its Commit is a no-op (offsets
// commit with the transaction) and Close must not be called on it.
func (s *TxnSession) Consumer() *Consumer { return s.cons }

// Producer queues records in the open transaction. A failed record makes
// the next Commit abort.
func (s *TxnSession) Producer() *Producer {
	return newProducer(s.sess.Client(), func(err error) {
		s.mu.Lock()
		if s.prodErr == nil {
			s.prodErr = err
		}
		s.mu.Unlock()
	})
}

// ErrAborted reports a transaction that was aborted rather than committed
// (a rebalance, a fenced commit, a failed record): the consumer is back at
// the last committed offsets, and the caller must drop every effect of the
// records polled since, in-memory state included.
var ErrAborted = errors.New("transaction aborted")

// ErrProduceFailed marks, beside ErrAborted, a transaction aborted because
// one of its records could not be produced: unlike a rebalance, a cause
// that may come back every time the records are processed again.
var ErrProduceFailed = errors.New("a record could not be produced")

// Commit ends the open transaction, committing the records produced and
// the offsets polled since the last Commit, and begins the next one. It
// returns ErrAborted (wrapped) when the transaction was aborted instead;
// any other error means the session cannot go on.
func (s *TxnSession) Commit(ctx context.Context) error {
	s.mu.Lock()
	prodErr := s.prodErr
	s.prodErr = nil
	s.mu.Unlock()
	try := kgo.TryCommit
	if prodErr != nil {
		try = kgo.TryAbort
	}
	committed, err := s.sess.End(ctx, try)
	// A rebalance held back by BlockRebalanceOnPoll may now proceed: the
	// transaction is over either way.
	s.sess.AllowRebalance()
	if err != nil {
		return fmt.Errorf("end transaction: %w", err)
	}
	if err := s.sess.Begin(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	switch {
	case prodErr != nil:
		return fmt.Errorf("%w: %w: %w", ErrAborted, ErrProduceFailed, prodErr)
	case !committed:
		return fmt.Errorf("%w: the group rebalanced or the commit was refused", ErrAborted)
	}
	return nil
}

// Close aborts the open transaction (the caller commits what it wants
// kept first) and leaves the group.
func (s *TxnSession) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = s.sess.End(ctx, kgo.TryAbort)
	s.sess.CloseAllowingRebalance()
}
