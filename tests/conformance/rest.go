package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/sluicedb/sluice/tests/sqltest"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/server"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
)

// How long a push query's response is read when it does not end by itself
// (a LIMIT reached, an error, a finished pull query). ksqlDB's runner reads
// until LIMIT; a query that falls short would block forever, so the runner
// stops reading once nothing has arrived for pushQuiet after the inputs
// were produced and the persistent queries were idle, or for pushSettle
// once the expected number of entries is in (to catch extra rows).
const (
	pushQuiet  = time.Second
	pushSettle = 150 * time.Millisecond
)

// queryStatement recognises queries among statements that do not parse.
var queryStatement = regexp.MustCompile(`(?is)^\s*(SELECT|PRINT)\b`)

// restResponse is one actual response: an admin entity of /ksql or the
// entries (header, rows, final message) of one query.
type restResponse struct {
	kind    string // "admin" or "query"
	payload any
}

// restErr is a failed request: the HTTP status and the error entity.
type restErr struct {
	status int
	entity map[string]any
	raw    string // the body when it is not a JSON object
}

func (e *restErr) message() string {
	if m, ok := e.entity["message"].(string); ok {
		return m
	}
	return e.raw
}

// restRun is the REST side of a caseRun.
type restRun struct {
	*caseRun
	url    string
	client *http.Client
	props  map[string]any
	// inputsDone is set once the inputs were produced.
	inputsDone bool
}

// runREST runs an RQTT case: statements go through the REST server on a
// fresh engine; admin statements before the first query as one /ksql
// request (as ksqlDB's runner sends them), each query to /query.
func (r *caseRun) runREST(ctx context.Context) *failure {
	// ksqlDB's RQTT servers run with scalable push queries enabled.
	props := map[string]string{"ksql.query.push.v2.enabled": "true"}
	for k, v := range noRecordCache {
		props[k] = v
	}
	eng, err := exec.NewEngine(ctx, exec.Config{Ephemeral: true, Logf: r.logf, Properties: props})
	if err != nil {
		return failf("runner", "start engine: %v", err)
	}
	r.eng = eng
	defer closeEngine(eng)
	r.io, err = dialIO(eng.BrokerAddr())
	if err != nil {
		return failf("runner", "%v", err)
	}
	defer r.io.close()
	srv := httptest.NewServer(server.New(eng, server.Config{}).Handler())
	defer func() {
		// A push query still streaming would hold Close until it ends.
		srv.CloseClientConnections()
		srv.Close()
	}()
	rr := &restRun{caseRun: r, url: srv.URL, client: srv.Client(), props: map[string]any{}}
	for k, v := range r.c.Properties {
		rr.props[k] = v
	}
	// Queries see every record of their inputs, as under ksqlDB's runner.
	if _, ok := rr.props["auto.offset.reset"]; !ok {
		rr.props["auto.offset.reset"] = "earliest"
	}
	return rr.run(ctx)
}

// splitStatements returns the statements parsed where possible (for topic
// set-up) and, per statement, whether it is a query.
func splitStatements(stmts []string) ([]ast.Statement, []bool) {
	var parsed []ast.Statement
	isQuery := make([]bool, len(stmts))
	for i, s := range stmts {
		sts, err := parser.Parse(s)
		if err != nil || len(sts) != 1 {
			isQuery[i] = queryStatement.MatchString(s)
			parsed = append(parsed, sts...)
			continue
		}
		switch sts[0].(type) {
		case *ast.Query, *ast.Print:
			isQuery[i] = true
		}
		parsed = append(parsed, sts[0])
	}
	return parsed, isQuery
}

func (r *restRun) run(ctx context.Context) *failure {
	c := r.c
	r.phase = "topic set-up"
	parsed, isQuery := splitStatements(c.Statements)
	if f := r.createTopics(ctx, parsed); f != nil {
		return f
	}

	var actual []restResponse
	var lastErr *restErr // the last failed statement, judged against expectedError
	i := 0
	for i < len(c.Statements) {
		if !isQuery[i] {
			// A run of admin statements is one /ksql request.
			j := i
			for j < len(c.Statements) && !isQuery[j] {
				j++
			}
			r.phase = "admin statements"
			ents, rerr, err := r.postKsql(ctx, strings.Join(c.Statements[i:j], "\n"))
			if err != nil {
				return failf("runner", "POST /ksql: %v", err)
			}
			if rerr != nil {
				// ksqlDB's runner stops at a failed admin request.
				return r.judgeError(rerr)
			}
			for _, e := range ents {
				actual = append(actual, restResponse{kind: "admin", payload: e})
			}
			i = j
			continue
		}
		if !r.inputsDone && !c.WaitForPushQuery {
			if f := r.produce(ctx); f != nil {
				return f
			}
		}
		r.phase = "query " + clip(c.Statements[i], 60)
		expN := -1
		if n := len(actual); n < len(c.Responses) {
			if list, ok := c.Responses[n].Payload.([]any); ok {
				expN = len(list)
			}
		}
		entries, rerr, f := r.postQuery(ctx, c.Statements[i], expN)
		if f != nil {
			return f
		}
		if rerr != nil {
			if c.RESTError == nil {
				return r.judgeError(rerr)
			}
			if why := matchRESTError(c.RESTError, rerr); why != "" {
				return &failure{kind: "wrong error", detail: why, group: normalizeMessage(rerr.message())}
			}
			lastErr = rerr
		} else if len(entries) > 0 {
			actual = append(actual, restResponse{kind: "query", payload: entries})
		}
		i++
	}
	if !r.inputsDone {
		if f := r.produce(ctx); f != nil {
			return f
		}
	}
	if c.RESTError != nil && lastErr == nil {
		return &failure{kind: "expected error not raised",
			detail: fmt.Sprintf("expected HTTP %d %s %s, but every statement succeeded",
				c.RESTError.Status, sqltest.ShortClass(c.RESTError.Type), quote(c.RESTError.Message))}
	}

	r.phase = "outputs"
	if len(c.Outputs) > 0 {
		if err := r.eng.WaitIdle(ctx); err != nil {
			return failf("timeout", "waiting for queries to finish: %v", err)
		}
		if f := r.checkOutputs(ctx); f != nil {
			return f
		}
	}
	r.phase = "responses"
	return compareResponses(c.Responses, actual, c.Statements, c.VerifyOrder)
}

// produce writes the inputs and waits until the persistent queries have
// processed them, so that pull queries see their results.
func (r *restRun) produce(ctx context.Context) *failure {
	r.inputsDone = true
	r.phase = "inputs"
	if f := r.produceInputs(ctx); f != nil {
		return f
	}
	r.phase = "waiting for queries"
	if err := r.eng.WaitIdle(ctx); err != nil {
		return failf("timeout", "waiting for queries to finish: %v", err)
	}
	return nil
}

// judgeError compares a failed request with expectedError; without one
// the failure is the case's.
func (r *restRun) judgeError(e *restErr) *failure {
	exp := r.c.RESTError
	if exp == nil {
		return &failure{kind: "statement error", detail: fmt.Sprintf("HTTP %d: %s", e.status, e.message()),
			group: normalizeMessage(e.message())}
	}
	if why := matchRESTError(exp, e); why != "" {
		return &failure{kind: "wrong error", detail: why, group: normalizeMessage(e.message())}
	}
	return nil
}

// matchRESTError explains why e does not satisfy exp, or returns "".
// KsqlStatementErrorMessage needs a statement_error entity; its parent
// KsqlErrorMessage accepts any error entity.
func matchRESTError(exp *RESTError, e *restErr) string {
	msg := e.message()
	if exp.Status != 0 && exp.Status != e.status {
		return fmt.Sprintf("expected HTTP status %d, got %d (%s)", exp.Status, e.status, quote(msg))
	}
	if exp.Message != "" && !strings.Contains(msg, exp.Message) {
		return "expected error message containing " + quote(exp.Message) + ", got " + quote(msg)
	}
	if sqltest.ShortClass(exp.Type) == "KsqlStatementErrorMessage" {
		if t, _ := e.entity["@type"].(string); t != "statement_error" {
			return fmt.Sprintf("expected a statement_error entity, got @type %q (%s)", t, quote(msg))
		}
	}
	return ""
}

func (r *restRun) newRequest(ctx context.Context, path, sql string) (*http.Request, error) {
	body, err := json.Marshal(map[string]any{"ksql": sql, "streamsProperties": r.props})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	req.Header.Set("Accept", "application/vnd.ksql.v1+json")
	return req, nil
}

// readError decodes a non-200 response.
func readError(resp *http.Response) *restErr {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &restErr{status: resp.StatusCode, raw: string(b)}
	var m map[string]any
	if decodeStrict(b, &m) == nil {
		e.entity = m
	}
	return e
}

// postKsql sends admin statements to /ksql and returns the entities, or
// the error response.
func (r *restRun) postKsql(ctx context.Context, sql string) ([]any, *restErr, error) {
	req, err := r.newRequest(ctx, "/ksql", sql)
	if err != nil {
		return nil, nil, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp), nil
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	var ents []any
	if err := decodeStrict(b, &ents); err != nil {
		return nil, nil, fmt.Errorf("response is not a JSON array: %v: %s", err, clip(string(b), 200))
	}
	return ents, nil, nil
}

// postQuery runs one query on /query and collects its entries: the header,
// the rows and the final message. expN is the expected entry count (-1 if
// unknown). It produces the inputs once the header arrives when the case
// waits for an active push query.
func (r *restRun) postQuery(ctx context.Context, sql string, expN int) ([]any, *restErr, *failure) {
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := r.newRequest(qctx, "/query", sql)
	if err != nil {
		return nil, nil, failf("runner", "%v", err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, nil, failf("runner", "POST /query: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, readError(resp), nil
	}
	type item struct {
		v   any
		err error
	}
	items := make(chan item)
	go func() {
		defer close(items)
		send := func(it item) bool {
			select {
			case items <- it:
				return true
			case <-qctx.Done():
				return false
			}
		}
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			send(item{err: fmt.Errorf("response does not start a JSON array (%v, %v)", tok, err)})
			return
		}
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				send(item{err: err})
				return
			}
			if !send(item{v: v}) {
				return
			}
		}
	}()
	var entries []any
	// The quiet timer runs only once the inputs are in and the persistent
	// queries idle: before that, rows may legitimately still be coming.
	var quiet <-chan time.Time
	arm := func() {
		if !r.inputsDone {
			return
		}
		d := pushQuiet
		if expN >= 0 && len(entries) >= expN {
			d = pushSettle
		}
		quiet = time.After(d)
	}
	arm()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				return entries, nil, nil
			}
			if it.err != nil {
				if ctx.Err() != nil {
					return nil, nil, failf("timeout", "reading the response of %s: %v", clip(sql, 80), ctx.Err())
				}
				return nil, nil, failf("query response", "%s: %v", clip(sql, 80), it.err)
			}
			entries = append(entries, it.v)
			if len(entries) == 1 && r.c.WaitForPushQuery && !r.inputsDone {
				// The header comes once the query has fixed its start
				// offsets: inputs produced now are seen.
				if f := r.produce(ctx); f != nil {
					return nil, nil, f
				}
			}
			arm()
		case <-quiet:
			return entries, nil, nil
		case <-ctx.Done():
			return nil, nil, failf("timeout", "reading the response of %s: %v", clip(sql, 80), ctx.Err())
		}
	}
}

// compareResponses checks the expected responses against the actual ones,
// index by index; extra actual responses are not checked (ksqlDB's runner
// does the same: an INSERT VALUES answers with no entity there).
func compareResponses(exp []Response, act []restResponse, stmts []string, verifyOrder bool) *failure {
	if len(act) < len(exp) {
		return failf("responses", "expected %d responses, got %d", len(exp), len(act))
	}
	for i, e := range exp {
		a := act[i]
		stmt := ""
		if i < len(stmts) {
			stmt = stmts[i]
		}
		payload := expandStatement(e.Payload, stmt)
		if e.Kind != a.kind {
			return failf("responses", "response %d: expected %s, got %s %s", i+1, e.Kind, a.kind, render(a.payload))
		}
		switch e.Kind {
		case "admin":
			em, ok := payload.(map[string]any)
			am, ok2 := a.payload.(map[string]any)
			if !ok || !ok2 {
				return failf("responses", "response %d: admin response is not an object: %s", i+1, render(a.payload))
			}
			if d := matchEntry(em, am, nil); d != "" {
				return failf("admin response", "response %d (%s): %s", i+1, clip(stmt, 60), d)
			}
		case "query":
			el, ok := payload.([]any)
			al, _ := a.payload.([]any)
			if !ok {
				return failf("runner", "response %d: query response is not an array", i+1)
			}
			if f := compareQuery(el, al, verifyOrder); f != nil {
				f.detail = fmt.Sprintf("response %d (%s): %s", i+1, clip(stmt, 60), f.detail)
				return f
			}
		default:
			return failf("runner", "response %d: unknown response kind %q", i+1, e.Kind)
		}
	}
	return nil
}

// expandStatement replaces {STATEMENT} in the expected strings.
func expandStatement(v any, stmt string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "{STATEMENT}", stmt)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = expandStatement(e, stmt)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = expandStatement(e, stmt)
		}
		return out
	}
	return v
}

// compareQuery compares a query's entries: the same count, the header
// first, then the rest in order with verifyOrder or as a multiset.
func compareQuery(exp, act []any, verifyOrder bool) *failure {
	if len(exp) != len(act) {
		kind := "query rows"
		if len(act) <= 1 {
			kind = "query no rows"
		}
		return failf(kind, "expected %d entries, got %d: expected %s, got %s", len(exp), len(act),
			clip(render(exp), 400), clip(render(act), 400))
	}
	var colTypes []*types.Type
	for _, a := range act {
		if am, ok := a.(map[string]any); ok {
			if h, ok := am["header"].(map[string]any); ok {
				s, _ := h["schema"].(string)
				colTypes = schemaTypes(s)
				break
			}
		}
	}
	match := func(e, a any) string {
		em, ok := e.(map[string]any)
		if !ok {
			return "expected entry is not an object"
		}
		am, ok := a.(map[string]any)
		if !ok {
			return "entry is not an object: " + render(a)
		}
		return matchEntry(em, am, colTypes)
	}
	start := 0
	if len(exp) > 0 {
		if em, ok := exp[0].(map[string]any); ok && em["header"] != nil {
			if d := match(exp[0], act[0]); d != "" {
				f := failf(entryKind(em), "entry 1: %s", d)
				switch {
				case strings.HasPrefix(d, "header: queryId"):
					f.group = "queryId prefix"
				case strings.HasPrefix(d, "header: expected schema"):
					f.group = "schema"
				}
				return f
			}
			start = 1
		}
	}
	if verifyOrder {
		for i := start; i < len(exp); i++ {
			if d := match(exp[i], act[i]); d != "" {
				em, _ := exp[i].(map[string]any)
				return failf(entryKind(em), "entry %d: %s", i+1, d)
			}
		}
		return nil
	}
	used := make([]bool, len(act))
	for i := start; i < len(exp); i++ {
		found := false
		first := ""
		for j := start; j < len(act); j++ {
			if used[j] {
				continue
			}
			d := match(exp[i], act[j])
			if d == "" {
				used[j], found = true, true
				break
			}
			if first == "" {
				first = d
			}
		}
		if !found {
			em, _ := exp[i].(map[string]any)
			return failf(entryKind(em), "no actual entry matches expected %s (e.g. %s); got %s",
				render(exp[i]), first, clip(render(act[start:]), 400))
		}
	}
	return nil
}

// entryKind names the failure group for a mismatching entry.
func entryKind(em map[string]any) string {
	switch {
	case em["header"] != nil:
		return "query header"
	case em["finalMessage"] != nil:
		return "query final message"
	}
	return "query row"
}

// matchEntry checks the fields exp lists against act: "name|starts_with"
// is a prefix match, a header schema compares canonically, row columns
// with the header's column types, anything else as a JSON value.
func matchEntry(exp, act map[string]any, colTypes []*types.Type) string {
	for _, k := range sortedKeys(exp) {
		ev := exp[k]
		name, op, _ := strings.Cut(k, "|")
		av, ok := act[name]
		if !ok {
			return fmt.Sprintf("missing field %s in %s", name, render(act))
		}
		switch {
		case op == "starts_with":
			es, _ := ev.(string)
			as, _ := av.(string)
			if !strings.HasPrefix(as, es) {
				return fmt.Sprintf("%s: expected a value starting with %q, got %s", name, es, render(av))
			}
		case op != "":
			return fmt.Sprintf("unknown matcher %q", k)
		case name == "schema":
			es, _ := ev.(string)
			as, _ := av.(string)
			if !sameSchema(es, as) {
				return fmt.Sprintf("expected schema %q, got %q", es, as)
			}
		case name == "columns":
			if d := compareColumns(ev, av, colTypes); d != "" {
				return d
			}
		default:
			if em, ok := ev.(map[string]any); ok {
				am, ok := av.(map[string]any)
				if !ok {
					return fmt.Sprintf("%s: expected an object, got %s", name, render(av))
				}
				if d := matchEntry(em, am, colTypes); d != "" {
					return name + ": " + d
				}
				continue
			}
			if d := compareValue(ev, av, nil, name); d != "" {
				return d
			}
		}
	}
	return ""
}

func compareColumns(ev, av any, colTypes []*types.Type) string {
	el, ok1 := ev.([]any)
	al, ok2 := av.([]any)
	if !ok1 || !ok2 || len(el) != len(al) {
		return fmt.Sprintf("expected columns %s, got %s", render(ev), render(av))
	}
	for i := range el {
		var t *types.Type
		if i < len(colTypes) {
			t = colTypes[i]
		}
		if d := compareValue(el[i], al[i], t, fmt.Sprintf("columns[%d]", i)); d != "" {
			return d + " in row " + render(av)
		}
	}
	return ""
}

// sameSchema compares header schemas exactly or, failing that, in their
// canonical form.
func sameSchema(exp, act string) bool {
	if exp == act {
		return true
	}
	en, err1 := NormalizeSchema(exp)
	an, err2 := NormalizeSchema(act)
	return err1 == nil && err2 == nil && en == an
}

// schemaTypes parses a header schema into column types; nil entries (or a
// nil result) where a type does not parse.
func schemaTypes(s string) []*types.Type {
	if s == "" {
		return nil
	}
	var out []*types.Type
	for _, col := range splitTopLevel(s) {
		_, rest, err := splitName(strings.TrimSpace(col))
		if err != nil {
			out = append(out, nil)
			continue
		}
		up := strings.ToUpper(rest)
		for _, suf := range []string{" PRIMARY KEY", " KEY"} {
			if strings.HasSuffix(up, suf) {
				rest = rest[:len(rest)-len(suf)]
				break
			}
		}
		t, err := parser.ParseType(strings.TrimSpace(rest))
		if err != nil {
			t = nil
		}
		out = append(out, t)
	}
	return out
}
