package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Consumer reads records, either as a member of a consumer group (persistent
// queries: partitions are shared between servers and offsets committed) or
// from explicit partition offsets (push queries, PRINT, tests).
type Consumer struct {
	cl    *kgo.Client
	group bool
}

// GroupConfig configures a group consumer.
type GroupConfig struct {
	Group    string
	Topics   []string
	Earliest bool // where to start without a committed offset
	// OnRevoked runs before partitions are taken away (rebalance or close).
	OnRevoked func(topic string, partitions []int32)
}

// NewGroupConsumer joins a consumer group. Rebalances happen only between
// Poll calls (after the caller has flushed and committed), which keeps the
// at-least-once commit order simple.
func (c *Client) NewGroupConsumer(cfg GroupConfig) (*Consumer, error) {
	reset := kgo.NewOffset().AtEnd()
	if cfg.Earliest {
		reset = kgo.NewOffset().AtStart()
	}
	opts := append(baseOpts(c.seeds),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.ConsumeResetOffset(reset),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(10_000_000_000),
		kgo.FetchMaxWait(100_000_000),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if cfg.OnRevoked != nil {
		fn := func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			for t, ps := range m {
				cfg.OnRevoked(t, ps)
			}
		}
		opts = append(opts, kgo.OnPartitionsRevoked(fn), kgo.OnPartitionsLost(fn))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer group %s: %w", cfg.Group, err)
	}
	return &Consumer{cl: cl, group: true}, nil
}

// NewPartitionConsumer reads topic from the given offsets (partitions not
// listed are not read).
func (c *Client) NewPartitionConsumer(topic string, offs Offsets) (*Consumer, error) {
	return c.NewPartitionConsumerMulti(map[string]Offsets{topic: offs})
}

// Poll waits for records (until ctx ends). A canceled ctx returns no error
// and no records.
func (c *Consumer) Poll(ctx context.Context) ([]Record, error) {
	fs := c.cl.PollFetches(ctx)
	if fs.IsClientClosed() {
		return nil, errors.New("consumer closed")
	}
	var firstErr error
	fs.EachError(func(t string, p int32, err error) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("fetch %s[%d]: %w", t, p, err)
		}
	})
	out := make([]Record, 0, fs.NumRecords())
	fs.EachRecord(func(kr *kgo.Record) { out = append(out, fromKgo(kr)) })
	return out, firstErr
}

// Commit commits the offsets of everything polled so far and then lets a
// pending rebalance proceed. Call it after the outputs of those records are
// flushed.
func (c *Consumer) Commit(ctx context.Context) error {
	if !c.group {
		return nil
	}
	defer c.cl.AllowRebalance()
	if err := c.cl.CommitUncommittedOffsets(ctx); err != nil {
		return fmt.Errorf("commit offsets: %w", err)
	}
	return nil
}

// Close leaves the group (if any) and releases the consumer.
func (c *Consumer) Close() {
	if c.group {
		c.cl.AllowRebalance()
	}
	c.cl.Close()
}

// NewPartitionConsumerMulti reads several topics from the given offsets
// (partitions not listed are not read).
func (c *Client) NewPartitionConsumerMulti(offs map[string]Offsets) (*Consumer, error) {
	all := map[string]map[int32]kgo.Offset{}
	for topic, po := range offs {
		parts := map[int32]kgo.Offset{}
		for p, o := range po {
			parts[p] = kgo.NewOffset().At(o)
		}
		all[topic] = parts
	}
	opts := append(baseOpts(c.seeds),
		kgo.ConsumePartitions(all),
		kgo.FetchMaxWait(100_000_000),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer of %d topics: %w", len(offs), err)
	}
	return &Consumer{cl: cl}, nil
}
