package conformance

import (
	"encoding/json"
	"fmt"
	"github.com/sluicedb/sluice/tests/sqltest"
	"testing"
)

func TestParseREST(t *testing.T) {
	data := []byte(`{"tests": [{
		"name": "t",
		"statements": ["CREATE STREAM S (K INT KEY, V INT) WITH (kafka_topic='t', value_format='JSON');", "SELECT * FROM S EMIT CHANGES LIMIT 1;"],
		"inputConditions": {"waitForActivePushQuery": true},
		"outputConditions": {"verifyOrder": true},
		"responses": [{"admin": {"@type": "currentStatus"}}, {"query": [{"header": {"schema": "x"}}, {"finalMessage": "Limit Reached"}]}],
		"expectedError": {"type": "a.b.KsqlErrorMessage", "message": "boom", "status": 400}
	}]}`)
	cs, err := Parse("f", data)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if !c.REST || !c.WaitForPushQuery || !c.VerifyOrder || len(c.Responses) != 2 ||
		c.Responses[0].Kind != "admin" || c.Responses[1].Kind != "query" {
		t.Fatalf("got %+v", c)
	}
	if e := c.RESTError; e == nil || e.Status != 400 || e.Message != "boom" || sqltest.ShortClass(e.Type) != "KsqlErrorMessage" {
		t.Fatalf("expectedError: %+v", c.RESTError)
	}
	if why := SkipReason(&c); why != "" {
		t.Fatalf("skipped: %s", why)
	}
	c.ProtoQuery = true
	if why := SkipReason(&c); why != SkipQueryProto {
		t.Fatalf("proto case: skip %q", why)
	}
}

func TestCompareQuery(t *testing.T) {
	hdr := map[string]any{"header": map[string]any{"queryId": "transient_X_1", "schema": "`K` INTEGER, `D` DOUBLE"}}
	row := func(cols ...any) any { return map[string]any{"row": map[string]any{"columns": cols}} }
	final := map[string]any{"finalMessage": "Limit Reached"}
	act := []any{hdr, row(num("1"), num("0.30000000000000004")), row(num("2"), num("1.5")), final}
	cases := []struct {
		name        string
		exp         []any
		verifyOrder bool
		wantKind    string // "" for a match
	}{
		{"multiset", []any{
			map[string]any{"header": map[string]any{"schema": "`K` INTEGER, `D` DOUBLE", "queryId|starts_with": "transient_"}},
			row(num("2"), num("1.5")), row(num("1"), num("0.3")), final}, false, ""},
		{"order", []any{map[string]any{"header": map[string]any{"schema": "K INT, D DOUBLE"}},
			row(num("2"), num("1.5")), row(num("1"), num("0.3")), final}, true, "query row"},
		{"query id prefix", []any{map[string]any{"header": map[string]any{"queryId|starts_with": "SCALABLE_PUSH_QUERY"}},
			row(num("1"), num("0.3")), row(num("2"), num("1.5")), final}, false, "query header"},
		{"count", []any{hdr, row(num("1"), num("0.3")), final}, false, "query rows"},
		{"final message", []any{hdr, row(num("1"), num("0.3")), row(num("2"), num("1.5")),
			map[string]any{"finalMessage": "Query Completed"}}, false, "query final message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := compareQuery(c.exp, act, c.verifyOrder)
			switch {
			case c.wantKind == "" && f != nil:
				t.Fatalf("unexpected failure: %s", f)
			case c.wantKind != "" && (f == nil || f.kind != c.wantKind):
				t.Fatalf("want %s, got %v", c.wantKind, f)
			}
		})
	}
}

func TestMatchRESTError(t *testing.T) {
	stmtErr := &restErr{status: 400, entity: map[string]any{"@type": "statement_error", "message": "Failed to prepare statement: boom"}}
	genErr := &restErr{status: 400, entity: map[string]any{"@type": "generic_error", "message": "boom"}}
	cases := []struct {
		name string
		exp  RESTError
		got  *restErr
		ok   bool
	}{
		{"statement error", RESTError{Type: "x.KsqlStatementErrorMessage", Message: "boom", Status: 400}, stmtErr, true},
		{"parent class accepts any entity", RESTError{Type: "x.KsqlErrorMessage", Message: "boom", Status: 400}, stmtErr, true},
		{"generic is not a statement error", RESTError{Type: "x.KsqlStatementErrorMessage", Message: "boom"}, genErr, false},
		{"status", RESTError{Message: "boom", Status: 500}, genErr, false},
		{"message", RESTError{Message: "bang"}, genErr, false},
	}
	for _, c := range cases {
		why := matchRESTError(&c.exp, c.got)
		if (why == "") != c.ok {
			t.Errorf("%s: ok=%v, got %q", c.name, c.ok, why)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	_, isQuery := splitStatements([]string{
		"CREATE STREAM S (K INT KEY) WITH (kafka_topic='t', value_format='JSON');",
		"SELECT * FROM S ORDER BY K;", // does not parse, still a query
		"select * from S emit changes;",
	})
	if got := fmt.Sprint(isQuery); got != "[false true true]" {
		t.Fatalf("isQuery = %s", got)
	}
}

func num(s string) json.Number { return json.Number(s) }
