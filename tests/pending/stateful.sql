-- Stateful-query cases where Sluice differs from ksqlDB. Not run by CI
-- (tests/sql_test.go globs tests/*.sql only); move a case back once fixed.
-- Each case says what ksqlDB does and what Sluice did when it was written.

----------------------------------------------------------------------------------------------------
--@test: COLLECT_LIST honours ksql.functions.collect_list.limit
----------------------------------------------------------------------------------------------------
-- ksqlDB (qtt/collect-list.json 'collect_list with limit of 1'): the list stops growing at the
-- limit: [0], [0]. Sluice: ignores the property set with SET: [0], [0, 100].
SET 'ksql.functions.collect_list.limit'='1';
CREATE STREAM s (id BIGINT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COLLECT_LIST(v) AS collected FROM s GROUP BY id;
INSERT INTO s (id, v) VALUES (0, 0);
INSERT INTO s (id, v) VALUES (0, 100);
ASSERT VALUES t (id, collected) VALUES (0, ARRAY[0]);
ASSERT VALUES t (id, collected) VALUES (0, ARRAY[0]);

----------------------------------------------------------------------------------------------------
--@test: session with an explicit grace period drops late records
----------------------------------------------------------------------------------------------------
-- ksqlDB (sqltests/query-upgrades/session-windows.sql 'out of order - explicit grace period'):
-- a session record is dropped only when its session's end < stream time - gap - grace, and
-- expired sessions take no merges: at stream time 100010, gap 30 s, grace 1 min, the record at
-- 10010 opens a new session [10010, 10010] (the one at 10009 is dropped).
-- Sluice: drops both (it leaves the gap out of the close time).
-- sqltests/query-upgrades/session-windows.sql: a session closes once stream time
-- passes its end + gap + grace, and a closed session takes no more merges.
CREATE STREAM s (id BIGINT KEY, v BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, MAX(v) AS hi FROM s WINDOW SESSION (30 SECONDS, GRACE PERIOD 1 MINUTE) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 0, 0);
INSERT INTO s (rowtime, id, v) VALUES (100010, 0, 1);
INSERT INTO s (rowtime, id, v) VALUES (10009, 0, 5);
INSERT INTO s (rowtime, id, v) VALUES (10010, 0, 6);
INSERT INTO s (rowtime, id, v) VALUES (10009, 1, 100);
INSERT INTO s (rowtime, id, v) VALUES (10010, 1, 101);
INSERT INTO s (rowtime, id, v) VALUES (86412022, 1, 200);
INSERT INTO s (rowtime, id, v) VALUES (60000, 1, 200);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 0);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 1, 100010, 100010);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 6, 10010, 10010);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 101, 10010, 10010);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 200, 86412022, 86412022);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL without a grace period closes the window at its end
----------------------------------------------------------------------------------------------------
-- ksqlDB (qtt/suppress.json 'should emit at window end if no grace period given'): with
-- EMIT FINAL and no GRACE PERIOD, [0, 2) is emitted when the record at 2 arrives.
-- Sluice: emits nothing (it applies the 24-hour default grace).
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 2 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 0, 2);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL on hopping windows
----------------------------------------------------------------------------------------------------
-- ksqlDB (qtt/suppress.json 'should support final results for hopping windows'): emits
-- [0,5)=4 then [4,9)=2. It does not emit [2,7): Kafka Streams fetches the closed windows from a
-- store that only returns windows starting at or after stream time - (size + grace), so a window
-- that closes during a large jump in stream time is never emitted.
-- Sluice: emits [0,5)=4, [2,7)=3, [4,9)=2.
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW HOPPING (SIZE 5 MILLISECONDS, ADVANCE BY 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (6, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (5, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (10, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 4, 0, 5);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 4, 9);

----------------------------------------------------------------------------------------------------
--@test: window bounds cannot be grouped on
--@expected.error: io.confluent.ksql.util.KsqlStatementException
-- ksqlDB (qtt/window-bounds.json): 'Window bounds column WINDOWSTART can only be used in the
-- SELECT clause of windowed aggregations'. Sluice: GROUP BY column 'WINDOWSTART' cannot be resolved.
--@expected.message: Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations
----------------------------------------------------------------------------------------------------
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY WINDOWSTART;

----------------------------------------------------------------------------------------------------
--@test: window bounds cannot be aggregated
--@expected.error: io.confluent.ksql.util.KsqlStatementException
-- ksqlDB (qtt/window-bounds.json): 'Window bounds column WINDOWSTART can only be used in the
-- SELECT clause of windowed aggregations'. Sluice: Column 'WINDOWSTART' cannot be resolved.
--@expected.message: Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations
----------------------------------------------------------------------------------------------------
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1), MIN(WINDOWSTART), MIN(WINDOWEND) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY rowkey;

----------------------------------------------------------------------------------------------------
--@test: SHOW TABLES EXTENDED and DESCRIBE EXTENDED
----------------------------------------------------------------------------------------------------
-- ksqlDB accepts SHOW TABLES EXTENDED and DESCRIBE <table> EXTENDED (and the STREAMS forms).
-- Sluice: syntax error, mismatched input 'EXTENDED'.
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
SHOW TABLES EXTENDED;
DESCRIBE u EXTENDED;

----------------------------------------------------------------------------------------------------
--@test: an aggregate without GROUP BY in CTAS
--@expected.error: io.confluent.ksql.util.KsqlStatementException
-- ksqlDB (qtt/group-by.json 'create table as select COUNT(*) with no group by'):
-- 'CREATE TABLE AS SELECT statement does not support aggregate function [COUNT(ROWTIME)] without a
-- GROUP BY clause.' Sluice: 'Invalid result type. Your SELECT query produces a STREAM...'.
--@expected.message: CREATE TABLE AS SELECT statement does not support aggregate function [COUNT(ROWTIME)] without a GROUP BY clause.
----------------------------------------------------------------------------------------------------
CREATE STREAM test (id INT KEY, id2 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT COUNT(*) FROM test;

----------------------------------------------------------------------------------------------------
--@test: pull query comparing the key with NULL
--@expected.error: io.confluent.ksql.util.KsqlStatementException
-- ksqlDB (rqtt/pull-queries-against-materialized-aggregates.json 'fail on null key'):
-- 'Error in WHERE expression: Comparison with NULL not supported: INTEGER = NULL'.
-- Sluice: accepts the query (and returns no rows).
--@expected.message: Comparison with NULL not supported: INTEGER = NULL
----------------------------------------------------------------------------------------------------
CREATE STREAM input (id INT KEY, ignored INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE aggregate AS SELECT id, COUNT(1) AS count FROM input GROUP BY id;
SELECT * FROM aggregate WHERE id = NULL;

----------------------------------------------------------------------------------------------------
--@test: pull query on a table that no query materialises
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The `X` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_X AS SELECT * FROM X'.
----------------------------------------------------------------------------------------------------
-- ksqlDB (rqtt/pull-queries-against-materialized-aggregates.json 'not materialized aggregate'):
-- a plain CREATE TABLE is not queryable (CREATE SOURCE TABLE is). Sluice: answers from the topic.
CREATE TABLE x (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
SELECT * FROM x WHERE id = '100';

----------------------------------------------------------------------------------------------------
--@test: pull query (table scan) on a stream
----------------------------------------------------------------------------------------------------
-- ksqlDB (rqtt/pull-queries-against-streams.json): SELECT without EMIT on a stream is a pull
-- query that scans the stream's topic. Sluice: 'Pull queries on streams are not supported yet'.
CREATE STREAM s1 (mykey INT KEY, myvalue INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
INSERT INTO s1 (mykey, myvalue) VALUES (1, 10);
SELECT * FROM s1;
SELECT * FROM s1 WHERE mykey = 1;

----------------------------------------------------------------------------------------------------
--@test: windowed retention shorter than size plus grace
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: must be no smaller than its window size plus the grace period
----------------------------------------------------------------------------------------------------
-- ksqlDB (Kafka Streams' window store check): 'The retention period of the window store ... must
-- be no smaller than its window size plus the grace period. Got size=[...], grace=[...],
-- retention=[...]'. Sluice: accepts the query.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 30 MINUTES, GRACE PERIOD 0 SECONDS) GROUP BY id;
