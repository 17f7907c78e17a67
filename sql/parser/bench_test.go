package parser

import "testing"

func BenchmarkParse(b *testing.B) {
	const sql = `CREATE TABLE agg AS SELECT id, COUNT(*) AS cnt, SUM(col1) total, address->city
		FROM foo WINDOW TUMBLING (SIZE 1 MINUTE) WHERE col1 > 0 AND name LIKE 'x%'
		GROUP BY id, address->city HAVING COUNT(*) > 1 EMIT CHANGES;`
	for b.Loop() {
		if _, err := Parse(sql); err != nil {
			b.Fatal(err)
		}
	}
}
