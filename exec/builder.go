package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
)

// serialTopology tells whether a topology keeps state across partitions and
// so must run as one task. Aggregations do until their input is
// repartitioned by group key; joins do until both inputs are co-partitioned
// by join key.
func serialTopology(t *planner.Topology) bool {
	for _, p := range t.Procs {
		if p.Kind == planner.ProcAggregate || p.Kind == planner.ProcJoin {
			return true
		}
	}
	return false
}

// pipeline is one task's running processors: a source per input topic.
type pipeline struct {
	sources []*sourceProc
}

// process runs a record through the source(s) reading its topic.
func (pl *pipeline) process(r *kafka.Record) error {
	if len(pl.sources) == 1 {
		return pl.sources[0].process(r)
	}
	for _, sp := range pl.sources {
		if sp.topic == r.Topic {
			if err := sp.process(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinInputs is a processor with two inputs: it gives each input processor
// its own emit function.
type joinInputs interface {
	input(from string) (emitFn, error)
}

// topics lists the topics a topology reads, without repeats, in order.
func topologyTopics(t *planner.Topology) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range t.Procs {
		if p.Kind == planner.ProcSource && !seen[p.Topic] {
			seen[p.Topic] = true
			out = append(out, p.Topic)
		}
	}
	return out
}

// buildPipeline turns a topology into running processors, one constructor
// per processor kind. Every processor has at most one child; a join has two
// inputs. final receives the rows reaching the end of the topology when it
// has no Sink node (push queries).
func buildPipeline(t *planner.Topology, produce func(*kafka.Record) error, final emitFn, report func(error)) (*pipeline, error) {
	if len(t.Procs) == 0 || t.Procs[0].Kind != planner.ProcSource {
		return nil, fmt.Errorf("topology of %s does not start with a source", t.QueryID)
	}
	inputs := map[string]emitFn{}
	joins := map[string]joinInputs{}
	nextOf := func(p *planner.Proc) (emitFn, error) {
		if len(p.Children) == 0 {
			return final, nil
		}
		c := p.Children[0]
		if jp, ok := joins[c]; ok {
			return jp.input(p.Name)
		}
		if next, ok := inputs[c]; ok {
			return next, nil
		}
		return nil, fmt.Errorf("%s: child %s is not built", p.Name, c)
	}
	pl := &pipeline{}
	for i := len(t.Procs) - 1; i >= 0; i-- {
		p := t.Procs[i]
		next, err := nextOf(p)
		if err != nil {
			return nil, err
		}
		var fn emitFn
		switch p.Kind {
		case planner.ProcSource:
			var sp *sourceProc
			if sp, err = newSourceProc(p, next); err == nil {
				pl.sources = append([]*sourceProc{sp}, pl.sources...)
			}
		case planner.ProcFilter:
			fn, err = newFilterProc(p, next)
		case planner.ProcAggregate:
			fn, err = newAggregateProc(p, next)
		case planner.ProcJoin:
			var jp joinInputs
			if p.Within != nil {
				jp, err = newStreamJoinProc(p, next)
			} else {
				jp, err = newJoinProc(p, next)
			}
			if err == nil {
				joins[p.Name] = jp
			}
		case planner.ProcProject:
			fn, err = newProjectProc(p, next, report)
		case planner.ProcSink:
			var sp *sinkProc
			sp, err = newSinkProc(p, produce)
			if err == nil {
				fn = sp.emit
			}
		default:
			err = fmt.Errorf("processor kind %s is not supported", p.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", p.Name, err)
		}
		if fn != nil {
			inputs[p.Name] = fn
		}
	}
	return pl, nil
}
