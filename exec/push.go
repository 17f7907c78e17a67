package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

var transients sync.Map // query id -> context.CancelFunc, across engines (ids are random)

func (e *Engine) stopTransient(id string) bool {
	if c, ok := transients.LoadAndDelete(id); ok {
		c.(context.CancelFunc)()
		return true
	}
	return false
}

// scalablePush tells whether ksqlDB would run q as a scalable push query
// (ScalablePushUtil.isScalablePushQuery): ksql.query.push.v2.enabled, from
// the latest offsets, over one source that a persistent query writes, with
// no join, grouping, window or repartitioning. ksqlDB then taps the
// persistent query; Sluice reads the sink topic from its end, which yields
// the same rows, and only names the query as ksqlDB does.
func (e *Engine) scalablePush(s *Session, q *ast.Query) bool {
	if !strings.EqualFold(e.prop(s, "ksql.query.push.v2.enabled"), "true") || e.earliest(s) {
		return false
	}
	ref, ok := q.From.(*ast.SourceRef)
	if !ok || q.Window != nil || len(q.GroupBy) > 0 || len(q.PartitionBy) > 0 || q.Having != nil {
		return false
	}
	src := e.cat.Source(ref.Name)
	if src == nil {
		return false
	}
	for _, pq := range e.cat.Queries() {
		if pq.Sink == src.Name {
			return true
		}
	}
	return false
}

// query runs a SELECT typed at the client: push queries stream rows until
// cancelled or LIMIT; pull queries need materialized tables (not yet).
func (e *Engine) query(ctx context.Context, s *Session, q *ast.Query) ([]Result, error) {
	if q.Emit == ast.EmitNone {
		return e.pull(ctx, s, q)
	}
	if q.Emit == ast.EmitFinal {
		return nil, ast.Errorf(ast.SemanticError, q.At, "EMIT FINAL is only supported for windowed aggregations.")
	}
	name := "QUERY"
	switch f := q.From.(type) {
	case *ast.SourceRef:
		name = f.Name
	case *ast.Join:
		if ref, ok := f.Left.(*ast.SourceRef); ok {
			name = ref.Name
		}
	}
	prefix := "transient_" + name + "_"
	if e.scalablePush(s, q) {
		prefix = "SCALABLE_PUSH_QUERY_"
	}
	id := fmt.Sprintf("%s%d", prefix, rand.Uint64()%10_000_000_000_000_000)
	plan, err := planner.PlanQuery(e.cat, q, planner.QueryOptions{QueryID: id, Kind: planner.Push, Defaults: e.defaults(s)})
	if err != nil {
		return nil, err
	}
	topics := topologyTopics(plan.Topology)
	offs := map[string]kafka.Offsets{}
	for _, topic := range topics {
		var o kafka.Offsets
		if e.earliest(s) {
			o, err = e.client.StartOffsets(ctx, topic)
		} else {
			o, err = e.client.EndOffsets(ctx, topic)
		}
		if err != nil {
			return nil, err
		}
		offs[topic] = o
	}
	var cons *kafka.Consumer
	if len(topics) == 1 {
		cons, err = e.client.NewPartitionConsumer(topics[0], offs[topics[0]])
	} else {
		cons, err = e.client.NewPartitionConsumerMulti(offs)
	}
	if err != nil {
		return nil, err
	}
	qctx, cancel := context.WithCancel(context.Background())
	rows := make(chan []any, 64)
	limit := int64(-1)
	if plan.Limit != nil {
		limit = *plan.Limit
	}
	sink := &clientSink{ctx: qctx, out: rows, limit: limit, done: cancel}
	src, err := buildPipeline(plan.Topology, buildEnv{final: sink.emit, report: func(err error) { e.reportRecordError(nil, err) }})
	if err != nil {
		cancel()
		cons.Close()
		return nil, err
	}
	transients.Store(id, cancel)
	var errMu sync.Mutex
	var runErr error
	go func() {
		defer close(rows)
		defer cons.Close()
		defer transients.Delete(id)
		if limit == 0 {
			return
		}
		for qctx.Err() == nil {
			recs, err := cons.Poll(qctx)
			if err != nil && qctx.Err() == nil {
				errMu.Lock()
				runErr = err
				errMu.Unlock()
				return
			}
			if len(topics) > 1 {
				recs = mergeByTime(recs)
			}
			for i := range recs {
				if qctx.Err() != nil {
					break
				}
				if err := src.process(&recs[i]); err != nil {
					e.reportRecordError(nil, err)
				}
			}
		}
	}()
	// No Keys: a push query's rows are a stream of changes, whose schema
	// ksqlDB prints without KEY even over a table (its transient queries'
	// result schema holds every column as a value).
	cols := make([]string, len(plan.Output.Columns))
	tys := make([]*types.Type, len(plan.Output.Columns))
	for i, c := range plan.Output.Columns {
		cols[i], tys[i] = c.Name, c.Type
	}
	// No Keys: ksqlDB's push-query headers mark no column KEY (a transient
	// query's rows carry its key columns as values), unlike pull queries'.
	return []Result{{Kind: ResultStream, Columns: cols, Types: tys, Stream: rows, Cancel: cancel, QueryID: id,
		Err: func() error { errMu.Lock(); defer errMu.Unlock(); return runErr }}}, nil
}
