package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
)

// queryRequest is the body of POST /query (ksql, streamsProperties) and of
// POST /query-stream (sql, properties).
type queryRequest struct {
	Ksql              string         `json:"ksql"`
	StreamsProperties map[string]any `json:"streamsProperties"`
	SQL               string         `json:"sql"`
	Properties        map[string]any `json:"properties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
}

// ending decides the final message /query sends after a query's last row,
// as ksqlDB's QueryStreamWriter does: "Limit Reached" once the query's LIMIT
// is reached, else "Query Completed" (a pull query over a stream read to its
// end); a pull query over a table sends none.
type ending struct {
	announce bool
	limit    int64 // -1 without LIMIT
}

func (e ending) message(rows int64) any {
	switch {
	case !e.announce:
		return nil
	case e.limit >= 0 && rows >= e.limit:
		return map[string]any{"finalMessage": "Limit Reached"}
	}
	return map[string]any{"finalMessage": "Query Completed"}
}

// startQuery parses and starts the single query of a request. On failure
// it has already answered the client and returns ok=false. end is how the
// query's end is announced.
func (s *Server) startQuery(w http.ResponseWriter, r *http.Request, text string, props map[string]any) (res exec.Result, sess *exec.Session, end ending, ok bool) {
	if strings.TrimSpace(text) == "" {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "Request is missing the query text"))
		return res, nil, ending{}, false
	}
	stmts, err := parser.Parse(text)
	if err != nil {
		writeJSON(w, r, http.StatusBadRequest, statementError(codeBadStatement, text, err, nil))
		return res, nil, ending{}, false
	}
	if len(stmts) != 1 {
		writeJSON(w, r, http.StatusBadRequest, statementError(codeBadStatement, text,
			fmt.Errorf("Expected exactly one statement, got %d", len(stmts)), nil))
		return res, nil, ending{}, false
	}
	st := stmts[0]
	switch st.(type) {
	case *ast.Query, *ast.Print:
	default:
		writeJSON(w, r, http.StatusBadRequest, statementError(codeBadStatement, st.SourceText()+";",
			errors.New("This endpoint only runs queries (SELECT, PRINT); send other statements to /ksql"), nil))
		return res, nil, ending{}, false
	}
	sess = exec.NewSession()
	for k, v := range propertyMap(props) {
		sess.Properties[k] = v
	}
	results, err := s.eng.ExecuteStatement(r.Context(), sess, st)
	if err == nil && len(results) != 1 {
		err = fmt.Errorf("query produced %d results, expected one", len(results))
		for _, res := range results {
			if res.Cancel != nil {
				res.Cancel()
			}
		}
	}
	if err != nil {
		sess.Close()
		writeJSON(w, r, http.StatusBadRequest, statementError(codeBadStatement, st.SourceText()+";", err, nil))
		return res, nil, ending{}, false
	}
	end = ending{announce: true, limit: -1}
	var limit *int64
	switch q := st.(type) {
	case *ast.Query:
		limit = q.Limit
		if q.Emit == ast.EmitNone {
			ref, isRef := q.From.(*ast.SourceRef)
			end.announce = isRef && s.isStream(ref.Name)
		}
	case *ast.Print:
		limit = q.Limit
	}
	if limit != nil {
		end.limit = *limit
	}
	return results[0], sess, end, true
}

// streamOutcome says why a result stream ended.
type streamOutcome int

const (
	endOfRows  streamOutcome = iota // the query ended by itself (LIMIT, or a finished table)
	closedByID                      // /close-query, or the server shutting down
	clientGone                      // the client disconnected or a write failed
	queryError                      // the query failed; err is set
)

// pump sends each row of res to emit until the rows end, the client goes
// away or the query is closed. It registers the query for /close-query
// under id, and always stops it before returning.
func (s *Server) pump(ctx context.Context, id string, res exec.Result, emit func(row []any, more bool) error) (streamOutcome, error) {
	if res.Kind != exec.ResultStream {
		for i, row := range res.Rows {
			if err := emit(row, i+1 < len(res.Rows)); err != nil {
				return clientGone, err
			}
		}
		return endOfRows, nil
	}
	var closed atomic.Bool
	s.addQuery(id, func() {
		closed.Store(true)
		res.Cancel()
	})
	defer s.removeQuery(id)
	defer res.Cancel()
	for {
		select {
		case <-ctx.Done():
			return clientGone, ctx.Err()
		case row, ok := <-res.Stream:
			if !ok {
				if closed.Load() {
					return closedByID, nil
				}
				if err := res.Err(); err != nil {
					return queryError, err
				}
				return endOfRows, nil
			}
			// Flush only when no row is waiting: fewer, larger writes.
			if err := emit(row, len(res.Stream) > 0); err != nil {
				return clientGone, err
			}
		}
	}
}

func newQueryID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "query_" + hex.EncodeToString(b[:])
}

func jsonRow(row []any, tys []*types.Type) []any {
	out := make([]any, len(row))
	for i, v := range row {
		var t *types.Type
		if i < len(tys) {
			t = tys[i]
		}
		out[i] = serde.ToJSON(v, t)
	}
	return out
}

func columnTypes(res exec.Result) []string {
	out := make([]string, len(res.Columns))
	for i := range out {
		if i < len(res.Types) && res.Types[i] != nil {
			out[i] = res.Types[i].String()
		} else {
			out[i] = "STRING"
		}
	}
	return out
}

// isStream tells whether name is a stream of the catalog.
func (s *Server) isStream(name string) bool {
	src := s.eng.Catalog().Source(name)
	return src != nil && src.Kind == ast.Stream
}

// handleQuery is ksqlDB's original streaming endpoint: one chunked JSON
// array of a header, rows and a final message.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if !decodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	res, sess, end, ok := s.startQuery(w, r, req.Ksql, req.StreamsProperties)
	if !ok {
		return
	}
	defer sess.Close()
	id := res.QueryID
	if id == "" {
		id = newQueryID()
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", responseType(r))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)

	schema := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		schema[i] = types.QuoteIdent(c) + " " + columnTypes(res)[i]
		if i < len(res.Keys) && res.Keys[i] {
			schema[i] += " KEY"
		}
	}
	write := func(prefix string, v any, flush bool) error {
		b, err := marshal(v)
		if err != nil {
			return err
		}
		if _, err := w.Write(append([]byte(prefix), b...)); err != nil {
			return err
		}
		if flush {
			return rc.Flush()
		}
		return nil
	}
	header := map[string]any{"header": map[string]any{"queryId": id, "schema": strings.Join(schema, ", ")}}
	if err := write("[", header, true); err != nil {
		if res.Cancel != nil {
			res.Cancel()
		}
		return
	}
	var rows int64
	outcome, err := s.pump(r.Context(), id, res, func(row []any, more bool) error {
		rows++
		return write(",\n", map[string]any{"row": map[string]any{"columns": jsonRow(row, res.Types)}}, !more)
	})
	var final any
	switch outcome {
	case clientGone:
		return
	case queryError:
		final = map[string]any{"errorMessage": genericError(codeServerError, err.Error())}
	case closedByID:
		final = map[string]any{"finalMessage": "Query Terminated"}
	default:
		final = end.message(rows)
	}
	if final != nil {
		_ = write(",\n", final, false)
	}
	_, _ = w.Write([]byte("]\n"))
	_ = rc.Flush()
}

// handleQueryStream is ksqlDB's HTTP/2-era endpoint: a header object, then
// rows as JSON arrays, newline-delimited or as one JSON array.
func (s *Server) handleQueryStream(w http.ResponseWriter, r *http.Request) {
	var req queryRequest
	if !decodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	res, sess, _, ok := s.startQuery(w, r, req.SQL, req.Properties)
	if !ok {
		return
	}
	defer sess.Close()
	id := res.QueryID
	if id == "" {
		id = newQueryID()
	}
	asArray := strings.Contains(r.Header.Get("Accept"), ctJSON)
	rc := http.NewResponseController(w)
	if asArray {
		w.Header().Set("Content-Type", ctJSON)
	} else {
		w.Header().Set("Content-Type", ctDelimited)
	}
	w.WriteHeader(http.StatusOK)

	first, sep, end := "", "\n", ""
	if asArray {
		first, sep, end = "[", ",\n", "]\n"
	}
	write := func(prefix string, v any, suffix string, flush bool) error {
		b, err := marshal(v)
		if err != nil {
			return err
		}
		buf := make([]byte, 0, len(prefix)+len(b)+len(suffix))
		buf = append(append(append(buf, prefix...), b...), suffix...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		if flush {
			return rc.Flush()
		}
		return nil
	}
	header := struct {
		QueryID     string   `json:"queryId"`
		ColumnNames []string `json:"columnNames"`
		ColumnTypes []string `json:"columnTypes"`
	}{id, res.Columns, columnTypes(res)}
	// In delimited mode each object ends its line; in array mode the
	// separator goes before the next element.
	pre, post := first, ""
	if !asArray {
		post = sep
	}
	if err := write(pre, header, post, true); err != nil {
		if res.Cancel != nil {
			res.Cancel()
		}
		return
	}
	if asArray {
		pre = sep
	}
	outcome, err := s.pump(r.Context(), id, res, func(row []any, more bool) error {
		return write(pre, jsonRow(row, res.Types), post, !more)
	})
	switch outcome {
	case clientGone:
		return
	case queryError:
		_ = write(pre, genericError(codeServerError, err.Error()), post, false)
	}
	if end != "" {
		_, _ = w.Write([]byte(end))
	}
	_ = rc.Flush()
}

func (s *Server) handleCloseQuery(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QueryID string `json:"queryId"`
	}
	if !decodeBody(w, r, s.cfg.MaxBodyBytes, &req) {
		return
	}
	if req.QueryID == "" {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeBadRequest, "No queryId in request"))
		return
	}
	if !s.closeQuery(req.QueryID) {
		writeJSON(w, r, http.StatusBadRequest, genericError(codeUnknownQueryID, "No query with id "+req.QueryID))
		return
	}
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(http.StatusOK)
}
