-- Windowed aggregations: TUMBLING, HOPPING and SESSION windows, WINDOWSTART and
-- WINDOWEND, event time from ROWTIME or a timestamp column, out-of-order and
-- late records, GRACE PERIOD, RETENTION, EMIT CHANGES and EMIT FINAL.
-- Expected values follow ksqlDB (qtt/tumbling-windows.json, hopping-windows.json,
-- session-windows.json, window-bounds.json, suppress.json,
-- sqltests/query-upgrades/session-windows.sql). A record is late when its
-- window's end + grace <= stream time (the highest timestamp seen so far on the
-- partition, over all keys); late records are dropped.

----------------------------------------------------------------------------------------------------
--@test: tumbling window bounds as key and as value columns
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, ignored STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, WINDOWSTART AS wstart, WINDOWEND AS wend, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY id;

ASSERT TABLE t (id BIGINT PRIMARY KEY, wstart BIGINT, wend BIGINT, c BIGINT) WITH (kafka_topic='T', value_format='JSON');

INSERT INTO s (rowtime, id, ignored) VALUES (0, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (10000, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (30000, 100, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (35000, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (70000, 0, 'a');
ASSERT VALUES t (rowtime, id, WINDOWSTART, WINDOWEND, wstart, wend, c) VALUES (0, 0, 0, 30000, 0, 30000, 1);
ASSERT VALUES t (rowtime, id, WINDOWSTART, WINDOWEND, wstart, wend, c) VALUES (10000, 0, 0, 30000, 0, 30000, 2);
ASSERT VALUES t (rowtime, id, WINDOWSTART, WINDOWEND, wstart, wend, c) VALUES (30000, 100, 30000, 60000, 30000, 60000, 1);
ASSERT VALUES t (rowtime, id, WINDOWSTART, WINDOWEND, wstart, wend, c) VALUES (35000, 0, 30000, 60000, 30000, 60000, 1);
ASSERT VALUES t (rowtime, id, WINDOWSTART, WINDOWEND, wstart, wend, c) VALUES (70000, 0, 60000, 90000, 60000, 90000, 1);

----------------------------------------------------------------------------------------------------
--@test: tumbling MIN with out-of-order records inside the default grace
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, name STRING, v BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, MIN(v) AS lo FROM s WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, name, v) VALUES (0, 0, 'zero', 0);
INSERT INTO s (rowtime, id, name, v) VALUES (45000, 100, 'x', 6);
INSERT INTO s (rowtime, id, name, v) VALUES (10000, 0, 'y', 5);
INSERT INTO s (rowtime, id, name, v) VALUES (30000, 100, 'z', 100);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 30000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (100, 6, 30000, 60000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 30000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (100, 6, 30000, 60000);

----------------------------------------------------------------------------------------------------
--@test: tumbling with an explicit grace period drops records beyond it
----------------------------------------------------------------------------------------------------
-- qtt/tumbling-windows.json "out of order - explicit grace period". Stream time is
-- per partition: once it is 90000, window [0, 30000) is closed for key 1 too.
CREATE STREAM s (id BIGINT KEY, v BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, MAX(v) AS hi FROM s WINDOW TUMBLING (SIZE 30 SECONDS, GRACE PERIOD 1 MINUTE) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 0, 0);
INSERT INTO s (rowtime, id, v) VALUES (89999, 0, 1);
INSERT INTO s (rowtime, id, v) VALUES (10009, 0, 5);
INSERT INTO s (rowtime, id, v) VALUES (90000, 0, 0);
INSERT INTO s (rowtime, id, v) VALUES (10010, 0, 6);
INSERT INTO s (rowtime, id, v) VALUES (10009, 1, 100);
INSERT INTO s (rowtime, id, v) VALUES (30000, 1, 101);
INSERT INTO s (rowtime, id, v) VALUES (86412022, 1, 200);
INSERT INTO s (rowtime, id, v) VALUES (60000, 1, 200);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 30000);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 1, 60000, 90000);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 5, 0, 30000);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 0, 90000, 120000);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 101, 30000, 60000);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 200, 86400000, 86430000);

----------------------------------------------------------------------------------------------------
--@test: tumbling with a zero grace period drops a record as soon as its window ended
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (9999, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (10000, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (5000, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (5000, 2, 1);
INSERT INTO s (rowtime, id, v) VALUES (10001, 1, 1);
ASSERT VALUES t (id, c, WINDOWSTART) VALUES (1, 1, 0);
ASSERT VALUES t (id, c, WINDOWSTART) VALUES (1, 2, 0);
ASSERT VALUES t (id, c, WINDOWSTART) VALUES (1, 1, 10000);
ASSERT VALUES t (id, c, WINDOWSTART) VALUES (1, 2, 10000);

----------------------------------------------------------------------------------------------------
--@test: tumbling with RETENTION and GRACE PERIOD
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 HOUR, GRACE PERIOD 5 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (1000, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (14999, 1, 10);
INSERT INTO s (rowtime, id, v) VALUES (2000, 1, 100);
INSERT INTO s (rowtime, id, v) VALUES (15000, 1, 1000);
INSERT INTO s (rowtime, id, v) VALUES (3000, 1, 10000);
INSERT INTO s (rowtime, id, v) VALUES (16000, 1, 100000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 10000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 10, 10000, 20000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 101, 0, 10000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1010, 10000, 20000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 101010, 10000, 20000);

----------------------------------------------------------------------------------------------------
--@test: tumbling TOPK per window
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, name STRING, v DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, TOPK(v, 2) AS topk FROM s WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, name, v) VALUES (0, 0, 'zero', 0);
INSERT INTO s (rowtime, id, name, v) VALUES (0, 0, 'zero', 100);
INSERT INTO s (rowtime, id, name, v) VALUES (0, 0, 'zero', 10);
INSERT INTO s (rowtime, id, name, v) VALUES (30000, 0, 'zero', 50);
ASSERT VALUES t (id, topk, WINDOWSTART, WINDOWEND) VALUES (0, ARRAY[0.0], 0, 30000);
ASSERT VALUES t (id, topk, WINDOWSTART, WINDOWEND) VALUES (0, ARRAY[100.0, 0.0], 0, 30000);
ASSERT VALUES t (id, topk, WINDOWSTART, WINDOWEND) VALUES (0, ARRAY[100.0, 10.0], 0, 30000);
ASSERT VALUES t (id, topk, WINDOWSTART, WINDOWEND) VALUES (0, ARRAY[50.0], 30000, 60000);

----------------------------------------------------------------------------------------------------
--@test: event time from a BIGINT timestamp column
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, ts BIGINT, v INT) WITH (kafka_topic='s', value_format='JSON', timestamp='ts', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY id;
INSERT INTO s (rowtime, id, ts, v) VALUES (999999999, 1, 60000, 1);
INSERT INTO s (rowtime, id, ts, v) VALUES (0, 1, 119999, 1);
INSERT INTO s (rowtime, id, ts, v) VALUES (0, 1, 120000, 1);
ASSERT VALUES t (rowtime, id, c, WINDOWSTART, WINDOWEND) VALUES (60000, 1, 1, 60000, 120000);
ASSERT VALUES t (rowtime, id, c, WINDOWSTART, WINDOWEND) VALUES (119999, 1, 2, 60000, 120000);
ASSERT VALUES t (rowtime, id, c, WINDOWSTART, WINDOWEND) VALUES (120000, 1, 1, 120000, 180000);

----------------------------------------------------------------------------------------------------
--@test: event time from a string column with timestamp_format
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, ts STRING, v INT) WITH (kafka_topic='s', value_format='JSON', timestamp='ts', timestamp_format='yyyy-MM-dd HH:mm:ss', partitions=1);
CREATE TABLE t AS SELECT id, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY id;
INSERT INTO s (id, ts, v) VALUES (1, '2021-01-01 00:59:59', 1);
INSERT INTO s (id, ts, v) VALUES (1, '2021-01-01 01:00:00', 2);
INSERT INTO s (id, ts, v) VALUES (1, '2021-01-01 00:00:00', 4);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1, 1609459200000, 1609462800000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 2, 1609462800000, 1609466400000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 5, 1609459200000, 1609462800000);

----------------------------------------------------------------------------------------------------
--@test: hopping MIN updates every window a record falls in
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, name STRING, v BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, MIN(v) AS lo FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, name, v) VALUES (0, 0, 'zero', 0);
INSERT INTO s (rowtime, id, name, v) VALUES (10000, 0, '100', 5);
INSERT INTO s (rowtime, id, name, v) VALUES (30000, 100, '100', 100);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 30000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 30000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (0, 5, 10000, 40000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (100, 100, 10000, 40000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (100, 100, 20000, 50000);
ASSERT VALUES t (id, lo, WINDOWSTART, WINDOWEND) VALUES (100, 100, 30000, 60000);

----------------------------------------------------------------------------------------------------
--@test: hopping window bounds in the value
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, ignored STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, WINDOWSTART AS wstart, WINDOWEND AS wend, COUNT(1) AS c FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, ignored) VALUES (0, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (2000, 100, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (4999, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (5000, 0, 'a');
ASSERT VALUES t (id, wstart, wend, c) VALUES (0, 0, 30000, 1);
ASSERT VALUES t (id, wstart, wend, c) VALUES (100, 0, 30000, 1);
ASSERT VALUES t (id, wstart, wend, c) VALUES (0, 0, 30000, 2);
ASSERT VALUES t (id, wstart, wend, c) VALUES (0, 0, 30000, 3);
ASSERT VALUES t (id, wstart, wend, c) VALUES (0, 5000, 35000, 1);

----------------------------------------------------------------------------------------------------
--@test: hopping late record updates only the windows still open
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (12000, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (7000, 1, 1);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 10000);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 1, 5000, 15000);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 1, 10000, 20000);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 2, 5000, 15000);

----------------------------------------------------------------------------------------------------
--@test: session windows merge, retracting the old sessions with tombstones
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, ignored STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, WINDOWSTART AS wstart, WINDOWEND AS wend, COUNT(1) AS c FROM s WINDOW SESSION (30 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, ignored) VALUES (0, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (10000, 0, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (10000, 1, 'a');
INSERT INTO s (rowtime, id, ignored) VALUES (40000, 1, 'a');
ASSERT VALUES t (id, wstart, wend, c, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 1, 0, 0);
ASSERT NULL VALUES t (id) KEY (0);
ASSERT VALUES t (id, wstart, wend, c, WINDOWSTART, WINDOWEND) VALUES (0, 0, 10000, 2, 0, 10000);
ASSERT VALUES t (id, wstart, wend, c, WINDOWSTART, WINDOWEND) VALUES (1, 10000, 10000, 1, 10000, 10000);
ASSERT NULL VALUES t (id) KEY (1);
ASSERT VALUES t (id, wstart, wend, c, WINDOWSTART, WINDOWEND) VALUES (1, 10000, 40000, 2, 10000, 40000);

----------------------------------------------------------------------------------------------------
--@test: session out-of-order records within the default grace
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, v BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, MAX(v) AS hi FROM s WINDOW SESSION (30 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 0, 0);
INSERT INTO s (rowtime, id, v) VALUES (70010, 0, 1);
INSERT INTO s (rowtime, id, v) VALUES (10009, 0, 5);
INSERT INTO s (rowtime, id, v) VALUES (10010, 0, 6);
INSERT INTO s (rowtime, id, v) VALUES (10009, 1, 100);
INSERT INTO s (rowtime, id, v) VALUES (10010, 1, 101);
INSERT INTO s (rowtime, id, v) VALUES (86412022, 1, 200);
INSERT INTO s (rowtime, id, v) VALUES (60000, 1, 200);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 0, 0, 0);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 1, 70010, 70010);
ASSERT NULL VALUES t (id) KEY (0);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 5, 0, 10009);
ASSERT NULL VALUES t (id) KEY (0);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (0, 6, 0, 10010);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 100, 10009, 10009);
ASSERT NULL VALUES t (id) KEY (1);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 101, 10009, 10010);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 200, 86412022, 86412022);
ASSERT VALUES t (id, hi, WINDOWSTART, WINDOWEND) VALUES (1, 200, 60000, 60000);

----------------------------------------------------------------------------------------------------
--@test: session LATEST_BY_OFFSET across a merge
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, f0 INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, LATEST_BY_OFFSET(f0) AS l0 FROM s WINDOW SESSION (1 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, f0) VALUES (0, 0, 1);
INSERT INTO s (rowtime, id, f0) VALUES (1500, 0, NULL);
INSERT INTO s (rowtime, id, f0) VALUES (700, 0, 2);
ASSERT VALUES t (id, l0, WINDOWSTART, WINDOWEND) VALUES (0, 1, 0, 0);
ASSERT VALUES t (id, l0, WINDOWSTART, WINDOWEND) VALUES (0, NULL, 1500, 1500);
ASSERT NULL VALUES t (id) KEY (0);
ASSERT NULL VALUES t (id) KEY (0);
ASSERT VALUES t (id, l0, WINDOWSTART, WINDOWEND) VALUES (0, 2, 0, 1500);

----------------------------------------------------------------------------------------------------
--@test: EMIT CHANGES on a windowed aggregate emits every update
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 2 MILLISECONDS) GROUP BY id EMIT CHANGES;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 1, 0, 2);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 0, 2);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 1, 2, 4);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL emits a tumbling window once, when it closes
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 0, 2);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL counts records that arrive within the grace period
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 5 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (12, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (3, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (15, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (4, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (25, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 0, 10);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 10, 20);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL after a WHERE filter
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 2 MILLISECONDS, GRACE PERIOD 1 MILLISECONDS) WHERE col1 = 1 GROUP BY id EMIT FINAL;
-- The filtered-out record at 1 is not counted; the one at 3 closes [0, 2).
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 1);
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k1', 4);
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 1);
INSERT INTO s (rowtime, id, col1) VALUES (3, 'k1', 1);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 1, 0, 2);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL needs a windowed aggregation
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: EMIT FINAL is only supported for windowed aggregations.
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s GROUP BY id EMIT FINAL;

----------------------------------------------------------------------------------------------------
--@test: window bound in an expression with an aggregate
----------------------------------------------------------------------------------------------------
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1) * WINDOWEND AS x FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY rowkey;
INSERT INTO s (rowtime, rowkey, ignored) VALUES (10345, 0, 1);
INSERT INTO s (rowtime, rowkey, ignored) VALUES (10445, 0, 1);
INSERT INTO s (rowtime, rowkey, ignored) VALUES (13251, 0, 1);
ASSERT VALUES t (rowkey, x, WINDOWSTART, WINDOWEND) VALUES (0, 11000, 10000, 11000);
ASSERT VALUES t (rowkey, x, WINDOWSTART, WINDOWEND) VALUES (0, 22000, 10000, 11000);
ASSERT VALUES t (rowkey, x, WINDOWSTART, WINDOWEND) VALUES (0, 14000, 13000, 14000);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL emits each window once per key
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (1, 'k2', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (2, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (10, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (20, 'k2', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 0, 10);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k2', 1, 0, 10);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 1, 10, 20);

----------------------------------------------------------------------------------------------------
--@test: SESSION windows with RETENTION
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, SUM(v) AS total FROM s WINDOW SESSION (10 SECONDS, RETENTION 1 DAY, GRACE PERIOD 0 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (0, 1, 1);
INSERT INTO s (rowtime, id, v) VALUES (5000, 1, 2);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 0);
ASSERT NULL VALUES t (id) KEY (1);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 3, 0, 5000);

----------------------------------------------------------------------------------------------------
--@test: HOPPING windows with RETENTION
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, SUM(v) AS total FROM s WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS, RETENTION 1 DAY, GRACE PERIOD 1 SECOND) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (6000, 1, 1);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 10000);
ASSERT VALUES t (id, total, WINDOWSTART, WINDOWEND) VALUES (1, 1, 5000, 15000);

----------------------------------------------------------------------------------------------------
--@test: EMIT FINAL on session windows
----------------------------------------------------------------------------------------------------
-- ksqlDB (qtt/suppress.json 'should support final results for session windows'): only the
-- final sessions, [0,14]=5 and [29,30]=2, and no tombstones for merged sessions.
CREATE STREAM s (id STRING KEY, col1 STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW SESSION (5 MILLISECONDS, GRACE PERIOD 6 MILLISECONDS) GROUP BY id EMIT FINAL;
INSERT INTO s (rowtime, id, col1) VALUES (0, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (4, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (8, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (12, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (14, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (30, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (29, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (17, 'k1', 'v1');
INSERT INTO s (rowtime, id, col1) VALUES (42, 'k1', 'v1');
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 5, 0, 14);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES ('k1', 2, 29, 30);

----------------------------------------------------------------------------------------------------
--@test: session with an explicit grace period drops late records
----------------------------------------------------------------------------------------------------
-- ksqlDB (sqltests/query-upgrades/session-windows.sql 'out of order - explicit grace period'):
-- sessions close at stream time - gap - grace. A record is dropped when its session would end
-- before that, and a closed session takes no more merges: at stream time 100010, gap 30 s,
-- grace 1 min, the record at 10009 is dropped and the one at 10010 opens a new session
-- [10010, 10010] instead of merging with [0, 0].
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
-- EMIT FINAL and no GRACE PERIOD the grace is 0, so [0, 2) is emitted when the record at 2
-- arrives.
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
-- [0,5)=4 then [4,9)=2, not [2,7): Kafka Streams reads the closed windows back from a store
-- that only returns windows starting at or after stream time - retention (size + grace), so a
-- window that closes during a large jump in stream time is never emitted.
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
--@expected.message: Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/window-bounds.json 'windowed group by -  only window bounds in GROUP BY only column'.
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY WINDOWSTART;

----------------------------------------------------------------------------------------------------
--@test: window bounds cannot be aggregated
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/window-bounds.json 'windowed group by - aggregate window bounds in UDAF in SELECT'.
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1), MIN(WINDOWSTART), MIN(WINDOWEND) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY rowkey;

----------------------------------------------------------------------------------------------------
--@test: window bounds cannot be used in HAVING
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Window bounds column WINDOWSTART can only be used in the SELECT clause of windowed aggregations
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/window-bounds.json 'windowed group by - window bounds in HAVING'.
CREATE STREAM s (rowkey INT KEY, ignored INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT rowkey, COUNT(1) AS c FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY rowkey HAVING windowStart > 11000 AND MIN(windowEnd) < 15000;

----------------------------------------------------------------------------------------------------
--@test: windowed retention shorter than size plus grace
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: must be no smaller than its window size plus the grace period
----------------------------------------------------------------------------------------------------
-- Not in the corpus: Kafka Streams rejects the window store when it is built ('The retention
-- period of the window store ... must be no smaller than its window size plus the grace
-- period. Got size=[...], grace=[...], retention=[...]'); Sluice rejects the statement.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW TUMBLING (SIZE 1 HOUR, RETENTION 30 MINUTES, GRACE PERIOD 0 SECONDS) GROUP BY id;

----------------------------------------------------------------------------------------------------
--@test: a stream over a windowed topic keeps the windows and reads their bounds
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/session-windows.json 'session start stream': WINDOWSTART and WINDOWEND come from
-- the windowed key; the CSAS sink is windowed like its source.
CREATE STREAM data (user_id INT) WITH (kafka_topic='data', value_format='JSON', partitions=1);
CREATE TABLE sessions AS SELECT user_id, COUNT(user_id) AS count FROM data WINDOW SESSION (5 SECONDS) GROUP BY user_id;
CREATE STREAM session_stream (user_id INT KEY, count BIGINT) WITH (kafka_topic='SESSIONS', value_format='JSON', window_type='Session');
CREATE STREAM session_starts AS SELECT * FROM session_stream WHERE WINDOWSTART = WINDOWEND;
-- The merge tombstones are null-valued stream records, which every WHERE drops.
CREATE STREAM session_bounds AS SELECT user_id, WINDOWSTART AS ws, WINDOWEND AS we FROM session_stream WHERE count IS NOT NULL;
INSERT INTO data (rowtime, user_id) VALUES (0, 5);
INSERT INTO data (rowtime, user_id) VALUES (1000, 5);
INSERT INTO data (rowtime, user_id) VALUES (70000, 5);
ASSERT VALUES session_starts (user_id, count, WINDOWSTART, WINDOWEND) VALUES (5, 1, 0, 0);
-- The merged session (0, 1000) is not a start: the next start is the new session's.
ASSERT VALUES session_starts (user_id, count, WINDOWSTART, WINDOWEND) VALUES (5, 1, 70000, 70000);
ASSERT VALUES session_bounds (user_id, ws, we) VALUES (5, 0, 0);
ASSERT VALUES session_bounds (user_id, ws, we) VALUES (5, 0, 1000);
ASSERT VALUES session_bounds (user_id, ws, we) VALUES (5, 70000, 70000);

----------------------------------------------------------------------------------------------------
--@test: a window may be named
----------------------------------------------------------------------------------------------------
-- ksqlDB's grammar: WINDOW [name] TUMBLING|HOPPING|SESSION (qtt/earliest-offset-udaf.json).
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COUNT(*) AS c FROM s WINDOW w1 TUMBLING (SIZE 10 SECONDS) GROUP BY id;
INSERT INTO s (rowtime, id, v) VALUES (1000, 1, 10);
ASSERT VALUES t (id, c, WINDOWSTART, WINDOWEND) VALUES (1, 1, 0, 10000);

----------------------------------------------------------------------------------------------------
--@test: ROWTIME compared with a date string
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/magic-timestamp-conversion.json: a string compared with ROWTIME, WINDOWSTART or
-- WINDOWEND is read as a (partial) date in UTC.
CREATE STREAM s (k STRING KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM out AS SELECT k, v FROM s WHERE ROWTIME > '2018-01-01T00:00:00.001' AND ROWTIME BETWEEN '2018' AND '2019-01';
INSERT INTO s (rowtime, k, v) VALUES (1514764800001, 'a', 1);
INSERT INTO s (rowtime, k, v) VALUES (1514764800002, 'b', 2);
INSERT INTO s (rowtime, k, v) VALUES (1546300800001, 'c', 3);
INSERT INTO s (rowtime, k, v) VALUES (1546300800000, 'd', 4);
ASSERT VALUES out (rowtime, k, v) VALUES (1514764800002, 'b', 2);
-- 'c' is past the upper bound: the next row out is 'd', on it.
ASSERT VALUES out (rowtime, k, v) VALUES (1546300800000, 'd', 4);
