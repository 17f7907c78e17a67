package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/types"
)

// statefulTopology tells whether a topology has state to keep in stores.
func statefulTopology(t *planner.Topology) bool {
	for _, p := range t.Procs {
		if p.Kind == planner.ProcAggregate || p.Kind == planner.ProcJoin || p.Kind == planner.ProcFKJoin {
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
	// topicPrefix + the topology's name; nil: no repartition topics, rows
	// reach their aggregation or join in place (one task reads every
	// partition).
	internal    func(*kafka.Record)
	topicPrefix string
	coalesce    bool
	maxCache    int
	// multiInput: the topology reads several topics (a join), whose input
	// positions an aggregation cannot tell apart by partition alone.
	multiInput bool
	// badTimeFatal (ksql.timestamp.throw.on.invalid): a record whose
	// timestamp column cannot be read fails the query instead of being
	// skipped.
	badTimeFatal bool
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
	env.multiInput = len(topologyTopics(t)) > 1
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
				sp.badTimeFatal = env.badTimeFatal
				pl.sources = append([]*sourceProc{sp}, pl.sources...)
			}
		case planner.ProcFilter:
			fn, err = newFilterProc(p, next)
		case planner.ProcAggregate:
			fn, err = buildAggregate(p, next, env, pl)
		case planner.ProcJoin:
			var jp joinInputs
			if jp, err = buildJoin(p, next, env, pl); err == nil {
				joins[p.Name] = jp
			}
		case planner.ProcFKJoin:
			var fp *fkJoinProc
			if fp, err = buildFKJoin(p, next, env, pl); err == nil {
				joins[p.Name] = fp
			}
		case planner.ProcProject:
			fn, err = newProjectProc(p, next, report)
		case planner.ProcFlatMap:
			fn, err = newFlatMapProc(p, next, report)
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
	ap, err := newAggregateProc(p, next, aggStoreOptions{stores: env.stores, coalesce: env.coalesce, maxCache: env.maxCache, dedup: !env.multiInput})
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

// buildJoin builds a join and, for each side re-keyed by its join key, the
// repartition topic the side's rows pass through on the way.
func buildJoin(p *planner.Proc, next emitFn, env buildEnv, pl *pipeline) (joinInputs, error) {
	var js *joinSides
	var jp joinInputs
	if p.Within != nil {
		sj, err := newStreamJoinProc(p, next, env.stores)
		if err != nil {
			return nil, err
		}
		pl.flushers = append(pl.flushers, sj.flush)
		js, jp = &sj.joinSides, sj
	} else {
		tj, err := newJoinProc(p, next, env.stores)
		if err != nil {
			return nil, err
		}
		js, jp = &tj.joinSides, tj
	}
	if env.internal == nil || (!p.JoinRepartition[0] && !p.JoinRepartition[1]) {
		return jp, nil
	}
	kc, err := serde.NewKeyCodec(p.KeyFormat.Format, []types.Column{{Name: "K", Type: p.LeftKey.Type()}}, codecOptions(p.KeyFormat))
	if err != nil {
		// Keys only need to land on equal partitions on both sides.
		if kc, err = serde.NewKeyCodec(serde.JSON, []types.Column{{Name: "K", Type: p.LeftKey.Type()}}, serde.Options{}); err != nil {
			return nil, err
		}
	}
	rj := &rekeyedJoin{joinSides: js, inner: jp, keyCodec: kc, tables: p.TableTable}
	for side, topic := range p.JoinTopics {
		if topic == "" {
			continue
		}
		side := side
		rp := newRepartition(env.topicPrefix+topic, p.JoinSchemas[side], env.internal,
			func(m *rowMeta, row types.Row, _ []any, _ []byte, _ aggOp, src srcPos) error {
				return js.process(side, m, row, src)
			})
		rp.tombstones = p.TableTable
		pl.internal[rp.topic] = rp.receive
		rj.rps[side] = rp
	}
	return rj, nil
}

// rekeyedJoin sends the rows of a join's re-keyed sides to their
// repartition topics, keyed by the join key in the format of the side read
// in place, so that both sides' rows of a key meet in one task.
type rekeyedJoin struct {
	*joinSides
	inner    joinInputs
	rps      [2]*repartition
	keyCodec serde.Codec
	keyVals  []any
	// tables marks a table-table join: its re-keyed side is a table whose
	// deletions must reach the join.
	tables bool
}

func (rj *rekeyedJoin) input(from string) (emitFn, error) {
	side, err := rj.sideOf(from)
	if err != nil || rj.rps[side] == nil {
		return rj.inner.input(from)
	}
	rp := rj.rps[side]
	return func(m *rowMeta, row types.Row) error {
		if m.nullValue && !rj.tables {
			return nil // joins skip null-valued stream records
		}
		key, err := rj.keyValue(side, m, row)
		if err != nil || key == nil {
			return err
		}
		rj.keyVals = append(rj.keyVals[:0], key)
		kb, err := rj.keyCodec.Encode(rj.keyVals)
		if err != nil {
			return &recordError{m: m, err: fmt.Errorf("join key: %w", err)}
		}
		return rp.send(m, row, nil, kb, opAdd, srcPos{partition: m.partition, pos: m.offset})
	}, nil
}
