-- Aggregations: GROUP BY over streams and tables, windows (in-memory state for now).

----------------------------------------------------------------------------------------------------
--@test: count per key
CREATE STREAM s (id INT KEY, name STRING, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT name, COUNT(*) AS c, SUM(v) AS total FROM s GROUP BY name;
INSERT INTO s (id, name, v) VALUES (1, 'a', 10);
INSERT INTO s (id, name, v) VALUES (2, 'b', 5);
INSERT INTO s (id, name, v) VALUES (3, 'a', 1);
ASSERT VALUES t (name, c, total) VALUES ('a', 1, 10);
ASSERT VALUES t (name, c, total) VALUES ('b', 1, 5);
ASSERT VALUES t (name, c, total) VALUES ('a', 2, 11);

----------------------------------------------------------------------------------------------------
--@test: tumbling
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c, WINDOWSTART AS ws FROM s WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (1000, 1, 10);
INSERT INTO s (rowtime, id, v) VALUES (11000, 1, 10);
INSERT INTO s (rowtime, id, v) VALUES (2000, 1, 10);
ASSERT VALUES t (id, c, ws) VALUES (1, 1, 0);
ASSERT VALUES t (id, c, ws) VALUES (1, 1, 10000);
ASSERT VALUES t (id, c, ws) VALUES (1, 2, 0);

----------------------------------------------------------------------------------------------------
--@test: table aggregate retracts
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE r AS SELECT region, COUNT(*) AS c FROM u GROUP BY region;
INSERT INTO u (id, region) VALUES (1, 'x');
INSERT INTO u (id, region) VALUES (1, 'y');
ASSERT VALUES r (region, c) VALUES ('x', 1);
ASSERT VALUES r (region, c) VALUES ('x', 0);
ASSERT VALUES r (region, c) VALUES ('y', 1);

--@test: session
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW SESSION (30 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 1, 10);
INSERT INTO s (rowtime, id, v) VALUES (10000, 1, 10);
INSERT INTO s (rowtime, id, v) VALUES (100000, 1, 10);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 0);
ASSERT NULL VALUES t (id) KEY (1);
ASSERT VALUES t (id, c) VALUES (1, 2);
ASSERT VALUES t (id, c) VALUES (1, 1);

----------------------------------------------------------------------------------------------------
--@test: GROUP BY several expressions makes a multi-column key
----------------------------------------------------------------------------------------------------
-- qtt/group-by.json "multiple expressions": rows with a NULL grouping value are dropped.
CREATE STREAM test (f1 INT KEY, f2 INT) WITH (kafka_topic='test_topic', format='JSON', partitions=1);
CREATE TABLE output AS SELECT f2, f1, f2 + f1, COUNT(*) FROM test GROUP BY f1, f2;

ASSERT TABLE output (f1 INT PRIMARY KEY, f2 INT PRIMARY KEY, KSQL_COL_0 INT, KSQL_COL_1 BIGINT) WITH (kafka_topic='OUTPUT', key_format='JSON', value_format='JSON');

INSERT INTO test (f1, f2) VALUES (1, 2);
INSERT INTO test (f1, f2) VALUES (2, 4);
INSERT INTO test (f1, f2) VALUES (1, NULL);
INSERT INTO test (f1, f2) VALUES (NULL, 1);
INSERT INTO test (f1, f2) VALUES (1, 2);
INSERT INTO test (f1, f2) VALUES (2, 1);
ASSERT VALUES output (f1, f2, KSQL_COL_0, KSQL_COL_1) VALUES (1, 2, 3, 1);
ASSERT VALUES output (f1, f2, KSQL_COL_0, KSQL_COL_1) VALUES (2, 4, 6, 1);
ASSERT VALUES output (f1, f2, KSQL_COL_0, KSQL_COL_1) VALUES (1, 2, 3, 2);
ASSERT VALUES output (f1, f2, KSQL_COL_0, KSQL_COL_1) VALUES (2, 1, 3, 1);

----------------------------------------------------------------------------------------------------
--@test: GROUP BY several expressions needs a key format that holds them
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The 'KAFKA' format only supports a single field. Got: [`F1` INTEGER KEY, `F2` INTEGER KEY]
----------------------------------------------------------------------------------------------------
CREATE STREAM test (f1 INT KEY, f2 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT f2, f1, f2 + f1, COUNT(*) FROM test GROUP BY f1, f2;

----------------------------------------------------------------------------------------------------
--@test: GROUP BY a value column re-keys the stream
----------------------------------------------------------------------------------------------------
CREATE STREAM orders (id INT KEY, customer STRING, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE spend AS SELECT customer, SUM(amount) AS total, COUNT(*) AS n FROM orders GROUP BY customer;

ASSERT TABLE spend (customer STRING PRIMARY KEY, total DOUBLE, n BIGINT) WITH (kafka_topic='SPEND', value_format='JSON');

INSERT INTO orders (id, customer, amount) VALUES (1, 'ann', 2.5);
INSERT INTO orders (id, customer, amount) VALUES (2, 'bob', 1.0);
INSERT INTO orders (id, customer, amount) VALUES (3, 'ann', 0.5);
INSERT INTO orders (id, customer, amount) VALUES (4, NULL, 9.0);
INSERT INTO orders (id, customer, amount) VALUES (5, 'bob', 4.0);
ASSERT VALUES spend (customer, total, n) VALUES ('ann', 2.5, 1);
ASSERT VALUES spend (customer, total, n) VALUES ('bob', 1.0, 1);
ASSERT VALUES spend (customer, total, n) VALUES ('ann', 3.0, 2);
ASSERT VALUES spend (customer, total, n) VALUES ('bob', 5.0, 2);

----------------------------------------------------------------------------------------------------
--@test: GROUP BY an expression names the key column after it
----------------------------------------------------------------------------------------------------
-- qtt/group-by.json: a row whose grouping expression is NULL is dropped.
CREATE STREAM test (k STRING KEY, str STRING, pos INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT SUBSTRING(str, pos), COUNT() FROM test GROUP BY SUBSTRING(str, pos);

ASSERT TABLE output (KSQL_COL_0 STRING PRIMARY KEY, KSQL_COL_1 BIGINT) WITH (kafka_topic='OUTPUT', value_format='JSON');

INSERT INTO test (str, pos) VALUES ('xx', 1);
INSERT INTO test (str, pos) VALUES ('x', NULL);
INSERT INTO test (str, pos) VALUES ('xx', 1);
ASSERT VALUES output (KSQL_COL_0, KSQL_COL_1) VALUES ('xx', 1);
ASSERT VALUES output (KSQL_COL_0, KSQL_COL_1) VALUES ('xx', 2);

----------------------------------------------------------------------------------------------------
--@test: HAVING on an aggregate not in the projection
----------------------------------------------------------------------------------------------------
-- qtt/group-by.json "with having expression (stream->table)": a group that never
-- matched emits nothing.
CREATE STREAM test (id INT KEY, f1 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT f1, COUNT(*) AS c FROM test GROUP BY f1 HAVING SUM(f1) > 1;
INSERT INTO test (id, f1) VALUES (1, 1);
INSERT INTO test (id, f1) VALUES (2, 2);
INSERT INTO test (id, f1) VALUES (1, 1);
INSERT INTO test (id, f1) VALUES (2, 2);
INSERT INTO test (id, f1) VALUES (3, 3);
ASSERT VALUES output (f1, c) VALUES (2, 1);
ASSERT VALUES output (f1, c) VALUES (1, 2);
ASSERT VALUES output (f1, c) VALUES (2, 2);
ASSERT VALUES output (f1, c) VALUES (3, 1);

----------------------------------------------------------------------------------------------------
--@test: HAVING that stops matching emits a tombstone
----------------------------------------------------------------------------------------------------
-- qtt/having.json "calculate average in having".
CREATE STREAM test (id BIGINT KEY, name STRING, v BIGINT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE avg AS SELECT id, SUM(v) / COUNT(id) AS avg FROM test GROUP BY id HAVING SUM(v) / COUNT(id) > 25;
INSERT INTO test (id, name, v) VALUES (0, 'zero', 50);
INSERT INTO test (id, name, v) VALUES (0, 'zero', 10);
INSERT INTO test (id, name, v) VALUES (0, 'zero', 15);
INSERT INTO test (id, name, v) VALUES (1, 'one', 100);
INSERT INTO test (id, name, v) VALUES (1, 'one', 10);
ASSERT VALUES avg (id, avg) VALUES (0, 50);
ASSERT VALUES avg (id, avg) VALUES (0, 30);
ASSERT NULL VALUES avg (id) KEY (0);
ASSERT VALUES avg (id, avg) VALUES (1, 100);
ASSERT VALUES avg (id, avg) VALUES (1, 55);

----------------------------------------------------------------------------------------------------
--@test: HAVING with a non-aggregate condition on the grouping column
----------------------------------------------------------------------------------------------------
CREATE STREAM test (k STRING KEY, f1 INT, f2 STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT f1, COUNT(f1) AS c FROM test GROUP BY f1 HAVING COUNT(f1) > 1 AND f1 = 1;
INSERT INTO test (k, f1, f2) VALUES ('0', 1, 'a');
INSERT INTO test (k, f1, f2) VALUES ('0', 2, 'b');
INSERT INTO test (k, f1, f2) VALUES ('0', 1, 'test');
INSERT INTO test (k, f1, f2) VALUES ('0', 2, 'test');
INSERT INTO test (k, f1, f2) VALUES ('0', 2, 'test');
INSERT INTO test (k, f1, f2) VALUES ('0', 1, 'test');
ASSERT VALUES output (f1, c) VALUES (1, 2);
ASSERT VALUES output (f1, c) VALUES (1, 3);

----------------------------------------------------------------------------------------------------
--@test: GROUP BY without an aggregate
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: GROUP BY requires aggregate functions in either the SELECT or HAVING clause.
----------------------------------------------------------------------------------------------------
CREATE STREAM test (k STRING KEY, d1 STRING, d2 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT SUBSTRING(d1, 1, 2) FROM test GROUP BY d2;

----------------------------------------------------------------------------------------------------
--@test: a non-aggregate column not in GROUP BY
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Non-aggregate SELECT expression(s) not part of GROUP BY
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING, col2 INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, col1, COUNT(*) AS c FROM s GROUP BY id;

----------------------------------------------------------------------------------------------------
--@test: an unknown function in a GROUP BY query
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Can't find any functions with the name 'WONT_FIND_ME'
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/group-by.json 'unknown function': the function is reported, not the missing aggregate.
CREATE STREAM test (id INT KEY, data STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT data, WONT_FIND_ME(id) FROM test GROUP BY data;

----------------------------------------------------------------------------------------------------
--@test: a grouping expression projected twice
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The projection contains a key column more than once: `NAME` and `NAME2`.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id INT KEY, name STRING) WITH (kafka_topic='input', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT name, name AS name2, COUNT(1) FROM input GROUP BY name;

----------------------------------------------------------------------------------------------------
--@test: grouping expressions missing from the projection are listed
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: must include the grouping expressions F1, F2 and F3 in its projection (eg, SELECT F1, F2, F3...).
----------------------------------------------------------------------------------------------------
CREATE STREAM test (f1 INT KEY, f2 INT, f3 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT COUNT(*) FROM test GROUP BY f1, f2, f3;

----------------------------------------------------------------------------------------------------
--@test: a key alias clashing with a value alias
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Duplicate value columns found in schema: `COUNT` BIGINT
----------------------------------------------------------------------------------------------------
CREATE STREAM test (id INT KEY, data STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT data AS count, COUNT(*) AS count FROM test GROUP BY data;

----------------------------------------------------------------------------------------------------
--@test: a HAVING clause reading an ungrouped column names the column
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Non-aggregate HAVING expression not part of GROUP BY: SOURCE
----------------------------------------------------------------------------------------------------
CREATE STREAM test (k STRING KEY, source STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT SUBSTRING(source, 0, 2) AS thing, COUNT(*) FROM test GROUP BY SUBSTRING(source, 0, 2) HAVING LEN(source) < 2;

----------------------------------------------------------------------------------------------------
--@test: a windowed aggregation without GROUP BY reports the ungrouped columns
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Non-aggregate SELECT expression(s) not part of GROUP BY: ID
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/suppress.json 'should throw if no group by for aggregation'.
CREATE STREAM input (id STRING KEY, col1 STRING) WITH (kafka_topic='input_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT id, COUNT(*) AS count FROM input WINDOW TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS) EMIT FINAL;

----------------------------------------------------------------------------------------------------
--@test: GROUP BY one parenthesised list (a grouping set)
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/group-by.json 'with single grouping set (stream->table)': the key follows the set.
CREATE STREAM test (id INT KEY, f1 INT, f2 STRING) WITH (kafka_topic='test_topic', format='JSON', partitions=1);
CREATE TABLE output AS SELECT f1, f2, COUNT(*) AS c FROM test GROUP BY (f2, f1);
ASSERT TABLE output (f2 STRING PRIMARY KEY, f1 INT PRIMARY KEY, c BIGINT) WITH (kafka_topic='OUTPUT', key_format='JSON', value_format='JSON');
INSERT INTO test (id, f1, f2) VALUES (1, 1, 'a');
INSERT INTO test (id, f1, f2) VALUES (2, 1, 'a');
ASSERT VALUES output (f2, f1, c) VALUES ('a', 1, 1);
ASSERT VALUES output (f2, f1, c) VALUES ('a', 1, 2);

----------------------------------------------------------------------------------------------------
--@test: generated column names skip the source's own
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/elements.json 'should handle sources with generated column names'.
CREATE STREAM input (ksql_col_3 INT KEY, ksql_col_1 INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT ksql_col_3, COUNT(*), SUM(ksql_col_1) FROM input GROUP BY ksql_col_3;
ASSERT TABLE output (ksql_col_3 INT PRIMARY KEY, ksql_col_0 BIGINT, ksql_col_2 INT) WITH (kafka_topic='OUTPUT', key_format='KAFKA', value_format='JSON');
