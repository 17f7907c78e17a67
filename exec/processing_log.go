package exec

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
)

// processingLog records record-level errors (bad records, failed
// expressions) in a topic, as ksqlDB's processing log does, so a bad record
// is visible and counted but never stops a query.
type processingLog struct {
	e        *Engine
	topic    string
	count    atomic.Int64
	ready    atomic.Bool
	producer *kafka.Producer
}

func newProcessingLog(e *Engine) *processingLog {
	p := &processingLog{e: e, topic: e.cfg.ServiceID + "ksql_processing_log"}
	// A processing-log entry that cannot be written is logged, never retried:
	// the log must not stop the query it reports on.
	p.producer = e.client.Producer(func(err error) { e.logf("processing log: %v", err) })
	return p
}

type plogEntry struct {
	QueryID   string `json:"queryId,omitempty"`
	Topic     string `json:"topic,omitempty"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Message   string `json:"message"`
	Time      int64  `json:"time"`
}

// Errors is the number of record-level errors since start.
func (e *Engine) ProcessingErrors() int64 { return e.plog.count.Load() }

func (e *Engine) reportRecordError(q *runningQuery, err error) {
	ent := plogEntry{Message: err.Error(), Time: time.Now().UnixMilli()}
	var re *recordError
	if errors.As(err, &re) {
		ent.Topic, ent.Partition, ent.Offset = re.m.topic, re.m.partition, re.m.offset
		ent.Message = re.err.Error()
	}
	if q != nil {
		ent.QueryID = q.id
		q.errs.Add(1)
	}
	e.plog.count.Add(1)
	e.logf("processing log: query %s: %s (topic %s, partition %d, offset %d)", ent.QueryID, ent.Message, ent.Topic, ent.Partition, ent.Offset)
	e.plog.write(ent)
}

func (p *processingLog) write(ent plogEntry) {
	if !p.ready.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := p.e.client.CreateTopic(ctx, p.topic, 1, nil)
		cancel()
		if err != nil && !errors.Is(err, kafka.ErrTopicExists) {
			return
		}
		p.ready.Store(true)
	}
	b, _ := json.Marshal(ent)
	p.producer.Produce(context.Background(), &kafka.Record{Topic: p.topic, Partition: -1, Value: b})
}
