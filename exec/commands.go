package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/sql/parser"
)

// commandLog keeps the catalog durable: every accepted DDL statement and
// persistent query is appended to the command topic, and a starting engine
// replays it, so sources and queries come back after a restart.
//
// Servers sharing the service id follow the topic (follow): each applies
// the commands the others write, so every server runs every persistent
// query (each on its share of the partitions). Only the server that
// accepted a statement runs its side effects; the others apply it as a
// replay.
type commandLog struct {
	e     *Engine
	topic string
	seq   int // number of commands applied so far; also the next query id number

	// mu serialises applying followed commands with statements that write
	// commands, so that every server numbers them (and so names queries)
	// in topic order. Taken before e.mu.
	mu   sync.Mutex
	next atomic.Int64   // offset of the next command to apply
	mine map[int64]bool // offsets this server wrote and has applied (under mu)
	done chan struct{}  // closed when follow returns; nil when not following
}

type command struct {
	Statement  string            `json:"statement"`
	Properties map[string]string `json:"streamsProperties,omitempty"`
}

// commandTopicConfig makes the command topic compacted, as the catalog's
// durable log should be, and keeps its records forever should the broker
// also apply time retention to compacted topics (kfake does).
//
// Compaction keeps the last record of each key, so every command gets a key
// of its own (commandKey): replay needs every command, in order. Keys that
// name what a command does, as ksqlDB's command ids do
// ("stream/`S`/create"), repeat when a source is dropped and created again;
// compaction would then drop the first CREATE, and since persistent query
// ids are numbered by a command's place in the topic, the queries after it
// would come back under other ids. With unique keys, compaction removes
// nothing from the command topic: it keeps the whole history replay needs.
var commandTopicConfig = map[string]string{"cleanup.policy": "compact", "retention.ms": "-1"}

// commandKey returns a key no other command has: 128 random bits, in hex.
// Servers sharing the topic write concurrently, so neither a per-server
// counter nor the catalog's command count would do.
func commandKey() []byte {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.AppendEncode(nil, b[:])
}

func newCommandLog(e *Engine) *commandLog {
	return &commandLog{e: e, topic: "_confluent-ksql-" + e.cfg.ServiceID + "_command_topic"}
}

func (c *commandLog) replay(ctx context.Context) error {
	err := c.e.client.CreateTopic(ctx, c.topic, 1, commandTopicConfig)
	if errors.Is(err, kafka.ErrTopicExists) {
		c.checkConfig(ctx)
	} else if err != nil {
		return err
	}
	end, err := c.e.client.EndOffsets(ctx, c.topic)
	if err != nil {
		return err
	}
	if end[0] == 0 {
		return nil
	}
	start, err := c.e.client.StartOffsets(ctx, c.topic)
	if err != nil {
		return err
	}
	cons, err := c.e.client.NewPartitionConsumer(c.topic, kafka.Offsets{0: start[0]})
	if err != nil {
		return err
	}
	defer cons.Close()
	next := start[0]
	for next < end[0] {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		recs, err := cons.Poll(pctx)
		cancel()
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return fmt.Errorf("timed out reading %s at offset %d of %d", c.topic, next, end[0])
		}
		for _, r := range recs {
			next = r.Offset + 1
			c.apply(ctx, r.Value)
		}
	}
	c.next.Store(next)
	return nil
}

// checkConfig notes an existing command topic that is not compacted: older
// versions created it with the default cleanup policy (and unkeyed
// records). It is used as it is; its infinite retention keeps every command
// all the same. Turning compaction on would be wrong for it: Kafka's
// cleaner fails on unkeyed records, and kfake's drops them.
func (c *commandLog) checkConfig(ctx context.Context) {
	cfg, err := c.e.client.TopicConfig(ctx, c.topic)
	if err == nil && !strings.Contains(cfg["cleanup.policy"], "compact") {
		c.e.logf("command topic %s: cleanup.policy=%s (created by an older version), used as it is",
			c.topic, cfg["cleanup.policy"])
	}
}

// follow applies the commands other servers write, until ctx ends.
func (c *commandLog) follow(ctx context.Context) {
	c.done = make(chan struct{})
	c.mine = map[int64]bool{}
	go func() {
		defer close(c.done)
		cons, err := c.e.client.NewPartitionConsumer(c.topic, kafka.Offsets{0: c.next.Load()})
		if err != nil {
			c.e.logf("command topic: cannot follow: %v", err)
			return
		}
		defer cons.Close()
		for ctx.Err() == nil {
			recs, err := cons.Poll(ctx)
			if err != nil {
				if ctx.Err() == nil {
					c.e.logf("command topic: %v", err)
					time.Sleep(200 * time.Millisecond)
				}
				continue
			}
			for _, r := range recs {
				c.mu.Lock()
				if c.mine[r.Offset] {
					delete(c.mine, r.Offset)
				} else {
					c.apply(ctx, r.Value)
				}
				c.next.Store(r.Offset + 1)
				c.mu.Unlock()
			}
		}
	}()
}

// catchUp waits (bounded) until the commands written so far, by any
// server, are applied here, so that a statement sees the catalog they made.
func (c *commandLog) catchUp(ctx context.Context) {
	if c.done == nil {
		return
	}
	end, err := c.e.client.EndOffsets(ctx, c.topic)
	if err != nil {
		return
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.next.Load() < end[0] && time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-c.done:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (c *commandLog) apply(ctx context.Context, value []byte) {
	defer func() { c.seq++ }()
	var cmd command
	if err := json.Unmarshal(value, &cmd); err != nil {
		c.e.logf("command topic: skipping unreadable command %d: %v", c.seq, err)
		return
	}
	stmts, err := parser.Parse(cmd.Statement)
	if err != nil || len(stmts) != 1 {
		c.e.logf("command topic: skipping command %d: %v", c.seq, err)
		return
	}
	s := NewSession()
	for k, v := range cmd.Properties {
		s.Properties[k] = v
	}
	if _, err := c.e.dispatch(ctx, s, stmts[0], true); err != nil {
		c.e.logf("command topic: replaying %q: %v", cmd.Statement, err)
	}
}

// append records an accepted statement. Called with e.mu held.
func (c *commandLog) append(ctx context.Context, s *Session, stmt string) error {
	b, err := json.Marshal(command{Statement: stmt, Properties: s.Properties})
	if err != nil {
		return err
	}
	_, off, err := c.e.client.Produce(ctx, &kafka.Record{Topic: c.topic, Partition: 0, Key: commandKey(), Value: b})
	if err != nil {
		return fmt.Errorf("write command topic: %w", err)
	}
	if c.mine != nil {
		c.mine[off] = true
	}
	c.seq++
	return nil
}
