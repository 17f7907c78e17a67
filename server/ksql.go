package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
)

// ksqlRequest is the body of POST /ksql.
type ksqlRequest struct {
	Ksql                  string         `json:"ksql"`
	StreamsProperties     map[string]any `json:"streamsProperties"`
	SessionVariables      map[string]any `json:"sessionVariables"`
	CommandSequenceNumber *int64         `json:"commandSequenceNumber"`
}

// errStatement is a statement error with its own error code.
type errStatement struct {
	code int
	err  error
}

func (e *errStatement) Error() string { return e.err.Error() }
func (e *errStatement) Unwrap() error { return e.err }

var errUseQueryEndpoint = errors.New("The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT")

func (s *Server) handleKsql(w http.ResponseWriter, r *http.Request) {
	var req ksqlRequest
	if !decodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	if req.Ksql == "" {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "Request is missing the 'ksql' field"))
		return
	}
	stmts, err := parser.Parse(req.Ksql)
	if err != nil {
		writeJSON(w, r, http.StatusBadRequest, statementError(codeBadStatement, req.Ksql, err, nil))
		return
	}
	if len(stmts) > s.cfg.MaxStatements {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest,
			fmt.Sprintf("Too many statements in one request: %d (at most %d)", len(stmts), s.cfg.MaxStatements)))
		return
	}
	sess := exec.NewSession()
	defer sess.Close()
	for k, v := range propertyMap(req.StreamsProperties) {
		sess.Properties[k] = v
	}
	entities := []any{}
	for _, st := range stmts {
		ents, err := s.runStatement(r.Context(), sess, st)
		if err != nil {
			code := codeBadStatement
			var es *errStatement
			if errors.As(err, &es) {
				code = es.code
			}
			writeJSON(w, r, http.StatusBadRequest, statementError(code, st.SourceText()+";", err, entities))
			return
		}
		entities = append(entities, ents...)
	}
	writeJSON(w, r, http.StatusOK, entities)
}

// runStatement executes one statement of a /ksql request and returns the
// entities ksqlDB would answer with.
func (s *Server) runStatement(ctx context.Context, sess *exec.Session, st ast.Statement) ([]any, error) {
	text := st.SourceText() + ";"
	switch st := st.(type) {
	case *ast.Query, *ast.Print:
		return nil, &errStatement{code: codeQueryEndpoint, err: errUseQueryEndpoint}
	case *ast.RunScript:
		// The script would be read from the server's disk: a client's file
		// belongs on the client (ksqlDB's CLI expands RUN SCRIPT itself).
		return nil, errors.New("RUN SCRIPT is only supported by the shell")
	case *ast.Show:
		switch st.What {
		case ast.ShowStreams, ast.ShowTables:
			return []any{s.sourceList(text, st.What)}, nil
		case ast.ShowQueries:
			return []any{map[string]any{"@type": "queries", "statementText": text, "queries": s.runningQueries(nil), "warnings": []any{}}}, nil
		}
	case *ast.Describe:
		if !st.Function {
			return s.describe(ctx, sess, st, text)
		}
	}
	res, err := s.eng.ExecuteStatement(ctx, sess, st)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(res))
	for _, r := range res {
		if r.Kind == exec.ResultStream {
			// Nothing reaches here today (queries are refused above); a
			// stream must not outlive the request.
			r.Cancel()
			return nil, &errStatement{code: codeQueryEndpoint, err: errUseQueryEndpoint}
		}
		out = append(out, s.entity(st, text, r))
	}
	return out, nil
}

// entity renders one engine result in ksqlDB's shape for its statement.
func (s *Server) entity(st ast.Statement, text string, r exec.Result) any {
	switch st := st.(type) {
	case *ast.Show:
		switch st.What {
		case ast.ShowTopics:
			topics := make([]any, 0, len(r.Rows))
			for _, row := range r.Rows {
				parts, repl := intAt(row, 1), intAt(row, 2)
				info := make([]int, parts)
				for i := range info {
					info[i] = repl
				}
				topics = append(topics, map[string]any{"name": strAt(row, 0), "replicaInfo": info})
			}
			return map[string]any{"@type": "kafka_topics", "statementText": text, "topics": topics, "warnings": []any{}}
		case ast.ShowProperties:
			props := make([]any, 0, len(r.Rows))
			for _, row := range r.Rows {
				props = append(props, map[string]any{"name": strAt(row, 0), "scope": strAt(row, 1), "value": strAt(row, 2)})
			}
			return map[string]any{"@type": "properties", "statementText": text, "properties": props,
				"overwrittenProperties": []any{}, "defaultProperties": []any{}, "warnings": []any{}}
		case ast.ShowFunctions:
			fns := make([]any, 0, len(r.Rows))
			for _, row := range r.Rows {
				fns = append(fns, map[string]any{"name": strAt(row, 0), "type": strAt(row, 1), "category": strAt(row, 2)})
			}
			return map[string]any{"@type": "function_names", "statementText": text, "functions": fns, "warnings": []any{}}
		}
	case *ast.Explain:
		return s.queryDescription(st, text, r.Message)
	}
	if r.Kind == exec.ResultTable {
		// No ksqlDB entity fits (DESCRIBE FUNCTION, SHOW TYPES): send the
		// table as the shell would print it.
		rows := make([][]any, len(r.Rows))
		for i, row := range r.Rows {
			rows[i] = jsonRow(row, r.Types)
		}
		return map[string]any{"@type": "table", "statementText": text, "message": r.Message,
			"columns": r.Columns, "rows": rows, "warnings": []any{}}
	}
	id := commandID(st, r.QueryID)
	status := commandStatus{Status: "SUCCESS", Message: r.Message}
	seq := s.recordCommand(id, status)
	return map[string]any{
		"@type":                 "currentStatus",
		"statementText":         text,
		"commandId":             id,
		"commandStatus":         map[string]any{"status": status.Status, "message": status.Message, "queryId": nilIfEmpty(r.QueryID)},
		"commandSequenceNumber": seq,
		"warnings":              []any{},
	}
}

// commandID names a command as ksqlDB does: type/entity/action.
func commandID(st ast.Statement, queryID string) string {
	kind := func(k ast.SourceKind) string {
		if k == ast.Table {
			return "table"
		}
		return "stream"
	}
	switch st := st.(type) {
	case *ast.CreateSource:
		return kind(st.Kind) + "/" + types.QuoteIdent(st.Name) + "/create"
	case *ast.Drop:
		return kind(st.Kind) + "/" + types.QuoteIdent(st.Name) + "/drop"
	case *ast.Terminate:
		if st.All {
			return "terminate/ALL/execute"
		}
		return "terminate/" + st.QueryID + "/execute"
	case *ast.InsertSelect:
		return "stream/" + types.QuoteIdent(st.Target) + "/create"
	}
	if queryID != "" {
		return "query/" + queryID + "/execute"
	}
	return "statement/" + fmt.Sprintf("%T", st)[len("*ast."):] + "/execute"
}

func (s *Server) sourceList(text string, what ast.ShowKind) map[string]any {
	kind, typ, key := ast.Stream, "streams", "streams"
	if what == ast.ShowTables {
		kind, typ, key = ast.Table, "tables", "tables"
	}
	list := []any{}
	for _, src := range s.eng.Catalog().Sources(kind) {
		list = append(list, map[string]any{
			"type":        src.Kind.String(),
			"name":        src.Name,
			"topic":       src.Topic,
			"keyFormat":   src.KeyFormat.Format,
			"valueFormat": src.ValueFormat.Format,
			"isWindowed":  src.Window != nil,
		})
	}
	return map[string]any{"@type": typ, "statementText": text, key: list, "warnings": []any{}}
}

// runningQueries lists persistent queries, all of them or those keep accepts.
func (s *Server) runningQueries(keep func(*catalog.Query) bool) []any {
	cat := s.eng.Catalog()
	out := []any{}
	for _, q := range cat.Queries() {
		if keep != nil && !keep(q) {
			continue
		}
		sinks, topics := []string{}, []string{}
		if q.Sink != "" {
			sinks = append(sinks, q.Sink)
			if src := cat.Source(q.Sink); src != nil {
				topics = append(topics, src.Topic)
			}
		}
		rq := map[string]any{
			"queryString":     q.SQL,
			"sinks":           sinks,
			"sinkKafkaTopics": topics,
			"id":              q.ID,
			"statusCount":     map[string]int{string(q.State): 1},
			"queryType":       "PERSISTENT",
			"state":           string(q.State),
		}
		if errs := queryErrors(q); len(errs) > 0 {
			// Not in ksqlDB's RunningQuery, which only counts the hosts in
			// ERROR: the reason, in QueryDescription's shape, so that
			// SHOW QUERIES tells why without an EXPLAIN per query.
			rq["queryErrors"] = errs
		}
		out = append(out, rq)
	}
	return out
}

// queryErrors is ksqlDB's queryErrors list (QueryError entities) of a
// query: its failure, if it failed. The type is UNKNOWN: Sluice does not
// tell user errors from system errors as ksqlDB's classifiers do.
func queryErrors(q *catalog.Query) []any {
	if q.State != catalog.Error {
		return []any{}
	}
	return []any{map[string]any{"timestamp": q.Failed.UnixMilli(), "errorMessage": q.Err, "type": "UNKNOWN"}}
}

func (s *Server) describe(ctx context.Context, sess *exec.Session, st *ast.Describe, text string) ([]any, error) {
	cat := s.eng.Catalog()
	if st.AllOf != nil {
		kind := ast.Stream
		if *st.AllOf == ast.ShowTables {
			kind = ast.Table
		}
		descs := []any{}
		for _, src := range cat.Sources(kind) {
			descs = append(descs, s.sourceDescription(src, st.Extended))
		}
		return []any{map[string]any{"@type": "source_descriptions", "statementText": text, "sourceDescriptions": descs, "warnings": []any{}}}, nil
	}
	src := cat.Source(st.Name)
	if src == nil {
		// The engine knows the exact "does not exist" error.
		if _, err := s.eng.ExecuteStatement(ctx, sess, st); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("Could not find STREAM/TABLE '%s' in the Metastore", st.Name)
	}
	return []any{map[string]any{"@type": "sourceDescription", "statementText": text,
		"sourceDescription": s.sourceDescription(src, st.Extended), "warnings": []any{}}}, nil
}

func (s *Server) sourceDescription(src *catalog.Source, extended bool) map[string]any {
	var window any
	if src.Window != nil {
		window = src.Window.Type.String()
	}
	reads := s.runningQueries(func(q *catalog.Query) bool {
		for _, n := range q.Sources {
			if n == src.Name {
				return true
			}
		}
		return false
	})
	writes := s.runningQueries(func(q *catalog.Query) bool { return q.Sink == src.Name })
	return map[string]any{
		"name":                 src.Name,
		"windowType":           window,
		"readQueries":          reads,
		"writeQueries":         writes,
		"fields":               fieldInfos(src.Schema.Columns),
		"type":                 src.Kind.String(),
		"timestamp":            src.TimestampColumn,
		"statistics":           "",
		"errorStats":           "",
		"extended":             extended,
		"keyFormat":            src.KeyFormat.Format,
		"valueFormat":          src.ValueFormat.Format,
		"topic":                src.Topic,
		"partitions":           src.Partitions,
		"replication":          1,
		"statement":            src.SQL,
		"queryOffsetSummaries": []any{},
		"sourceConstraints":    []any{},
	}
}

// schemaInfo is ksqlDB's SchemaInfo: a type with its struct fields or
// array/map member.
type schemaInfo struct {
	Type         string         `json:"type"`
	Fields       []fieldInfo    `json:"fields"`
	MemberSchema *schemaInfo    `json:"memberSchema"`
	Parameters   map[string]any `json:"parameters,omitempty"`
}

type fieldInfo struct {
	Name   string     `json:"name"`
	Schema schemaInfo `json:"schema"`
	Type   string     `json:"type,omitempty"` // KEY, HEADER; absent for value columns
}

func fieldInfos(cols []types.Column) []fieldInfo {
	out := make([]fieldInfo, 0, len(cols))
	for _, c := range cols {
		f := fieldInfo{Name: c.Name, Schema: toSchemaInfo(c.Type)}
		switch c.Namespace {
		case types.KeyColumn:
			f.Type = "KEY"
		case types.HeaderColumn:
			f.Type = "HEADER"
		}
		out = append(out, f)
	}
	return out
}

func toSchemaInfo(t *types.Type) schemaInfo {
	if t == nil {
		return schemaInfo{Type: "NULL"}
	}
	switch t.Kind {
	case types.DecimalKind:
		return schemaInfo{Type: "DECIMAL", Parameters: map[string]any{"precision": t.Precision, "scale": t.Scale}}
	case types.Array:
		m := toSchemaInfo(t.Elem)
		return schemaInfo{Type: "ARRAY", MemberSchema: &m}
	case types.MapKind:
		m := toSchemaInfo(t.Elem)
		return schemaInfo{Type: "MAP", MemberSchema: &m}
	case types.StructKind:
		fs := make([]fieldInfo, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = fieldInfo{Name: f.Name, Schema: toSchemaInfo(f.Type)}
		}
		return schemaInfo{Type: "STRUCT", Fields: fs}
	}
	return schemaInfo{Type: t.String()}
}

// queryDescription answers EXPLAIN: the engine's plan text goes in
// executionPlan and topology; the rest comes from the catalog.
func (s *Server) queryDescription(st *ast.Explain, text, plan string) map[string]any {
	desc := map[string]any{
		"id":                   "",
		"statementText":        "",
		"windowType":           nil,
		"fields":               []fieldInfo{},
		"sources":              []string{},
		"sinks":                []string{},
		"topology":             plan,
		"executionPlan":        plan,
		"overriddenProperties": map[string]any{},
		"queryType":            "PERSISTENT",
		"state":                "",
		"queryErrors":          []any{},
	}
	if st.Stmt != nil {
		desc["statementText"] = st.Stmt.SourceText() + ";"
		if _, ok := st.Stmt.(*ast.Query); ok {
			desc["queryType"] = "PUSH"
		}
	} else if q := s.eng.Catalog().Query(st.QueryID); q != nil {
		srcs := append([]string{}, q.Sources...)
		sort.Strings(srcs)
		desc["id"], desc["statementText"], desc["sources"], desc["state"] = q.ID, q.SQL, srcs, string(q.State)
		desc["queryErrors"] = queryErrors(q)
		if q.Sink != "" {
			desc["sinks"] = []string{q.Sink}
			if sink := s.eng.Catalog().Source(q.Sink); sink != nil {
				desc["fields"] = fieldInfos(sink.Schema.Columns)
				if sink.Window != nil {
					desc["windowType"] = sink.Window.Type.String()
				}
			}
		}
	}
	return map[string]any{"@type": "queryDescription", "statementText": text, "queryDescription": desc, "warnings": []any{}}
}

func strAt(row []any, i int) string {
	if i >= len(row) || row[i] == nil {
		return ""
	}
	if s, ok := row[i].(string); ok {
		return s
	}
	return fmt.Sprint(row[i])
}

func intAt(row []any, i int) int {
	if i >= len(row) {
		return 0
	}
	switch x := row[i].(type) {
	case int:
		return x
	case int32:
		return int(x)
	case int64:
		return int(x)
	}
	n, _ := strconv.Atoi(strAt(row, i))
	return n
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
