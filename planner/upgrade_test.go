package planner_test

import (
	"testing"

	"github.com/sluicedb/sluice/planner"
)

// TestCheckUpgradePlan checks that CREATE OR REPLACE refuses queries that
// join, naming the outermost join as ksqlDB names its execution step
// (sqltests/query-upgrades/filters.sql 'add filter to StreamTableJoin').
func TestCheckUpgradePlan(t *testing.T) {
	const sources = streamS +
		"CREATE STREAM r (id INT KEY, w INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);\n" +
		"CREATE TABLE t (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);\n" +
		"CREATE TABLE u (id INT PRIMARY KEY, x INT) WITH (kafka_topic='u', value_format='JSON', partitions=1);\n"
	cases := []struct {
		name, query, want string
	}{
		{"no join", "CREATE STREAM o AS SELECT id, v FROM s WHERE v > 0;", ""},
		{"stream-table", "CREATE STREAM o AS SELECT s.id, v, fk FROM s JOIN t ON s.id = t.id;", "StreamTableJoin"},
		{"stream-stream", "CREATE STREAM o AS SELECT s.id, v, w FROM s JOIN r WITHIN 1 SECOND ON s.id = r.id;", "StreamStreamJoin"},
		{"table-table", "CREATE TABLE o AS SELECT t.id, fk, x FROM t JOIN u ON t.id = u.id;", "TableTableJoin"},
		{"foreign key", "CREATE TABLE o AS SELECT t.id, fk, x FROM t JOIN u ON t.fk = u.id;", "ForeignKeyTableTableJoin"},
		{"n-way: the outermost join", "CREATE STREAM o AS SELECT s.id, v, w, fk FROM s JOIN r WITHIN 1 SECOND ON s.id = r.id JOIN t ON s.id = t.id;", "StreamTableJoin"},
	}
	d := planner.Defaults{KeyFormat: "KAFKA"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cat, last := setup(t, sources+c.query, d)
			p, err := planLast(cat, last, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, pair := range [][2]*planner.Plan{{p, p}, {nil, p}, {p, nil}} {
				err := planner.CheckUpgradePlan(pair[0], pair[1])
				switch {
				case c.want == "" && err != nil:
					t.Fatalf("unexpected error: %v", err)
				case c.want != "" && (err == nil || err.Error() != "Upgrades not yet supported for "+c.want):
					t.Fatalf("error %v, want %q", err, "Upgrades not yet supported for "+c.want)
				}
			}
		})
	}
}
