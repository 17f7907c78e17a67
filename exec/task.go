package exec

import (
	"sync"

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
// own task, partitions concurrently. It returns when all are processed.
func (ts *taskSet) run(recs []kafka.Record, report func(error)) {
	var active []*task
	for i := range recs {
		p := recs[i].Partition
		t := ts.tasks[p]
		if t == nil {
			src, err := ts.build(p)
			if err != nil {
				report(err)
				continue
			}
			t = &task{partition: p, src: src}
			ts.tasks[p] = t
		}
		if len(t.recs) == 0 {
			active = append(active, t)
		}
		t.recs = append(t.recs, recs[i])
	}
	process := func(t *task) {
		for i := range t.recs {
			if err := t.src.process(&t.recs[i]); err != nil {
				report(err)
			}
		}
		clear(t.recs)
		t.recs = t.recs[:0]
	}
	if len(active) == 1 {
		process(active[0])
		return
	}
	var wg sync.WaitGroup
	for _, t := range active {
		wg.Add(1)
		go func() {
			defer wg.Done()
			process(t)
		}()
	}
	wg.Wait()
}
