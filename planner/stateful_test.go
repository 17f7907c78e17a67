package planner_test

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
)

// setup plans the statements before the last one into a catalog and returns
// it with the last statement.
func setup(t *testing.T, sql string, d planner.Defaults) (*catalog.Catalog, ast.Statement) {
	t.Helper()
	stmts, err := parser.Parse(sql)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	cat := catalog.New()
	for i, st := range stmts[:len(stmts)-1] {
		cs := st.(*ast.CreateSource)
		if cs.AsSelect == nil {
			src, _, err := planner.PlanCreateSource(cs, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := cat.AddSource(src, false); err != nil {
				t.Fatal(err)
			}
			continue
		}
		p, err := planner.PlanQuery(cat, cs.AsSelect, planner.QueryOptions{
			QueryID: "CTAS_" + itoa(i), Kind: planner.Persistent, Create: cs, Defaults: d})
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.AddSource(p.Sink, false); err != nil {
			t.Fatal(err)
		}
	}
	return cat, stmts[len(stmts)-1]
}

func planLast(cat *catalog.Catalog, st ast.Statement, d planner.Defaults) (*planner.Plan, error) {
	switch st := st.(type) {
	case *ast.CreateSource:
		return planner.PlanQuery(cat, st.AsSelect, planner.QueryOptions{QueryID: "CTAS_T", Kind: planner.Persistent, Create: st, Defaults: d})
	case *ast.Query:
		_, err := planner.PlanPull(cat, st)
		return nil, err
	}
	return nil, nil
}

const streamS = "CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n"

// TestStatefulErrors checks planning errors of stateful queries against
// ksqlDB's messages (the corpus file is named with each case).
func TestStatefulErrors(t *testing.T) {
	cases := []struct {
		name, sql, want string
	}{
		{"window-bounds.json: bounds in GROUP BY", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id, WINDOWSTART / 1000, ABS(WINDOWEND);",
			"Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations"},
		{"window-bounds.json: bounds in an aggregate", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(1), MIN(WINDOWEND) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;",
			"Window bounds column WINDOWEND can only be used in the SELECT clause of windowed aggregations"},
		{"window-bounds.json: bounds in HAVING", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id HAVING WINDOWSTART > 11000;",
			"Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations"},
		{"bounds in the select list are fine", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(1) AS c, WINDOWSTART AS ws FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;", ""},
		{"group-by.json: aggregate without GROUP BY", streamS + "CREATE TABLE t AS SELECT COUNT(*) FROM s;",
			"CREATE TABLE AS SELECT statement does not support aggregate function [COUNT(ROWTIME)] without a GROUP BY clause."},
		{"aggregates without GROUP BY are listed", streamS + "CREATE TABLE t AS SELECT COUNT(*), SUM(v) FROM s;",
			"aggregate function [COUNT(ROWTIME), SUM(V)] without"},
		{"retention below size + grace", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 30 MINUTES, GRACE PERIOD 0 SECONDS) GROUP BY id;",
			"must be no smaller than its window size plus the grace period. Got size=[3600000], grace=[0], retention=[1800000]"},
		{"retention below the default grace", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 1 MINUTE, RETENTION 2 HOURS) GROUP BY id;",
			"grace=[82800000], retention=[7200000]"},
		{"session retention below gap + grace", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW SESSION (10 MINUTES, RETENTION 10 MINUTES, GRACE PERIOD 1 SECOND) GROUP BY id;",
			"must be no smaller than the session inactivity gap plus the grace period"},
		{"retention of size + grace is fine", streamS +
			"CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 1 HOUR, GRACE PERIOD 0 SECONDS) GROUP BY id;", ""},
		{"pull-queries-against-materialized-aggregates.json: fail on null key", streamS +
			"CREATE TABLE agg AS SELECT id, COUNT(1) AS count FROM s GROUP BY id;\nSELECT * FROM agg WHERE id = NULL;",
			"Error in WHERE expression: Comparison with NULL not supported: INTEGER = NULL\nUse 'IS NULL' or 'IS NOT NULL' instead.\nStatement: (ID = null)"},
		{"pull: NULL on the left", streamS +
			"CREATE TABLE agg AS SELECT id, COUNT(1) AS count FROM s GROUP BY id;\nSELECT * FROM agg WHERE NULL < count;",
			"Comparison with NULL not supported: NULL < BIGINT"},
		{"pull: IS NULL is fine", streamS +
			"CREATE TABLE agg AS SELECT id, COUNT(1) AS count FROM s GROUP BY id;\nSELECT * FROM agg WHERE id IS NULL;", ""},
		{"pull-queries-against-materialized-aggregates.json: not materialized",
			"CREATE TABLE x (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='x', value_format='JSON', partitions=1);\nSELECT * FROM x WHERE id = '100';",
			"The `X` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_X AS SELECT * FROM X'. See https://cnfl.io/queries for more info."},
		{"pull: a source table is queryable",
			"CREATE SOURCE TABLE x (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='x', value_format='JSON', partitions=1);\nSELECT * FROM x WHERE id = '100';", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := planner.Defaults{KeyFormat: "KAFKA"}
			cat, last := setup(t, c.sql, d)
			_, err := planLast(cat, last, d)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("no error, want %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

// TestFunctionProps checks that a query's function properties reach its
// aggregate calls (collect-list.json 'collect_list with limit of 1').
func TestFunctionProps(t *testing.T) {
	d := planner.Defaults{KeyFormat: "KAFKA", Props: map[string]string{
		"ksql.functions.collect_list.limit": "1", "auto.offset.reset": "earliest"}}
	cat, last := setup(t, streamS+"CREATE TABLE t AS SELECT id, COLLECT_LIST(v) AS l FROM s GROUP BY id;", d)
	p, err := planLast(cat, last, d)
	if err != nil {
		t.Fatal(err)
	}
	var aggs []planner.AggCall
	for _, proc := range p.Topology.Procs {
		aggs = append(aggs, proc.Aggs...)
	}
	if len(aggs) != 1 {
		t.Fatalf("got %d aggregate calls, want 1", len(aggs))
	}
	got := aggs[0].Props
	if len(got) != 1 || got["ksql.functions.collect_list.limit"] != "1" {
		t.Fatalf("props = %v, want only the collect_list limit", got)
	}
}
