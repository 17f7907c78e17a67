package exec

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

func (e *Engine) defaults(s *Session) planner.Defaults {
	props := map[string]string{}
	for k, v := range e.cfg.Properties {
		props[k] = v
	}
	for k, v := range s.Properties {
		props[k] = v
	}
	return planner.Defaults{
		KeyFormat:   e.prop(s, "ksql.persistence.default.format.key"),
		ValueFormat: e.prop(s, "ksql.persistence.default.format.value"),
		Props:       props,
	}
}

func codecOptions(f catalog.FormatInfo) serde.Options {
	return serde.Options{WrapSingleValue: f.WrapSingleValue, Delimiter: f.Delimiter}
}

// validateFormats checks that a source's columns fit its key and value formats.
func validateFormats(src *catalog.Source) error {
	if err := serde.ValidateFormat(src.KeyFormat.Format, src.Schema.Keys(), true); err != nil {
		return semantic(err)
	}
	if err := serde.ValidateFormat(src.ValueFormat.Format, src.Schema.Values(), false); err != nil {
		return semantic(err)
	}
	if err := serde.ValidateOptions(src.KeyFormat.Format, src.Schema.Keys(), true, codecOptions(src.KeyFormat)); err != nil {
		return semantic(err)
	}
	if err := serde.ValidateOptions(src.ValueFormat.Format, src.Schema.Values(), false, codecOptions(src.ValueFormat)); err != nil {
		return semantic(err)
	}
	return nil
}

func semantic(err error) error {
	var ae *ast.Error
	if errors.As(err, &ae) {
		return err
	}
	return &ast.Error{Category: ast.SemanticError, Msg: err.Error()}
}

func catalogErr(format string, args ...any) error {
	return &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf(format, args...)}
}

// ensureTopic creates the source's topic when partitions are given, or checks
// that it exists, and records its partition count.
func (e *Engine) ensureTopic(ctx context.Context, src *catalog.Source, create bool) error {
	info, err := e.client.Topic(ctx, src.Topic)
	switch {
	case err == nil:
		if create && src.Partitions > 0 && info.Partitions != src.Partitions {
			return &ast.Error{Category: ast.KafkaError, Msg: fmt.Sprintf(
				"A Kafka topic with the name '%s' already exists, with different partition/replica configuration than required. "+
					"KSQL expects %d partitions (topic has %d), and 1 replication factor (topic has %d).",
				src.Topic, src.Partitions, info.Partitions, info.Replicas)}
		}
		src.Partitions = info.Partitions
		return nil
	case !errors.Is(err, kafka.ErrNoTopic):
		return &ast.Error{Category: ast.KafkaError, Msg: err.Error()}
	}
	if !create || src.Partitions <= 0 {
		return &ast.Error{Category: ast.KafkaError, Msg: fmt.Sprintf(
			"Topic '%s' does not exist. If you want to create a new topic for the %s please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE %s %s (ID INT) WITH (KAFKA_TOPIC='%s', PARTITIONS=2, REPLICAS=1, FORMAT='JSON');",
			src.Topic, lowerKind(src.Kind), src.Kind, src.Name, src.Topic)}
	}
	if err := e.client.CreateTopic(ctx, src.Topic, src.Partitions, nil); err != nil && !errors.Is(err, kafka.ErrTopicExists) {
		return &ast.Error{Category: ast.KafkaError, Msg: err.Error()}
	}
	return nil
}

func lowerKind(k ast.SourceKind) string {
	if k == ast.Table {
		return "table"
	}
	return "stream"
}

func (e *Engine) createSource(ctx context.Context, s *Session, st *ast.CreateSource, replay bool) ([]Result, error) {
	src, _, err := planner.PlanCreateSource(st, e.defaults(s))
	if err != nil {
		return nil, err
	}
	if err := validateFormats(src); err != nil {
		return nil, err
	}
	if st.OrReplace && st.Source {
		return nil, replaceSourceErr(src.Kind, src.Name, src.Kind)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.cat.Source(src.Name); old != nil {
		if st.IfNotExists {
			return msg("A %s with the same name already exists", lowerKind(old.Kind)), nil
		}
		if !st.OrReplace {
			return nil, catalogErr("Cannot add %s '%s': A %s with the same name already exists",
				lowerKind(src.Kind), src.Name, lowerKind(old.Kind))
		}
		if old.Sink != "" {
			return nil, catalogErr("Cannot add %s '%s': CREATE OR REPLACE is not supported on %s created by a query.",
				lowerKind(src.Kind), src.Name, lowerKind(old.Kind))
		}
		if old.ReadOnly {
			return nil, replaceSourceErr(src.Kind, src.Name, old.Kind)
		}
		if err := planner.CheckUpgrade(old, src.Schema); err != nil {
			return nil, err
		}
	}
	if err := e.ensureTopic(ctx, src, true); err != nil {
		return nil, err
	}
	if err := e.cat.AddSource(src, st.OrReplace); err != nil {
		return nil, err
	}
	if !replay {
		if err := e.cmds.append(ctx, s, st.Text); err != nil {
			return nil, err
		}
	}
	if st.Kind == ast.Table {
		return msg("Table created"), nil
	}
	return msg("Stream created"), nil
}

// replaceSourceErr is ksqlDB's refusal of CREATE OR REPLACE for a source
// created with CREATE SOURCE (or as one): such sources are read-only.
func replaceSourceErr(kind ast.SourceKind, name string, oldKind ast.SourceKind) error {
	return catalogErr("Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", lowerKind(kind), name, lowerKind(oldKind))
}

// nextQueryID names a new persistent query: prefix_sink_n, or prefix_n
// when sink is "" (INSERTQUERY_n).
func (e *Engine) nextQueryID(prefix, sink string) string {
	n := e.cmds.seq
	if e.cfg.QueryIDsByQuery {
		n = e.nQueries
		e.nQueries++
	}
	if sink == "" {
		return fmt.Sprintf("%s_%d", prefix, n)
	}
	return fmt.Sprintf("%s_%s_%d", prefix, sink, n)
}

func (e *Engine) createAsSelect(ctx context.Context, s *Session, st *ast.CreateSource, replay bool) ([]Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.cat.Source(st.Name); old != nil {
		if st.IfNotExists {
			return msg("A %s with the same name already exists", lowerKind(old.Kind)), nil
		}
		if !st.OrReplace {
			return nil, catalogErr("Cannot add %s '%s': A %s with the same name already exists",
				lowerKind(st.Kind), st.Name, lowerKind(old.Kind))
		}
		if old.Sink == "" {
			return nil, replaceSourceErr(st.Kind, st.Name, old.Kind)
		}
		if old.Kind != st.Kind {
			return nil, catalogErr("Cannot add %s '%s': A %s with the same name already exists",
				lowerKind(st.Kind), st.Name, lowerKind(old.Kind))
		}
	}
	prefix := "CSAS"
	if st.Kind == ast.Table {
		prefix = "CTAS"
	}
	id := e.nextQueryID(prefix, st.Name)
	old := e.cat.Source(st.Name)
	if old != nil {
		// An upgrade keeps the query id, and so its consumer group and
		// committed offsets: the new plan continues where the old stopped.
		id = old.Sink
	}
	plan, err := planner.PlanQuery(e.cat, st.AsSelect, planner.QueryOptions{
		QueryID: id, Kind: planner.Persistent, Create: st, Defaults: e.defaults(s)})
	if err != nil {
		return nil, err
	}
	sink := plan.Sink
	if err := validateFormats(sink); err != nil {
		return nil, err
	}
	if old != nil {
		var oldPlan *planner.Plan
		if q := e.queries[id]; q != nil {
			oldPlan = q.plan
		}
		if err := planner.CheckUpgradePlan(oldPlan, plan); err != nil {
			return nil, err
		}
		if err := planner.CheckUpgrade(old, sink.Schema); err != nil {
			return nil, err
		}
		if old.Topic != sink.Topic {
			return nil, ast.Errorf(ast.SemanticError, st.At, "Cannot upgrade data source: the KAFKA_TOPIC of %s cannot change (%s to %s).", st.Name, old.Topic, sink.Topic)
		}
		e.drain(ctx, id, 10*time.Second)
		e.stopQuery(id)
	}
	err = e.ensureTopic(ctx, sink, true)
	if err == nil {
		err = e.startPersistent(ctx, s, plan, st.Text)
	}
	if err != nil {
		if !replay {
			return nil, err
		}
		e.failedStart(plan, st.Text, err)
	}
	if err := e.cat.AddSource(sink, old != nil); err != nil {
		e.stopQuery(id)
		return nil, err
	}
	if !replay {
		if err := e.cmds.append(ctx, s, st.Text); err != nil {
			return nil, err
		}
	}
	return []Result{{Kind: ResultMessage, Message: "Created query with ID " + id, QueryID: id}}, nil
}

func (e *Engine) insertSelect(ctx context.Context, s *Session, st *ast.InsertSelect, replay bool) ([]Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	target := e.cat.Source(st.Target)
	if target == nil {
		return nil, ast.Errorf(ast.CatalogError, st.At, "%s does not exist.", "Source "+types.QuoteIdent(st.Target))
	}
	if target.Kind == ast.Table {
		return nil, ast.Errorf(ast.SemanticError, st.At, "INSERT INTO can only be used to insert into a stream. %s is a table.", target.Name)
	}
	if target.ReadOnly {
		return nil, ast.Errorf(ast.SemanticError, st.At, "Cannot insert into read-only %s: %s", lowerKind(target.Kind), target.Name)
	}
	id := e.nextQueryID("INSERTQUERY", "")
	plan, err := planner.PlanQuery(e.cat, st.Query, planner.QueryOptions{
		QueryID: id, Kind: planner.Persistent, Insert: target, Defaults: e.defaults(s)})
	if err != nil {
		return nil, err
	}
	if err := e.startPersistent(ctx, s, plan, st.Text); err != nil {
		if !replay {
			return nil, err
		}
		e.failedStart(plan, st.Text, err)
	}
	if !replay {
		if err := e.cmds.append(ctx, s, st.Text); err != nil {
			return nil, err
		}
	}
	return []Result{{Kind: ResultMessage, Message: "Created query with ID " + id, QueryID: id}}, nil
}

func (e *Engine) drop(ctx context.Context, s *Session, st *ast.Drop, replay bool) ([]Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	src := e.cat.Source(st.Name)
	if src == nil {
		if st.IfExists {
			return msg("Source %s does not exist.", types.QuoteIdent(st.Name)), nil
		}
		return nil, ast.Errorf(ast.CatalogError, st.At, "Source %s does not exist.", st.Name)
	}
	if src.Kind != st.Kind {
		return nil, ast.Errorf(ast.CatalogError, st.At, "Incompatible data source type is %s, but statement was DROP %s", src.Kind, st.Kind)
	}
	if st.DeleteTopic && src.ReadOnly {
		return nil, ast.Errorf(ast.SemanticError, st.At, "Cannot delete topic for read-only source: %s", src.Name)
	}
	sinkQuery, err := e.cat.DropSource(st.Name)
	if err != nil {
		return nil, err
	}
	if sinkQuery != "" {
		e.stopQuery(sinkQuery)
		e.forgetQuery(ctx, sinkQuery, replay)
	}
	if st.DeleteTopic && !replay {
		// The server that accepted the DROP deleted the topic; a replay
		// must not delete one created since under the same name.
		if err := e.client.DeleteTopic(ctx, src.Topic); err != nil {
			return nil, &ast.Error{Category: ast.KafkaError, Msg: err.Error()}
		}
	}
	if !replay {
		if err := e.cmds.append(ctx, s, st.Text); err != nil {
			return nil, err
		}
	}
	return msg("Source %s (topic: %s) was dropped.", types.QuoteIdent(src.Name), src.Topic), nil
}

func (e *Engine) terminate(ctx context.Context, s *Session, st *ast.Terminate, replay bool) ([]Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	if st.All {
		for _, q := range e.cat.Queries() {
			ids = append(ids, q.ID)
		}
	} else {
		if e.cat.Query(st.QueryID) == nil {
			if e.stopTransient(st.QueryID) {
				return msg("Query terminated."), nil
			}
			return nil, ast.Errorf(ast.CatalogError, st.At, "Unknown queryId: %s", st.QueryID)
		}
		ids = []string{st.QueryID}
	}
	for _, id := range ids {
		e.stopQuery(id)
		e.cat.RemoveQuery(id)
		e.forgetQuery(ctx, id, replay)
	}
	if !replay {
		if err := e.cmds.append(ctx, s, st.Text); err != nil {
			return nil, err
		}
	}
	return msg("Query terminated."), nil
}
