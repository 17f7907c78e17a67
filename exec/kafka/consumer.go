package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	// OnAssigned runs when partitions are given to this member.
	OnAssigned func(topic string, partitions []int32)
	// InstanceID, when set, makes this a static member (KIP-345): it does
	// not leave the group on close, and a member rejoining with the same id
	// within the session timeout gets its partitions back without a
	// rebalance.
	InstanceID string
	// SessionTimeout is how long the group waits for a silent member
	// before giving its partitions to others (default 10 s).
	SessionTimeout time.Duration
	// UserData travels in the member's join metadata, for other members
	// and admin clients to read (GroupMembers): e.g. its REST address.
	UserData []byte
}

// NewGroupConsumer joins a consumer group. Rebalances happen only between
// Poll calls (after the caller has flushed and committed), which keeps the
// at-least-once commit order simple.
//
// Partitions are assigned by Kafka's range assignor: when the topics have
// the same number of partitions, partition p of every topic goes to the
// same member, which is what a task reading an input partition and the
// matching repartition partition needs (Kafka Streams' co-partitioning).
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
	session := cfg.SessionTimeout
	if session <= 0 {
		session = 10 * time.Second
	}
	opts := append(baseOpts(seeds),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.ConsumeResetOffset(reset),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.Balancers(userDataBalancer{kgo.RangeBalancer(), cfg.UserData}),
		kgo.SessionTimeout(session),
		kgo.HeartbeatInterval(session/4),
		// A member that does not rejoin (it died during the rebalance) is
		// dropped after this long rather than the default minute.
		kgo.RebalanceTimeout(max(2*session, 10*time.Second)),
		kgo.FetchMaxWait(100_000_000),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	)
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	if cfg.OnRevoked != nil {
		fn := func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			for t, ps := range m {
				cfg.OnRevoked(t, ps)
			}
		}
		opts = append(opts, kgo.OnPartitionsRevoked(fn), kgo.OnPartitionsLost(fn))
	}
	if cfg.OnAssigned != nil {
		opts = append(opts, kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			for t, ps := range m {
				cfg.OnAssigned(t, ps)
			}
		}))
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

// PauseTopics stops fetching topics until ResumeTopics. Records fetched for
// them but not yet polled are fetched again after.
func (c *Consumer) PauseTopics(topics ...string) { c.cl.PauseFetchTopics(topics...) }

// ResumeTopics undoes PauseTopics.
func (c *Consumer) ResumeTopics(topics ...string) { c.cl.ResumeFetchTopics(topics...) }

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

// userDataBalancer is a balancer whose join metadata carries user data.
type userDataBalancer struct {
	kgo.GroupBalancer
	data []byte
}

func (b userDataBalancer) JoinGroupMetadata(interests []string, current map[string][]int32, generation int32) []byte {
	raw := b.GroupBalancer.JoinGroupMetadata(interests, current, generation)
	if len(b.data) == 0 {
		return raw
	}
	var m kmsg.ConsumerMemberMetadata
	if err := m.ReadFrom(raw); err != nil {
		return raw
	}
	m.UserData = b.data
	return m.AppendTo(nil)
}

// GroupMember is one member of a consumer group as the broker describes it.
type GroupMember struct {
	ID       string // instance id for static members, else member id
	UserData []byte
	Assigned map[string][]int32 // topic -> partitions
}

// GroupMembers describes the members of a consumer group and what each is
// assigned (none while the group rebalances).
func (c *Client) GroupMembers(ctx context.Context, group string) ([]GroupMember, error) {
	dgs, err := c.adm.DescribeGroups(ctx, group)
	if err == nil {
		err = dgs.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("describe group %s: %w", group, err)
	}
	var out []GroupMember
	for _, m := range dgs[group].Members {
		gm := GroupMember{ID: m.MemberID, Assigned: map[string][]int32{}}
		if m.InstanceID != nil {
			gm.ID = *m.InstanceID
		}
		if meta, ok := m.Join.AsConsumer(); ok {
			gm.UserData = meta.UserData
		}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				gm.Assigned[t.Topic] = append(gm.Assigned[t.Topic], t.Partitions...)
			}
		}
		out = append(out, gm)
	}
	return out, nil
}
