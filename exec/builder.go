package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
)

// buildPipeline turns a (linear) topology into running processors, one
// constructor per processor kind. final receives the rows reaching the end
// of the topology when it has no Sink node (push queries).
// serialTopology tells whether a topology keeps state across partitions and
// so must run as one task. Aggregations do until their input is
// repartitioned by group key.
func serialTopology(t *planner.Topology) bool {
	for _, p := range t.Procs {
		if p.Kind == planner.ProcAggregate {
			return true
		}
	}
	return false
}

func buildPipeline(t *planner.Topology, produce func(*kafka.Record) error, final emitFn, report func(error)) (*sourceProc, error) {
	if len(t.Procs) == 0 || t.Procs[0].Kind != planner.ProcSource {
		return nil, fmt.Errorf("topology of %s does not start with a source", t.QueryID)
	}
	next := final
	for i := len(t.Procs) - 1; i >= 1; i-- {
		p := t.Procs[i]
		var err error
		switch p.Kind {
		case planner.ProcFilter:
			next, err = newFilterProc(p, next)
		case planner.ProcAggregate:
			next, err = newAggregateProc(p, next)
		case planner.ProcProject:
			next, err = newProjectProc(p, next, report)
		case planner.ProcSink:
			var sp *sinkProc
			sp, err = newSinkProc(p, produce)
			if err == nil {
				next = sp.emit
			}
		default:
			err = fmt.Errorf("processor kind %s is not supported", p.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", p.Name, err)
		}
	}
	return newSourceProc(t.Procs[0], next)
}
