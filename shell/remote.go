package shell

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// Remote runs statements on a Sluice (or ksqlDB) server through its REST
// API, so the shell works the same against a server as in-process: admin
// statements go to /ksql, queries and PRINT stream from /query-stream, and
// Ctrl-C closes a push query with /close-query.
type Remote struct {
	Base     string // e.g. http://127.0.0.1:8088
	User     string
	Password string
	Client   *http.Client
}

var _ Executor = (*Remote)(nil)

// RemoteError is an error the server answered with.
type RemoteError struct {
	Status  int
	Code    int
	Message string
}

func (e *RemoteError) Error() string { return e.Message }

// errorBody is ksqlDB's error entity, as far as the shell reads it.
type errorBody struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (r *Remote) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return http.DefaultClient
}

func (r *Remote) post(ctx context.Context, path, accept string, body any) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.Base, "/")+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	req.Header.Set("Accept", accept)
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Password)
	}
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", r.Base, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		var e errorBody
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		return nil, &RemoteError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	return resp, nil
}

// Execute runs sql statement by statement on the server. SET and UNSET
// change the session's properties, sent along with every request.
func (r *Remote) Execute(ctx context.Context, s *exec.Session, sql string) ([]exec.Result, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	var out []exec.Result
	for _, st := range stmts {
		var res []exec.Result
		switch st := st.(type) {
		case *ast.Set:
			s.Properties[st.Name] = st.Value
			res = []exec.Result{{Kind: exec.ResultMessage, Message: fmt.Sprintf("Successfully changed local property '%s' to '%s'.", st.Name, st.Value)}}
		case *ast.Unset:
			delete(s.Properties, st.Name)
			res = []exec.Result{{Kind: exec.ResultMessage, Message: fmt.Sprintf("Successfully unset local property '%s'.", st.Name)}}
		case *ast.RunScript:
			// The server cannot read the client's files: as ksqlDB's CLI
			// does, read the script here and send its statements.
			var sql string
			if sql, err = s.ReadScript(st); err == nil {
				res, err = r.Execute(ctx, s, sql)
			}
			out = append(out, res...)
			if err != nil {
				return out, err
			}
			continue
		case *ast.Query, *ast.Print:
			res, err = r.stream(ctx, s, st.SourceText())
		default:
			res, err = r.admin(ctx, s, st.SourceText())
		}
		if err != nil {
			return out, err
		}
		for i := range res {
			res[i].Statement = st.SourceText()
		}
		out = append(out, res...)
	}
	return out, nil
}

func (r *Remote) admin(ctx context.Context, s *exec.Session, text string) ([]exec.Result, error) {
	resp, err := r.post(ctx, "/ksql", "application/vnd.ksql.v1+json",
		map[string]any{"ksql": text + ";", "streamsProperties": s.Properties})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var entities []map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&entities); err != nil {
		return nil, fmt.Errorf("server %s: unreadable response: %w", r.Base, err)
	}
	var out []exec.Result
	for _, ent := range entities {
		out = append(out, entityResult(ent))
	}
	return out, nil
}

// entityResult renders one ksqlDB REST entity as a shell result.
func entityResult(ent map[string]any) exec.Result {
	list := func(key string, cols []string, fields ...string) exec.Result {
		res := exec.Result{Kind: exec.ResultTable, Columns: cols}
		items, _ := ent[key].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			row := make([]any, len(fields))
			for i, f := range fields {
				row[i] = plain(m[f])
			}
			res.Rows = append(res.Rows, row)
		}
		return res
	}
	switch ent["@type"] {
	case "currentStatus":
		st, _ := ent["commandStatus"].(map[string]any)
		return exec.Result{Kind: exec.ResultMessage, Message: fmt.Sprint(st["message"])}
	case "streams":
		return list("streams", []string{"Stream Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"},
			"name", "topic", "keyFormat", "valueFormat", "isWindowed")
	case "tables":
		return list("tables", []string{"Table Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"},
			"name", "topic", "keyFormat", "valueFormat", "isWindowed")
	case "queries":
		res := list("queries", []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"},
			"id", "queryType", "state", "sinks", "sinkKafkaTopics", "queryString")
		items, _ := ent["queries"].([]any)
		for i, it := range items {
			m, _ := it.(map[string]any)
			res.Rows[i][2] = withReason(res.Rows[i][2], m)
		}
		return res
	case "kafka_topics":
		return list("topics", []string{"Kafka Topic", "Partitions"}, "name", "replicaInfo")
	case "properties":
		return list("properties", []string{"Property", "Scope", "Value"}, "name", "scope", "value")
	case "function_names":
		return list("functions", []string{"Function Name", "Type", "Category"}, "name", "type", "category")
	case "sourceDescription":
		d, _ := ent["sourceDescription"].(map[string]any)
		res := exec.Result{Kind: exec.ResultTable, Columns: []string{"Field", "Type"},
			Message: fmt.Sprintf("Name                 : %v", d["name"])}
		fields, _ := d["fields"].([]any)
		for _, f := range fields {
			m, _ := f.(map[string]any)
			sch, _ := m["schema"].(map[string]any)
			t := fmt.Sprint(sch["type"])
			if k, ok := m["type"].(string); ok && k == "KEY" {
				t += " (key)"
			}
			res.Rows = append(res.Rows, []any{m["name"], t})
		}
		return res
	case "table":
		res := exec.Result{Kind: exec.ResultTable, Message: fmt.Sprint(ent["message"])}
		cols, _ := ent["columns"].([]any)
		for _, c := range cols {
			res.Columns = append(res.Columns, fmt.Sprint(c))
		}
		rows, _ := ent["rows"].([]any)
		for _, row := range rows {
			vals, _ := row.([]any)
			res.Rows = append(res.Rows, vals)
		}
		return res
	case "queryDescription":
		d, _ := ent["queryDescription"].(map[string]any)
		return exec.Result{Kind: exec.ResultMessage, Message: fmt.Sprint(d["executionPlan"])}
	}
	b, _ := json.MarshalIndent(ent, "", "  ")
	return exec.Result{Kind: exec.ResultMessage, Message: string(b)}
}

// withReason adds to a query's status the reason of its last error, as
// the shell shows it in-process (Sluice servers list it in queryErrors).
func withReason(status any, query map[string]any) any {
	errs, _ := query["queryErrors"].([]any)
	if len(errs) == 0 {
		return status
	}
	last, _ := errs[len(errs)-1].(map[string]any)
	return fmt.Sprintf("%v: %v", status, last["errorMessage"])
}

func plain(v any) any {
	switch v := v.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ", ")
	case nil:
		return ""
	}
	return v
}

// stream runs a push query or PRINT over /query-stream (newline-delimited:
// a header object, then one JSON array per row).
func (r *Remote) stream(ctx context.Context, s *exec.Session, text string) ([]exec.Result, error) {
	qctx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	resp, err := r.post(qctx, "/query-stream", "application/vnd.ksqlapi.delimited.v1",
		map[string]any{"sql": text + ";", "properties": s.Properties})
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	rd := bufio.NewReader(resp.Body)
	line, err := rd.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		resp.Body.Close()
		stop()
		cancel()
		return nil, fmt.Errorf("server %s: no query header: %w", r.Base, err)
	}
	var hdr struct {
		QueryID     string   `json:"queryId"`
		ColumnNames []string `json:"columnNames"`
	}
	if err := json.Unmarshal(line, &hdr); err != nil {
		resp.Body.Close()
		stop()
		cancel()
		return nil, fmt.Errorf("server %s: bad query header %q: %w", r.Base, line, err)
	}
	rows := make(chan []any, 64)
	var streamErr error
	go func() {
		defer close(rows)
		defer resp.Body.Close()
		defer stop()
		for {
			line, err := rd.ReadBytes('\n')
			if t := bytes.TrimSpace(line); len(t) > 0 {
				dec := json.NewDecoder(bytes.NewReader(t))
				dec.UseNumber()
				var row []any
				if dec.Decode(&row) == nil {
					select {
					case rows <- row:
					case <-qctx.Done():
						return
					}
				} else if !bytes.HasPrefix(t, []byte("{")) {
					streamErr = fmt.Errorf("server %s: bad row %q", r.Base, t)
					return
				} else if err := streamError(t, resp.StatusCode); err != nil {
					// The query failed after its header was sent: the
					// server ends the stream with an error object.
					streamErr = err
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	closeQuery := func() {
		if hdr.QueryID != "" {
			if resp, err := r.post(context.Background(), "/close-query", "application/json", map[string]any{"queryId": hdr.QueryID}); err == nil {
				resp.Body.Close()
			}
		}
		cancel()
	}
	return []exec.Result{{Kind: exec.ResultStream, Columns: hdr.ColumnNames, Stream: rows, QueryID: hdr.QueryID,
		Cancel: closeQuery, Err: func() error { return streamErr }}}, nil
}

// streamError decodes an error object written in the middle of a query's
// stream (ksqlDB's KsqlErrorMessage: error_code and message); nil for any
// other object, which is skipped.
func streamError(line []byte, status int) error {
	var e errorBody
	if json.Unmarshal(line, &e) != nil || (e.Code == 0 && e.Message == "") {
		return nil
	}
	return &RemoteError{Status: status, Code: e.Code, Message: e.Message}
}
