-- Tables: CREATE TABLE over a topic (PRIMARY KEY, upserts, tombstones), CTAS over
-- tables, aggregations of tables (an update retracts the old row and adds the
-- new one), SHOW TABLES, DESCRIBE and DROP TABLE. Expected values follow ksqlDB
-- (qtt/table.json, count.json, group-by.json, source-table.json).
-- A KAFKA-format value of one column written as NULL is a tombstone.

----------------------------------------------------------------------------------------------------
--@test: CTAS over a table forwards each upsert
----------------------------------------------------------------------------------------------------
CREATE TABLE test (k STRING PRIMARY KEY, id BIGINT, name STRING, v INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE t1 AS SELECT k, name, v FROM test;

ASSERT TABLE t1 (k STRING PRIMARY KEY, name STRING, v INT) WITH (kafka_topic='T1', value_format='JSON');

INSERT INTO test (k, id, name, v) VALUES ('1', 1, 'one', 100);
INSERT INTO test (k, id, name, v) VALUES ('1', 2, 'two', 200);
INSERT INTO test (k, id, name, v) VALUES ('1', 3, 'three', 300);
ASSERT VALUES t1 (k, name, v) VALUES ('1', 'one', 100);
ASSERT VALUES t1 (k, name, v) VALUES ('1', 'two', 200);
ASSERT VALUES t1 (k, name, v) VALUES ('1', 'three', 300);

----------------------------------------------------------------------------------------------------
--@test: CTAS over a table forwards tombstones
----------------------------------------------------------------------------------------------------
CREATE TABLE input (k STRING PRIMARY KEY, id BIGINT) WITH (kafka_topic='test_topic', value_format='KAFKA', partitions=1);
CREATE TABLE output AS SELECT * FROM input;
INSERT INTO input (k, id) VALUES ('1', 1);
INSERT INTO input (k, id) VALUES ('1', NULL);
INSERT INTO input (k, id) VALUES ('1', 2);
ASSERT VALUES output (k, id) VALUES ('1', 1);
ASSERT NULL VALUES output (k) KEY ('1');
ASSERT VALUES output (k, id) VALUES ('1', 2);

----------------------------------------------------------------------------------------------------
--@test: CTAS over a table with a projection and ROWTIME
----------------------------------------------------------------------------------------------------
CREATE TABLE u (id INT PRIMARY KEY, name STRING, age INT) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE v AS SELECT id, UCASE(name) AS upper_name, age + 1 AS next_age FROM u;

ASSERT TABLE v (id INT PRIMARY KEY, upper_name STRING, next_age INT) WITH (kafka_topic='V', value_format='JSON');

INSERT INTO u (rowtime, id, name, age) VALUES (100, 1, 'ann', 30);
INSERT INTO u (rowtime, id, name, age) VALUES (200, 1, 'anne', 31);
ASSERT VALUES v (rowtime, id, upper_name, next_age) VALUES (100, 1, 'ANN', 31);
ASSERT VALUES v (rowtime, id, upper_name, next_age) VALUES (200, 1, 'ANNE', 32);

----------------------------------------------------------------------------------------------------
--@test: COUNT grouped on a non-key column of a table moves rows between groups
----------------------------------------------------------------------------------------------------
-- qtt/count.json "count table": changing a row's group retracts it from the old
-- group first; a tombstone retracts it for good.
CREATE TABLE input (id STRING PRIMARY KEY, name STRING) WITH (kafka_topic='input_topic', value_format='KAFKA', partitions=1);
CREATE TABLE output AS SELECT name, COUNT(1) AS c FROM input GROUP BY name;

ASSERT TABLE output (name STRING PRIMARY KEY, c BIGINT) WITH (kafka_topic='OUTPUT', value_format='KAFKA');

INSERT INTO input (id, name) VALUES ('0', 'bob');
INSERT INTO input (id, name) VALUES ('0', 'john');
INSERT INTO input (id, name) VALUES ('100', 'john');
INSERT INTO input (id, name) VALUES ('100', NULL);
ASSERT VALUES output (name, c) VALUES ('bob', 1);
ASSERT VALUES output (name, c) VALUES ('bob', 0);
ASSERT VALUES output (name, c) VALUES ('john', 1);
ASSERT VALUES output (name, c) VALUES ('john', 2);
ASSERT VALUES output (name, c) VALUES ('john', 1);

----------------------------------------------------------------------------------------------------
--@test: a table aggregate counts back to zero
----------------------------------------------------------------------------------------------------
CREATE TABLE input (k STRING PRIMARY KEY, id BIGINT) WITH (kafka_topic='test_topic', value_format='KAFKA', partitions=1);
CREATE TABLE output AS SELECT id, COUNT() AS c FROM input GROUP BY id;
INSERT INTO input (k, id) VALUES ('1', 3);
INSERT INTO input (k, id) VALUES ('2', 3);
INSERT INTO input (k, id) VALUES ('1', NULL);
INSERT INTO input (k, id) VALUES ('2', NULL);
ASSERT VALUES output (id, c) VALUES (3, 1);
ASSERT VALUES output (id, c) VALUES (3, 2);
ASSERT VALUES output (id, c) VALUES (3, 1);
ASSERT VALUES output (id, c) VALUES (3, 0);

----------------------------------------------------------------------------------------------------
--@test: HAVING turns a table aggregate that stops matching into a tombstone
----------------------------------------------------------------------------------------------------
CREATE TABLE input (k STRING PRIMARY KEY, id BIGINT) WITH (kafka_topic='test_topic', value_format='KAFKA', partitions=1);
CREATE TABLE output AS SELECT id, COUNT() AS c FROM input GROUP BY id HAVING COUNT() > 0;
INSERT INTO input (k, id) VALUES ('1', 3);
INSERT INTO input (k, id) VALUES ('2', 3);
INSERT INTO input (k, id) VALUES ('1', NULL);
INSERT INTO input (k, id) VALUES ('2', NULL);
ASSERT VALUES output (id, c) VALUES (3, 1);
ASSERT VALUES output (id, c) VALUES (3, 2);
ASSERT VALUES output (id, c) VALUES (3, 1);
ASSERT NULL VALUES output (id) KEY (3);

----------------------------------------------------------------------------------------------------
--@test: SUM over a table retracts the old value and adds the new one
----------------------------------------------------------------------------------------------------
CREATE TABLE accounts (id INT PRIMARY KEY, region STRING, balance INT) WITH (kafka_topic='accounts', value_format='JSON', partitions=1);
CREATE TABLE by_region AS SELECT region, SUM(balance) AS total, COUNT(*) AS n FROM accounts GROUP BY region;
INSERT INTO accounts (id, region, balance) VALUES (1, 'east', 10);
INSERT INTO accounts (id, region, balance) VALUES (2, 'east', 5);
INSERT INTO accounts (id, region, balance) VALUES (1, 'west', 7);
ASSERT VALUES by_region (region, total, n) VALUES ('east', 10, 1);
ASSERT VALUES by_region (region, total, n) VALUES ('east', 15, 2);
ASSERT VALUES by_region (region, total, n) VALUES ('east', 5, 1);
ASSERT VALUES by_region (region, total, n) VALUES ('west', 7, 1);

----------------------------------------------------------------------------------------------------
--@test: GROUP BY on several columns of a table
----------------------------------------------------------------------------------------------------
-- qtt/group-by.json "fields - copied into value (table->table)".
CREATE TABLE test (id INT PRIMARY KEY, f1 INT, f2 STRING) WITH (kafka_topic='test_topic', format='JSON', partitions=1);
CREATE TABLE output AS SELECT f1, f2, AS_VALUE(f1) AS f3, AS_VALUE(f2) AS f4, COUNT(*) AS c FROM test GROUP BY f2, f1;

ASSERT TABLE output (f2 STRING PRIMARY KEY, f1 INT PRIMARY KEY, f3 INT, f4 STRING, c BIGINT) WITH (kafka_topic='OUTPUT', key_format='JSON', value_format='JSON');

INSERT INTO test (id, f1, f2) VALUES (1, 1, 'a');
INSERT INTO test (id, f1, f2) VALUES (2, 2, 'b');
INSERT INTO test (id, f1, f2) VALUES (1, 1, 'b');
INSERT INTO test (id, f1, f2) VALUES (1, 1, 'a');
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('a', 1, 1, 'a', 1);
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('b', 2, 2, 'b', 1);
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('a', 1, 1, 'a', 0);
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('b', 1, 1, 'b', 1);
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('b', 1, 1, 'b', 0);
ASSERT VALUES output (f2, f1, f3, f4, c) VALUES ('a', 1, 1, 'a', 1);

----------------------------------------------------------------------------------------------------
--@test: SHOW TABLES and DESCRIBE run on tables
----------------------------------------------------------------------------------------------------
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE r AS SELECT region, COUNT(*) AS c FROM u GROUP BY region;
SHOW TABLES;
DESCRIBE u;
DESCRIBE r;
LIST TABLES;

----------------------------------------------------------------------------------------------------
--@test: DROP TABLE of a CTAS stops its query and frees the name
----------------------------------------------------------------------------------------------------
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE r AS SELECT region, COUNT(*) AS c FROM u GROUP BY region;
DROP TABLE r;
ASSERT NOT EXISTS TABLE r;
DROP TABLE u;
ASSERT NOT EXISTS TABLE u;
CREATE TABLE u (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
ASSERT TABLE u (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='u', value_format='JSON');

----------------------------------------------------------------------------------------------------
--@test: DROP TABLE IF EXISTS on a missing table succeeds
----------------------------------------------------------------------------------------------------
DROP TABLE IF EXISTS never_created;
DROP TABLE IF EXISTS never_created DELETE TOPIC;

----------------------------------------------------------------------------------------------------
--@test: DROP TABLE of a table a query reads
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The following streams and/or tables read from this source
----------------------------------------------------------------------------------------------------
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE r AS SELECT region, COUNT(*) AS c FROM u GROUP BY region;
DROP TABLE u;

----------------------------------------------------------------------------------------------------
--@test: DROP TABLE on a stream
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Incompatible data source type is STREAM, but statement was DROP TABLE
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
DROP TABLE s;

----------------------------------------------------------------------------------------------------
--@test: DROP TABLE of a missing table
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: does not exist
----------------------------------------------------------------------------------------------------
DROP TABLE never_created;

----------------------------------------------------------------------------------------------------
--@test: a table key column must be PRIMARY KEY
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.
----------------------------------------------------------------------------------------------------
CREATE TABLE t (id INT KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: a table needs a PRIMARY KEY
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Tables require a PRIMARY KEY. Please define the PRIMARY KEY.
----------------------------------------------------------------------------------------------------
CREATE TABLE t (id INT, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: INSERT INTO ... SELECT into a table
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: INSERT INTO can only be used to insert into a stream. T is a table.
----------------------------------------------------------------------------------------------------
CREATE TABLE t (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE TABLE t2 (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t2', value_format='JSON', partitions=1);
INSERT INTO t SELECT * FROM t2;

----------------------------------------------------------------------------------------------------
--@test: INSERT VALUES into a source table is rejected
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Cannot insert values into read-only table: INPUT
----------------------------------------------------------------------------------------------------
CREATE SOURCE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
INSERT INTO input VALUES (1, 'b');

----------------------------------------------------------------------------------------------------
--@test: CREATE OR REPLACE SOURCE TABLE is rejected
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Cannot add table 'INPUT': CREATE OR REPLACE is not supported on source tables.
----------------------------------------------------------------------------------------------------
CREATE OR REPLACE SOURCE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: CREATE OR REPLACE over a source table is rejected
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Cannot add table 'INPUT': CREATE OR REPLACE is not supported on source tables.
----------------------------------------------------------------------------------------------------
CREATE SOURCE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE OR REPLACE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON');

----------------------------------------------------------------------------------------------------
--@test: DROP ... DELETE TOPIC of a source table is rejected
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Cannot delete topic for read-only source: INPUT
----------------------------------------------------------------------------------------------------
CREATE SOURCE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
DROP TABLE input DELETE TOPIC;

----------------------------------------------------------------------------------------------------
--@test: INSERT INTO ... SELECT into a source table names the table rule first
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: INSERT INTO can only be used to insert into a stream. INPUT is a table.
----------------------------------------------------------------------------------------------------
CREATE SOURCE TABLE input (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE SOURCE TABLE input2 (k INT PRIMARY KEY, text STRING) WITH (kafka_topic='test_topic', value_format='JSON');
INSERT INTO input SELECT * FROM input2;

----------------------------------------------------------------------------------------------------
--@test: a persistent query over a windowed table is rejected
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: KSQL does not support persistent queries on windowed tables.
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/windowed-source.json.
CREATE TABLE input (k STRING PRIMARY KEY, x INT) WITH (kafka_topic='test', value_format='JSON', window_type='Session', partitions=1);
CREATE TABLE output AS SELECT * FROM input;

----------------------------------------------------------------------------------------------------
--@test: AVG over a table source retracts the old row
----------------------------------------------------------------------------------------------------
-- ksqlDB: an update that stays in the same group emits one record (qtt/average-udaf.json
-- 'average udaf with table'): 1.0, 1.5, 2.0, 3.0.
CREATE TABLE u (id STRING PRIMARY KEY, k STRING, v INT) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT k, AVG(v) AS avg FROM u GROUP BY k;
INSERT INTO u (id, k, v) VALUES ('alice', 'a', 1);
INSERT INTO u (id, k, v) VALUES ('bob', 'a', 2);
INSERT INTO u (id, k, v) VALUES ('alice', 'a', NULL);
INSERT INTO u (id, k, v) VALUES ('alice', 'a', 4);
ASSERT VALUES t (k, avg) VALUES ('a', 1.0);
ASSERT VALUES t (k, avg) VALUES ('a', 1.5);
ASSERT VALUES t (k, avg) VALUES ('a', 2.0);
ASSERT VALUES t (k, avg) VALUES ('a', 3.0);

----------------------------------------------------------------------------------------------------
--@test: COLLECT_LIST over a table source holds only the current rows
----------------------------------------------------------------------------------------------------
-- ksqlDB (qtt/collect-list.json 'collect_list int table'): one record per update: [0], [100].
CREATE TABLE u (id BIGINT PRIMARY KEY, v INT) WITH (kafka_topic='u', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT id, COLLECT_LIST(v) AS collected FROM u GROUP BY id;
INSERT INTO u (id, v) VALUES (0, 0);
INSERT INTO u (id, v) VALUES (0, 100);
INSERT INTO u (id, v) VALUES (100, 500);
INSERT INTO u (id, v) VALUES (100, 100);
ASSERT VALUES t (id, collected) VALUES (0, ARRAY[0]);
ASSERT VALUES t (id, collected) VALUES (0, ARRAY[100]);
ASSERT VALUES t (id, collected) VALUES (100, ARRAY[500]);
ASSERT VALUES t (id, collected) VALUES (100, ARRAY[100]);

----------------------------------------------------------------------------------------------------
--@test: an update that keeps its group emits one record
----------------------------------------------------------------------------------------------------
-- ksqlDB: an update whose group does not change emits one record with the new aggregate
-- (qtt/collect-list.json 'collect_list int table', qtt/average-udaf.json 'average udaf with table'):
-- east=10, east=30, east=31.
-- (Same root cause as the AVG and COLLECT_LIST table cases above.)
CREATE TABLE accounts (id INT PRIMARY KEY, region STRING, balance INT) WITH (kafka_topic='accounts', value_format='JSON', partitions=1);
CREATE TABLE by_region AS SELECT region, SUM(balance) AS total FROM accounts GROUP BY region;
INSERT INTO accounts (id, region, balance) VALUES (1, 'east', 10);
INSERT INTO accounts (id, region, balance) VALUES (1, 'east', 30);
INSERT INTO accounts (id, region, balance) VALUES (2, 'east', 1);
ASSERT VALUES by_region (region, total) VALUES ('east', 10);
ASSERT VALUES by_region (region, total) VALUES ('east', 30);
ASSERT VALUES by_region (region, total) VALUES ('east', 31);

----------------------------------------------------------------------------------------------------
--@test: an aggregate without GROUP BY in CTAS
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: CREATE TABLE AS SELECT statement does not support aggregate function [COUNT(ROWTIME)] without a GROUP BY clause.
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/group-by.json 'create table as select COUNT(*) with no group by'.
CREATE STREAM test (id INT KEY, id2 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT COUNT(*) FROM test;
