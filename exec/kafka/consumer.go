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
	// marks holds the positions of the transaction markers polled since
	// the last Marks call: they are never handed out as records, but a
	// reader that must reach an end offset (restore, caught-up checks,
	// offset commits) has to count them as consumed.
	marks []Record
}

// Marks returns, and forgets, the positions (topic, partition, offset) of
// the transaction markers consumed since the last call.
func (c *Consumer) Marks() []Record {
	m := c.marks
	c.marks = nil
	return m
}

// mark keeps the latest marker position of kr's partition, so that a
// consumer whose caller never asks for marks holds one per partition.
func (c *Consumer) mark(kr *kgo.Record) {
	for i := range c.marks {
		if m := &c.marks[i]; m.Topic == kr.Topic && m.Partition == kr.Partition {
			m.Offset = max(m.Offset, kr.Offset)
			return
		}
	}
	c.marks = append(c.marks, Record{Topic: kr.Topic, Partition: kr.Partition, Offset: kr.Offset})
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
	cl, err := kgo.NewClient(groupOpts(c.seeds, cfg)...)
	if err != nil {
		return nil, fmt.Errorf("consumer group %s: %w", cfg.Group, err)
	}
	return &Consumer{cl: cl, group: true}, nil
}

// groupOpts are the options of a query's group consumer, transactional or not.
func groupOpts(seeds []string, cfg GroupConfig) []kgo.Opt {
	reset := kgo.NewOffset().AtEnd()
	if cfg.Earliest {
		reset = kgo.NewOffset().AtStart()
	}
	opts := append(baseOpts(seeds),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.ConsumeResetOffset(reset),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(10_000_000_000),
		kgo.FetchMaxWait(100_000_000),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	)
	if cfg.OnRevoked != nil {
		fn := func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			for t, ps := range m {
				cfg.OnRevoked(t, ps)
			}
		}
		opts = append(opts, kgo.OnPartitionsRevoked(fn), kgo.OnPartitionsLost(fn))
	}
	return opts
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
	fs.EachRecord(func(kr *kgo.Record) {
		if kr.Attrs.IsControl() {
			c.mark(kr)
			return
		}
		out = append(out, fromKgo(kr))
	})
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
		kgo.KeepControlRecords(),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer of %d topics: %w", len(offs), err)
	}
	return &Consumer{cl: cl}, nil
}
