package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
)

// serialTopology tells whether a topology keeps state across partitions and
// so must run as one task: joins do until both inputs are co-partitioned by
// join key (their state is still in memory). Aggregations run per
// partition, over input repartitioned by group key where needed.
func serialTopology(t *planner.Topology) bool {
	for _, p := range t.Procs {
		if p.Kind == planner.ProcJoin {
			return true
		}
	}
	return false
}

// statefulTopology tells whether a topology has state to keep in stores.
func statefulTopology(t *planner.Topology) bool {
	for _, p := range t.Procs {
		if p.Kind == planner.ProcAggregate || p.Kind == planner.ProcFKJoin {
			return true
		}
	}
	return false
}

// pipeline is one task's running processors: a source per input topic, and
// the state the task's processors keep.
type pipeline struct {
	sources []*sourceProc
	// internal reads the query's own repartition topics, by topic name.
	internal map[string]func(*kafka.Record) error
	stores   *taskStores
	flushers []func() error
	// agg is the task's aggregation, if any: pull queries read its state.
	agg *aggProc
}

// process runs a record through the source(s) reading its topic.
func (pl *pipeline) process(r *kafka.Record) error {
	if fn, ok := pl.internal[r.Topic]; ok {
		return fn(r)
	}
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

// flush moves what the processors hold between commits into the stores,
// whose changelog records (and any results) go to the producer: the first
// step of a commit.
func (pl *pipeline) flush() error {
	for _, f := range pl.flushers {
		if err := f(); err != nil {
			return err
		}
	}
	if pl.stores != nil {
		return pl.stores.cache.Flush()
	}
	return nil
}

func (pl *pipeline) close() error {
	if pl.stores != nil {
		return pl.stores.close()
	}
	return nil
}

// buildEnv is what building a task's processors needs besides the topology.
type buildEnv struct {
	produce func(*kafka.Record) error // sink records
	final   emitFn                    // rows reaching the end of a topology without a sink
	report  func(error)
	// stores is the task's state; nil: fresh in-memory stores.
	stores *taskStores
	// internal produces to the query's repartition topics, named by
	// topicPrefix + planner.RepartitionTopic; nil: no repartition topics,
	// rows reach their aggregation in place (one task reads every partition).
	internal    func(*kafka.Record)
	topicPrefix string
	coalesce    bool
	maxCache    int
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
func buildPipeline(t *planner.Topology, env buildEnv) (*pipeline, error) {
	if len(t.Procs) == 0 || t.Procs[0].Kind != planner.ProcSource {
		return nil, fmt.Errorf("topology of %s does not start with a source", t.QueryID)
	}
	produce, final, report := env.produce, env.final, env.report
	if env.stores == nil {
		var err error
		if env.stores, err = newTaskStores(nil, -1); err != nil {
			return nil, err
		}
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
	pl := &pipeline{stores: env.stores, internal: map[string]func(*kafka.Record) error{}}
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
			fn, err = buildAggregate(p, next, env, pl)
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
		case planner.ProcFKJoin:
			var fp *fkJoinProc
			if fp, err = buildFKJoin(p, next, env, pl); err == nil {
				joins[p.Name] = fp
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

// buildAggregate builds an aggregation and the grouping in front of it, with
// the repartition topic between them when the query has one.
func buildAggregate(p *planner.Proc, next emitFn, env buildEnv, pl *pipeline) (emitFn, error) {
	ap, err := newAggregateProc(p, next, aggStoreOptions{stores: env.stores, coalesce: env.coalesce, maxCache: env.maxCache})
	if err != nil {
		return nil, err
	}
	pl.flushers = append(pl.flushers, ap.flush)
	pl.agg = ap
	send := ap.apply
	if p.Repartition && env.internal != nil {
		rp := newRepartition(env.topicPrefix+planner.RepartitionTopic, p.InSchema, env.internal, ap.apply)
		pl.internal[rp.topic] = rp.receive
		send = rp.send
	}
	gp, err := newGroupByProc(p, env.stores, send)
	if err != nil {
		return nil, err
	}
	return gp.process, nil
}
