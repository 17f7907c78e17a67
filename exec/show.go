package exec

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/catalog/functions"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

func table(cols []string, rows [][]any) []Result {
	return []Result{{Kind: ResultTable, Columns: cols, Rows: rows}}
}

func (e *Engine) show(ctx context.Context, s *Session, st *ast.Show) ([]Result, error) {
	switch st.What {
	case ast.ShowStreams, ast.ShowTables:
		kind := ast.Stream
		title := "Stream Name"
		if st.What == ast.ShowTables {
			kind, title = ast.Table, "Table Name"
		}
		var rows [][]any
		for _, src := range e.cat.Sources(kind) {
			rows = append(rows, []any{src.Name, src.Topic, src.KeyFormat.Format, src.ValueFormat.Format, src.Window != nil})
		}
		return table([]string{title, "Kafka Topic", "Key Format", "Value Format", "Windowed"}, rows), nil
	case ast.ShowTopics:
		ts, err := e.client.Topics(ctx, st.All)
		if err != nil {
			return nil, &ast.Error{Category: ast.KafkaError, Msg: err.Error()}
		}
		var rows [][]any
		for _, t := range ts {
			rows = append(rows, []any{t.Name, t.Partitions, t.Replicas})
		}
		return table([]string{"Kafka Topic", "Partitions", "Partition Replicas"}, rows), nil
	case ast.ShowQueries:
		var rows [][]any
		for _, q := range e.cat.Queries() {
			status := string(q.State)
			if q.Err != "" {
				status += ": " + q.Err
			}
			topic := ""
			if sink := e.cat.Source(q.Sink); sink != nil {
				topic = sink.Topic
			}
			rows = append(rows, []any{q.ID, "PERSISTENT", status, q.Sink, topic, q.SQL})
		}
		return table([]string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}, rows), nil
	case ast.ShowProperties:
		var rows [][]any
		for k, v := range e.cfg.Properties {
			rows = append(rows, []any{k, "SERVER", v})
		}
		for k, v := range s.Properties {
			rows = append(rows, []any{k, "SESSION", v})
		}
		return table([]string{"Property", "Scope", "Value"}, rows), nil
	case ast.ShowFunctions:
		var rows [][]any
		for _, f := range functions.List() {
			rows = append(rows, []any{f.Name, f.Kind.String(), f.Category})
		}
		return table([]string{"Function Name", "Type", "Category"}, rows), nil
	}
	return nil, fmt.Errorf("SHOW %s is not supported", st.SourceText())
}

func (e *Engine) describe(ctx context.Context, s *Session, st *ast.Describe) ([]Result, error) {
	if st.Function {
		for _, f := range functions.List() {
			if f.Name == st.Name {
				return []Result{{Kind: ResultTable, Message: "Name        : " + f.Name + "\nType        : " + f.Kind.String(),
					Columns: []string{"Description"}, Rows: [][]any{{f.Description}}}}, nil
			}
		}
		return nil, ast.Errorf(ast.SemanticError, st.At, "Can't find any functions with the name '%s'", st.Name)
	}
	if st.AllOf != nil {
		kind := ast.Stream
		if *st.AllOf == ast.ShowTables {
			kind = ast.Table
		}
		var out []Result
		for _, src := range e.cat.Sources(kind) {
			out = append(out, e.describeSource(src, st.Extended))
		}
		return out, nil
	}
	src := e.cat.Source(st.Name)
	if src == nil {
		return nil, ast.Errorf(ast.CatalogError, st.At, "Could not find STREAM/TABLE '%s' in the Metastore", st.Name)
	}
	return []Result{e.describeSource(src, st.Extended)}, nil
}

func (e *Engine) describeSource(src *catalog.Source, extended bool) Result {
	var rows [][]any
	for _, c := range src.Schema.Columns {
		t := c.Type.String()
		switch c.Namespace {
		case types.KeyColumn:
			if src.Kind == ast.Table {
				t += " (primary key)"
			} else {
				t += " (key)"
			}
		case types.HeaderColumn:
			if c.HeaderKey != "" {
				t += " (header('" + c.HeaderKey + "'))"
			} else {
				t += " (headers)"
			}
		}
		rows = append(rows, []any{c.Name, t})
	}
	title := fmt.Sprintf("Name                 : %s", src.Name)
	if extended {
		title += fmt.Sprintf("\nType                 : %s\nTimestamp field      : %s\nKey format           : %s\nValue format         : %s\nKafka topic          : %s (partitions: %d)\nStatement            : %s",
			src.Kind, orNotSet(src.TimestampColumn), src.KeyFormat.Format, src.ValueFormat.Format, src.Topic, src.Partitions, src.SQL)
		var rq, wq []string
		for _, q := range e.cat.Queries() {
			if q.Sink == src.Name {
				wq = append(wq, q.ID+" : "+q.SQL)
			}
			for _, n := range q.Sources {
				if n == src.Name {
					rq = append(rq, q.ID+" : "+q.SQL)
				}
			}
		}
		title += "\nQueries that read from this " + src.Kind.String() + ": " + orNone(rq)
		title += "\nQueries that write from this " + src.Kind.String() + ": " + orNone(wq)
	}
	return Result{Kind: ResultTable, Message: title, Columns: []string{"Field", "Type"}, Rows: rows}
}

func orNotSet(s string) string {
	if s == "" {
		return "Not set - using <ROWTIME>"
	}
	return s
}

func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return "\n  " + strings.Join(ss, "\n  ")
}

func (e *Engine) explain(ctx context.Context, s *Session, st *ast.Explain) ([]Result, error) {
	if st.Stmt == nil {
		e.mu.Lock()
		q := e.queries[st.QueryID]
		e.mu.Unlock()
		if q == nil {
			return nil, ast.Errorf(ast.CatalogError, st.At, "Query with id:%s does not exist, use SHOW QUERIES to view the full set of queries.", st.QueryID)
		}
		return explainPlan(q.plan), nil
	}
	opts := planner.QueryOptions{QueryID: "EXPLAIN_QUERY", Kind: planner.Persistent, Defaults: e.defaults(s)}
	var q *ast.Query
	switch inner := st.Stmt.(type) {
	case *ast.CreateSource:
		if inner.AsSelect == nil {
			return nil, ast.Errorf(ast.SemanticError, st.At, "EXPLAIN only supports queries")
		}
		opts.Create, q = inner, inner.AsSelect
	case *ast.InsertSelect:
		opts.Insert = e.cat.Source(inner.Target)
		if opts.Insert == nil {
			return nil, ast.Errorf(ast.CatalogError, st.At, "Source %s does not exist.", types.QuoteIdent(inner.Target))
		}
		q = inner.Query
	case *ast.Query:
		opts.Kind, q = planner.Push, inner
	default:
		return nil, ast.Errorf(ast.SemanticError, st.At, "EXPLAIN only supports queries")
	}
	plan, err := planner.PlanQuery(e.cat, q, opts)
	if err != nil {
		return nil, err
	}
	return explainPlan(plan), nil
}

func explainPlan(p *planner.Plan) []Result {
	text := "Logical plan:\n" + planner.ExplainLogical(p.Logical) + "\n" + p.Topology.String()
	return msg("%s", strings.TrimRight(text, "\n"))
}

// print streams a topic's records as text, as ksqlDB's PRINT does.
func (e *Engine) print(ctx context.Context, s *Session, st *ast.Print) ([]Result, error) {
	topic := st.Topic
	if _, err := e.client.Topic(ctx, topic); err != nil {
		return nil, &ast.Error{Category: ast.KafkaError, At: st.At, Msg: fmt.Sprintf("Could not find topic '%s', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.", topic)}
	}
	var offs kafka.Offsets
	var err error
	if st.FromBeginning {
		offs, err = e.client.StartOffsets(ctx, topic)
	} else {
		offs, err = e.client.EndOffsets(ctx, topic)
	}
	if err != nil {
		return nil, err
	}
	cons, err := e.client.NewPartitionConsumer(topic, offs)
	if err != nil {
		return nil, err
	}
	qctx, cancel := context.WithCancel(context.Background())
	rows := make(chan []any, 64)
	limit := int64(-1)
	if st.Limit != nil {
		limit = *st.Limit
	}
	interval := st.Interval
	if interval <= 0 {
		interval = 1
	}
	go func() {
		defer close(rows)
		defer cons.Close()
		var seen, sent int64
		for qctx.Err() == nil && (limit < 0 || sent < limit) {
			recs, _ := cons.Poll(qctx)
			for _, r := range recs {
				seen++
				if (seen-1)%interval != 0 {
					continue
				}
				select {
				case rows <- []any{formatPrinted(&r)}:
				case <-qctx.Done():
					return
				}
				sent++
				if limit >= 0 && sent >= limit {
					return
				}
			}
		}
	}()
	return []Result{{Kind: ResultStream, Columns: []string{"Record"}, Stream: rows, Cancel: cancel, Err: func() error { return nil }}}, nil
}

func formatPrinted(r *kafka.Record) string {
	ts := time.UnixMilli(r.Timestamp).UTC().Format("2006/01/02 15:04:05.000 Z")
	return fmt.Sprintf("rowtime: %s, key: %s, value: %s, partition: %d", ts, printBytes(r.Key), printBytes(r.Value), r.Partition)
}

func printBytes(b []byte) string {
	switch {
	case b == nil:
		return "<null>"
	case utf8.Valid(b) && isPrintable(b):
		return string(b)
	case len(b) == 4:
		return fmt.Sprint(int32(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])))
	case len(b) == 8:
		var v uint64
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%x", b)
}

func isPrintable(b []byte) bool {
	for _, c := range string(b) {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
