-- Pull queries on materialised tables: key lookups, windowed lookups bounded by
-- WINDOWSTART, table scans, scans of streams, and the errors ksqlDB gives
-- (rqtt/pull-queries-*.json). The runner does not compare a pull query's rows,
-- so the passing cases only check that each query is accepted and runs after
-- the table has been fed.

----------------------------------------------------------------------------------------------------
--@test: key lookup, projection and table scan on an aggregate
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id STRING KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
INSERT INTO input (id, ignored) VALUES ('10', 1);
INSERT INTO input (id, ignored) VALUES ('10', 2);
INSERT INTO input (id, ignored) VALUES ('11', 3);
ASSERT VALUES aggregate (id, count) VALUES ('10', 1);
ASSERT VALUES aggregate (id, count) VALUES ('10', 2);
ASSERT VALUES aggregate (id, count) VALUES ('11', 1);
SELECT * FROM aggregate WHERE id = '10';
SELECT id, count * 2 AS doubled FROM aggregate WHERE id = '10';
SELECT * FROM aggregate WHERE id IN ('10', '11');
SELECT * FROM aggregate;
SELECT * FROM aggregate WHERE count > 1;
SELECT * FROM aggregate LIMIT 1;

----------------------------------------------------------------------------------------------------
--@test: windowed lookups bounded by WINDOWSTART and WINDOWEND
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id INT KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;
INSERT INTO input (rowtime, id, ignored) VALUES (11345, 10, 1);
INSERT INTO input (rowtime, id, ignored) VALUES (12345, 10, 1);
INSERT INTO input (rowtime, id, ignored) VALUES (12366, 10, 1);
ASSERT VALUES aggregate (id, count, WINDOWSTART) VALUES (10, 1, 11000);
ASSERT VALUES aggregate (id, count, WINDOWSTART) VALUES (10, 1, 12000);
ASSERT VALUES aggregate (id, count, WINDOWSTART) VALUES (10, 2, 12000);
SELECT * FROM aggregate WHERE id = 10;
SELECT * FROM aggregate WHERE id = 10 AND WINDOWSTART = 12000;
SELECT * FROM aggregate WHERE id = 10 AND 11000 <= WINDOWSTART AND WINDOWSTART < 12000;
SELECT * FROM aggregate WHERE id = 10 AND WINDOWEND > 12000;
SELECT id, WINDOWSTART, WINDOWEND, count FROM aggregate WHERE id = 10 AND WINDOWSTART BETWEEN 11000 AND 13000;

----------------------------------------------------------------------------------------------------
--@test: pull query on a CTAS over a table, after a tombstone
----------------------------------------------------------------------------------------------------
CREATE TABLE input (id INT PRIMARY KEY, v BIGINT) WITH (kafka_topic='test_topic', value_format='KAFKA', partitions=1);
CREATE TABLE matview AS SELECT * FROM input;
INSERT INTO input (id, v) VALUES (1, 10);
INSERT INTO input (id, v) VALUES (2, 20);
INSERT INTO input (id, v) VALUES (1, NULL);
ASSERT VALUES matview (id, v) VALUES (1, 10);
ASSERT VALUES matview (id, v) VALUES (2, 20);
ASSERT NULL VALUES matview (id) KEY (1);
SELECT * FROM matview WHERE id = 1;
SELECT * FROM matview;

----------------------------------------------------------------------------------------------------
--@test: pull query on an empty materialised table
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id STRING KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate WHERE id = 'nobody';
SELECT * FROM aggregate;

----------------------------------------------------------------------------------------------------
--@test: pull lookup with a key of the wrong type
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Cannot compare ID (INTEGER) to '10' (STRING) with EQUAL.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id INT KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate WHERE id = '10';

----------------------------------------------------------------------------------------------------
--@test: windowed pull lookup with a key of the wrong type
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Cannot compare ID (INTEGER) to '10' (STRING) with EQUAL.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id INT KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY id;
SELECT * FROM aggregate WHERE id = '10';

----------------------------------------------------------------------------------------------------
--@test: pull query with a WINDOW clause
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Pull queries don't support WINDOW clauses.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id STRING KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate WINDOW TUMBLING (SIZE 1 SECOND) WHERE id = '10';

----------------------------------------------------------------------------------------------------
--@test: pull query with a JOIN
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Pull queries don't support JOIN clauses.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id STRING KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate a JOIN input i ON a.id = i.id WHERE a.id = '10';

----------------------------------------------------------------------------------------------------
--@test: pull query on an unknown table
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: does not exist
----------------------------------------------------------------------------------------------------
SELECT * FROM nowhere WHERE id = 1;

----------------------------------------------------------------------------------------------------
--@test: pull query comparing the key with NULL
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Comparison with NULL not supported: INTEGER = NULL
----------------------------------------------------------------------------------------------------
-- ksqlDB: rqtt/pull-queries-against-materialized-aggregates.json 'fail on null key'.
CREATE STREAM input (id INT KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate WHERE id = NULL;

----------------------------------------------------------------------------------------------------
--@test: pull query on a table that no query materialises
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The `X` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_X AS SELECT * FROM X'.
----------------------------------------------------------------------------------------------------
-- ksqlDB (rqtt/pull-queries-against-materialized-aggregates.json 'not materialized aggregate'):
-- a plain CREATE TABLE is not queryable (CREATE SOURCE TABLE and CTAS sinks are).
CREATE TABLE x (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
SELECT * FROM x WHERE id = '100';

----------------------------------------------------------------------------------------------------
--@test: pull query (table scan) on a stream
----------------------------------------------------------------------------------------------------
-- ksqlDB (rqtt/pull-queries-against-streams.json): SELECT without EMIT on a stream is a pull
-- query that scans the stream's topic up to its current end.
CREATE STREAM s1 (mykey INT KEY, myvalue INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
INSERT INTO s1 (mykey, myvalue) VALUES (1, 10);
SELECT * FROM s1;
SELECT * FROM s1 WHERE mykey = 1;

----------------------------------------------------------------------------------------------------
--@test: pull query on a stream cannot read ROWOFFSET
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Pull queries don't support the following columns in SELECT clauses: `ROWOFFSET`
----------------------------------------------------------------------------------------------------
-- ksqlDB: rqtt/pull-queries-against-streams.json 'should not allow pull query with disallowed
-- pseudocolumn in SELECT clause'.
CREATE STREAM s1 (mykey INT KEY, myvalue INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
SELECT mykey, myvalue, ROWOFFSET FROM s1;
