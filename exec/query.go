package exec

import (
	"context"
	"errors"
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
	mu            sync.Mutex
	failure       error
}

func (q *runningQuery) stop() {
	q.cancel()
	<-q.done
}

func (e *Engine) groupID(queryID string) string {
	return "_confluent-ksql-" + e.cfg.ServiceID + "query_" + queryID
}

// startPersistent starts a planned persistent query and registers it.
// Called with e.mu held.
func (e *Engine) startPersistent(ctx context.Context, s *Session, plan *planner.Plan, sql string) error {
	q := &runningQuery{id: plan.QueryID, plan: plan, done: make(chan struct{})}
	var produceErr atomic.Value
	produce := func(r *kafka.Record) error {
		e.client.ProduceAsync(context.Background(), r, func(err error) {
			if err != nil {
				produceErr.Store(err)
			}
		})
		q.out.Add(1)
		return nil
	}
	src, err := buildPipeline(plan.Topology, produce, nil, func(err error) { e.reportRecordError(q, err) })
	if err != nil {
		return err
	}
	topic := plan.Topology.Procs[0].Topic
	group := e.groupID(plan.QueryID)
	earliest := e.earliest(s)
	// Pin the starting position now, so records written right after the
	// statement returns are processed even though the group joins later.
	committed, err := e.client.CommittedOffsets(ctx, group, topic)
	if err != nil {
		return err
	}
	if len(committed) == 0 {
		var offs kafka.Offsets
		if earliest {
			offs, err = e.client.StartOffsets(ctx, topic)
		} else {
			offs, err = e.client.EndOffsets(ctx, topic)
		}
		if err != nil {
			return err
		}
		if err := e.client.CommitOffsets(ctx, group, topic, offs); err != nil {
			return err
		}
	}
	cons, err := e.client.NewGroupConsumer(kafka.GroupConfig{Group: group, Topics: []string{topic}, Earliest: earliest})
	if err != nil {
		return err
	}
	qctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	go func() {
		defer close(q.done)
		defer cons.Close()
		for qctx.Err() == nil {
			recs, err := cons.Poll(qctx)
			if err != nil {
				if qctx.Err() != nil {
					return
				}
				e.logf("query %s: %v", q.id, err)
				time.Sleep(200 * time.Millisecond)
				continue
			}
			for i := range recs {
				q.in.Add(1)
				if err := src.process(&recs[i]); err != nil {
					e.reportRecordError(q, err)
				}
			}
			fctx, fcancel := context.WithTimeout(context.Background(), 30*time.Second)
			err = e.client.Flush(fctx)
			fcancel()
			if v := produceErr.Load(); v != nil && err == nil {
				err = v.(error)
			}
			if err != nil {
				q.fail(e, err)
				return
			}
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := cons.Commit(cctx); err != nil && !errors.Is(err, context.Canceled) {
				e.logf("query %s: %v", q.id, err)
			}
			ccancel()
		}
	}()
	e.queries[q.id] = q
	e.cat.AddQuery(&catalog.Query{ID: q.id, SQL: sql, Sink: plan.Sink.Name, Sources: plan.Sources, State: catalog.Running})
	return nil
}

func (q *runningQuery) fail(e *Engine, err error) {
	q.mu.Lock()
	q.failure = err
	q.mu.Unlock()
	e.logf("query %s failed: %v", q.id, err)
	e.cat.SetQueryState(q.id, catalog.Error, err.Error())
}

// stopQuery stops a running persistent query. Called with e.mu held.
func (e *Engine) stopQuery(id string) {
	if q, ok := e.queries[id]; ok {
		q.stop()
		delete(e.queries, id)
	}
}
