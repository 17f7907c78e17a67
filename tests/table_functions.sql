-- Table functions (EXPLODE, CUBE_EXPLODE) and GENERATE_SERIES, which is a scalar function
-- returning an array in ksqlDB. ksqlDB: qtt explode.json, table-functions.json, cube.json, array.json.

----------------------------------------------------------------------------------------------------
--@test: EXPLODE gives one row per element, with the input's key and timestamp
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<BIGINT>, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(arr) AS v, n FROM s;

ASSERT STREAM o (id STRING KEY, v BIGINT, n INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (rowtime, id, arr, n) VALUES (100, 'a', ARRAY[1, 2], 7);
INSERT INTO s (rowtime, id, arr, n) VALUES (200, 'b', ARRAY[3], 8);
ASSERT VALUES o (rowtime, id, v, n) VALUES (100, 'a', 1, 7);
ASSERT VALUES o (rowtime, id, v, n) VALUES (100, 'a', 2, 7);
ASSERT VALUES o (rowtime, id, v, n) VALUES (200, 'b', 3, 8);

----------------------------------------------------------------------------------------------------
--@test: NULL and empty arrays give no rows
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(ARRAY_REMOVE(arr, 0)) AS v FROM s;

INSERT INTO s (id, arr) VALUES ('a', ARRAY[1, 0, 2]);
INSERT INTO s (id, arr) VALUES ('b', NULL);
INSERT INTO s (id, arr) VALUES ('c', ARRAY[0, 0]);
INSERT INTO s (id, arr) VALUES ('d', ARRAY[3]);
ASSERT VALUES o (id, v) VALUES ('a', 1);
ASSERT VALUES o (id, v) VALUES ('a', 2);
ASSERT VALUES o (id, v) VALUES ('d', 3);

----------------------------------------------------------------------------------------------------
--@test: several table functions are zipped, the longest deciding the row count
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, a ARRAY<INT>, b ARRAY<STRING>, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(a), n, UCASE(EXPLODE(b)) AS up FROM s;

ASSERT STREAM o (id STRING KEY, KSQL_COL_0 INT, n INT, up STRING) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, a, b, n) VALUES ('x', ARRAY[1, 2], ARRAY['p', 'q', 'r'], 5);
INSERT INTO s (id, a, b, n) VALUES ('y', ARRAY[3, 4], NULL, 6);
ASSERT VALUES o (id, KSQL_COL_0, n, up) VALUES ('x', 1, 5, 'P');
ASSERT VALUES o (id, KSQL_COL_0, n, up) VALUES ('x', 2, 5, 'Q');
ASSERT VALUES o (id, KSQL_COL_0, n, up) VALUES ('x', NULL, 5, 'R');
ASSERT VALUES o (id, KSQL_COL_0, n, up) VALUES ('y', 3, 6, NULL);
ASSERT VALUES o (id, KSQL_COL_0, n, up) VALUES ('y', 4, 6, NULL);

----------------------------------------------------------------------------------------------------
--@test: EXPLODE of structs, dereferenced, after WHERE
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, n INT, arr ARRAY<STRUCT<f INT, g STRING>>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(arr)->f AS f, EXPLODE(arr)->g FROM s WHERE n > 0;

ASSERT STREAM o (id STRING KEY, f INT, g STRING) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, n, arr) VALUES ('a', 0, ARRAY[STRUCT(f := 1, g := 'one')]);
INSERT INTO s (id, n, arr) VALUES ('b', 1, ARRAY[STRUCT(f := 2, g := 'two'), STRUCT(f := 3, g := 'three')]);
ASSERT VALUES o (id, f, g) VALUES ('b', 2, 'two');
ASSERT VALUES o (id, f, g) VALUES ('b', 3, 'three');

----------------------------------------------------------------------------------------------------
--@test: EXPLODE in a stream without a key, with SELECT *
----------------------------------------------------------------------------------------------------
CREATE STREAM s (arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT *, EXPLODE(arr) AS v FROM s;

INSERT INTO s (arr) VALUES (ARRAY[4, 5]);
ASSERT VALUES o (arr, v) VALUES (ARRAY[4, 5], 4);
ASSERT VALUES o (arr, v) VALUES (ARRAY[4, 5], 5);

----------------------------------------------------------------------------------------------------
--@test: EXPLODE over a stream-table join
----------------------------------------------------------------------------------------------------
CREATE STREAM orders (id STRING KEY, cust STRING) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (cust STRING PRIMARY KEY, phones ARRAY<STRING>) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT o.cust, o.id, EXPLODE(c.phones) AS phone FROM orders o JOIN customers c ON o.cust = c.cust;

INSERT INTO customers (cust, phones) VALUES ('c1', ARRAY['111', '222']);
INSERT INTO orders (id, cust) VALUES ('o1', 'c1');
ASSERT VALUES o (o_cust, id, phone) VALUES ('c1', 'o1', '111');
ASSERT VALUES o (o_cust, id, phone) VALUES ('c1', 'o1', '222');

----------------------------------------------------------------------------------------------------
--@test: CUBE_EXPLODE gives every combination, leaving out repeats of NULL elements
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, a STRING, b STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, CUBE_EXPLODE(ARRAY[a, b]) AS combo FROM s;

ASSERT STREAM o (id STRING KEY, combo ARRAY<STRING>) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, a, b) VALUES ('x', 'one', 'two');
INSERT INTO s (id, a, b) VALUES ('y', NULL, 'two');
ASSERT VALUES o (id, combo) VALUES ('x', ARRAY[CAST(NULL AS STRING), CAST(NULL AS STRING)]);
ASSERT VALUES o (id, combo) VALUES ('x', ARRAY[CAST(NULL AS STRING), 'two']);
ASSERT VALUES o (id, combo) VALUES ('x', ARRAY['one', CAST(NULL AS STRING)]);
ASSERT VALUES o (id, combo) VALUES ('x', ARRAY['one', 'two']);
ASSERT VALUES o (id, combo) VALUES ('y', ARRAY[CAST(NULL AS STRING), CAST(NULL AS STRING)]);
ASSERT VALUES o (id, combo) VALUES ('y', ARRAY[CAST(NULL AS STRING), 'two']);

----------------------------------------------------------------------------------------------------
--@test: GENERATE_SERIES returns an array, with and without a step
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, lo INT, hi INT, step INT, big BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, GENERATE_SERIES(lo, hi) AS up, GENERATE_SERIES(hi, lo, step) AS down, GENERATE_SERIES(big, big + 2) AS wide FROM s;

ASSERT STREAM o (id STRING KEY, up ARRAY<INT>, down ARRAY<INT>, wide ARRAY<BIGINT>) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, lo, hi, step, big) VALUES ('a', 1, 4, -2, 10000000000);
INSERT INTO s (id, lo, hi, step, big) VALUES ('b', 3, 3, -1, 0);
INSERT INTO s (id, lo, hi, step, big) VALUES ('c', 1, 4, 0, NULL);
INSERT INTO s (id, lo, hi, step, big) VALUES ('d', 1, 4, -3, 1);
ASSERT VALUES o (id, up, down, wide) VALUES ('a', ARRAY[1, 2, 3, 4], ARRAY[4, 2], ARRAY[10000000000, 10000000001, 10000000002]);
ASSERT VALUES o (id, up, down, wide) VALUES ('b', ARRAY[3], ARRAY[3], ARRAY[CAST(0 AS BIGINT), 1, 2]);
-- A zero step fails the expression: NULL and a processing log entry, as in ksqlDB.
ASSERT VALUES o (id, up, down, wide) VALUES ('c', ARRAY[1, 2, 3, 4], NULL, NULL);
ASSERT VALUES o (id, up, down, wide) VALUES ('d', ARRAY[1, 2, 3, 4], ARRAY[4, 1], ARRAY[CAST(1 AS BIGINT), 2, 3]);

----------------------------------------------------------------------------------------------------
--@test: EXPLODE of GENERATE_SERIES with a step
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, n INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(GENERATE_SERIES(1, n, 2)) AS i FROM s;

INSERT INTO s (id, n) VALUES ('a', 5);
ASSERT VALUES o (id, i) VALUES ('a', 1);
ASSERT VALUES o (id, i) VALUES ('a', 3);
ASSERT VALUES o (id, i) VALUES ('a', 5);

----------------------------------------------------------------------------------------------------
--@test: EXPLODE does not accept a map
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Function 'explode' does not accept parameters (MAP<STRING, INTEGER>).
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, m MAP<STRING, INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(m) FROM s;

----------------------------------------------------------------------------------------------------
--@test: table functions cannot be used with aggregations
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Table functions cannot be used with aggregations.
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE o AS SELECT id, EXPLODE(arr), COUNT(*) FROM s GROUP BY id;

----------------------------------------------------------------------------------------------------
--@test: table functions cannot be in WHERE
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Error in WHERE expression: Table functions are only supported in the SELECT list of a query: EXPLODE
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, arr FROM s WHERE EXPLODE(arr) > 1;

----------------------------------------------------------------------------------------------------
--@test: table functions cannot be nested
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Table functions cannot be nested: EXPLODE(CUBE_EXPLODE())
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, EXPLODE(CUBE_EXPLODE(arr)) FROM s;

----------------------------------------------------------------------------------------------------
--@test: table functions cannot read a table
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Table source is not supported with table functions
----------------------------------------------------------------------------------------------------
CREATE TABLE t (id STRING PRIMARY KEY, arr ARRAY<INT>) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE TABLE o AS SELECT id, EXPLODE(arr) FROM t;

----------------------------------------------------------------------------------------------------
--@test: table functions are not allowed in FROM
--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM EXPLODE(arr);

----------------------------------------------------------------------------------------------------
--@test: a pull query on a table cannot use table functions
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Table source is not supported with table functions
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COLLECT_LIST(ARRAY_LENGTH(arr)) AS lens FROM s GROUP BY id;
SELECT id, EXPLODE(lens) FROM t WHERE id = 'a';

----------------------------------------------------------------------------------------------------
--@test: a pull query on a stream cannot use table functions yet
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Pull queries on streams don't support table functions (EXPLODE) yet: add EMIT CHANGES for a push query.
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, arr ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
SELECT id, EXPLODE(arr) FROM s;
