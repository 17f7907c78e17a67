package exec

import (
	"context"
	"slices"
	"strings"
)

// QueryMetrics are the counters of one persistent query on this server.
type QueryMetrics struct {
	ID string
	// RecordsIn and RecordsOut count records consumed (input and
	// repartition topics) and written to the sink since the query started
	// here; ProcessingErrors those that went to the processing log.
	RecordsIn, RecordsOut, ProcessingErrors int64
	// LateRecordsDropped counts records a windowed aggregation dropped
	// because their window had closed (stream time past its end plus grace):
	// one per closed window of the record, as Kafka Streams' dropped-records
	// metric counts them. They are not processing errors.
	LateRecordsDropped int64
	// RestoredRecords counts changelog records replayed into state stores
	// (the progress of restoring a task's state).
	RestoredRecords int64
	// RestoringPartitions counts the changelog partitions whose restore is
	// in progress, and RestoreRemaining the records they have left to
	// replay (end offset minus position, summed over them).
	RestoringPartitions, RestoreRemaining int64
	// Lag is how many records of the partitions this server processes are
	// not processed yet; -1 when it cannot be read.
	Lag int64
	// Partitions lists the partitions this server processes (all of them
	// with direct assignment).
	Partitions []int32
}

// Metrics returns the counters of the persistent queries running here,
// sorted by query id.
func (e *Engine) Metrics(ctx context.Context) []QueryMetrics {
	e.mu.Lock()
	qs := make([]*runningQuery, 0, len(e.queries))
	for _, q := range e.queries {
		qs = append(qs, q)
	}
	e.mu.Unlock()
	out := make([]QueryMetrics, 0, len(qs))
	for _, q := range qs {
		m := QueryMetrics{ID: q.id, RecordsIn: q.in.Load(), RecordsOut: q.out.Load(),
			ProcessingErrors: q.errs.Load(), LateRecordsDropped: q.late.Load(), RestoredRecords: q.restore.restored.Load(),
			RestoringPartitions: q.restore.partitions.Load(), RestoreRemaining: q.restore.remaining.Load()}
		m.Lag, m.Partitions = e.lag(ctx, q)
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b QueryMetrics) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// lag sums, over the partitions q processes here, the records between its
// position and the end of each input topic.
func (e *Engine) lag(ctx context.Context, q *runningQuery) (int64, []int32) {
	var mine []int32
	if !e.cfg.DirectAssignment {
		mine = q.ownedPartitions()
	}
	var lag int64
	for _, topic := range q.topics {
		end, err := e.client.EndOffsets(ctx, topic)
		if err != nil {
			return -1, mine
		}
		pos, err := e.progress(ctx, q, topic)
		if err != nil {
			return -1, mine
		}
		for p, o := range end {
			if mine != nil && !slices.Contains(mine, p) {
				continue
			}
			lag += max(o-pos[p], 0)
		}
		if e.cfg.DirectAssignment && mine == nil {
			for p := range end {
				mine = append(mine, p)
			}
			slices.Sort(mine)
		}
	}
	return lag, mine
}
