package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/sql/parser"
)

// commandLog keeps the catalog durable: every accepted DDL statement and
// persistent query is appended to the command topic, and a starting engine
// replays it, so sources and queries come back after a restart.
type commandLog struct {
	e     *Engine
	topic string
	seq   int // number of commands applied so far; also the next query id number
}

type command struct {
	Statement  string            `json:"statement"`
	Properties map[string]string `json:"streamsProperties,omitempty"`
}

func newCommandLog(e *Engine) *commandLog {
	return &commandLog{e: e, topic: "_confluent-ksql-" + e.cfg.ServiceID + "_command_topic"}
}

func (c *commandLog) replay(ctx context.Context) error {
	err := c.e.client.CreateTopic(ctx, c.topic, 1, map[string]string{"retention.ms": "-1"})
	if err != nil && !errors.Is(err, kafka.ErrTopicExists) {
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
	return nil
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
	if _, _, err := c.e.client.Produce(ctx, &kafka.Record{Topic: c.topic, Partition: 0, Value: b}); err != nil {
		return fmt.Errorf("write command topic: %w", err)
	}
	c.seq++
	return nil
}
