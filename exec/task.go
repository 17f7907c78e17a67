package exec

import (
	"fmt"
	"sync"
	"time"

	"github.com/sluicedb/sluice/exec/kafka"
)

// task is one partition's instance of a query's processors. Processors keep
// per-record scratch state, so each partition has its own, and partitions
// are processed in parallel while records within a partition keep their order.
type task struct {
	partition int32
	src       *pipeline
	recs      []kafka.Record
}

// taskSet holds the tasks of one query, created on first use of a partition.
type taskSet struct {
	build func(partition int32) (*pipeline, error)
	tasks map[int32]*task
}

func newTaskSet(build func(int32) (*pipeline, error)) *taskSet {
	return &taskSet{build: build, tasks: map[int32]*task{}}
}

// list returns the tasks.
func (ts *taskSet) list() []*task {
	out := make([]*task, 0, len(ts.tasks))
	for _, t := range ts.tasks {
		out = append(out, t)
	}
	return out
}

// eachTask runs fn on every task, concurrently, and returns the first error.
func eachTask(tasks []*task, fn func(*task) error) error {
	errs := make([]error, 0, len(tasks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(t); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// flush is the first step of a commit: every task moves its pending state
// into its stores and changelogs.
func (ts *taskSet) flush() error {
	return eachTask(ts.list(), func(t *task) error { return t.src.flush() })
}

func (ts *taskSet) close() { closeTasks(ts.list()) }

func closeTasks(tasks []*task) {
	_ = eachTask(tasks, func(t *task) error { return t.src.close() })
}

// run processes one poll's records: each partition's records in order on its
// own task, partitions concurrently. Record-level errors go to report; a
// failure of a task as a whole (it cannot be built or restored, or its
// state fails) stops the task's processing and is returned, so that the
// caller fails the query instead of committing past records it skipped.
func (ts *taskSet) run(recs []kafka.Record, report func(error)) error {
	var active []*task
	for i := range recs {
		p := recs[i].Partition
		t := ts.tasks[p]
		if t == nil {
			src, err := ts.buildRetrying(p)
			if err != nil {
				for _, t := range active {
					clear(t.recs)
					t.recs = t.recs[:0]
				}
				return err
			}
			t = &task{partition: p, src: src}
			ts.tasks[p] = t
		}
		if len(t.recs) == 0 {
			active = append(active, t)
		}
		t.recs = append(t.recs, recs[i])
	}
	process := func(t *task) error {
		defer func() {
			clear(t.recs)
			t.recs = t.recs[:0]
		}()
		for i := range t.recs {
			if err := t.src.process(&t.recs[i]); err != nil {
				if failsQuery(err) {
					// Nothing after it is processed, and nothing past it
					// committed.
					if isStateError(err) {
						err = fmt.Errorf("partition %d: %w", t.partition, err)
					}
					return err
				}
				report(err)
			}
		}
		return nil
	}
	if len(active) == 1 {
		return process(active[0])
	}
	return eachTask(active, process)
}

// buildAttempts and buildBackoff bound how long a task that cannot be
// built (its state directory, or a restore reading its changelog, failing)
// is retried before the query fails.
const (
	buildAttempts = 3
	buildBackoff  = 500 * time.Millisecond
)

// buildRetrying builds partition p's task, retrying with a growing pause.
func (ts *taskSet) buildRetrying(p int32) (*pipeline, error) {
	var err error
	for attempt := range buildAttempts {
		if attempt > 0 {
			time.Sleep(buildBackoff << (attempt - 1))
		}
		var src *pipeline
		if src, err = ts.build(p); err == nil {
			return src, nil
		}
	}
	return nil, fmt.Errorf("task for partition %d: %w", p, err)
}
