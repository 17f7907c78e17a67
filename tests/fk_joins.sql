-- Foreign-key table-table joins: L [LEFT] JOIN R ON <expression over L> = R.<primary key>,
-- keyed by L's primary key (qtt/fk-join.json, fk-n-way-join.json). Single-column values
-- written unwrapped make NULL a tombstone. Left and right changes meet in the task owning
-- the foreign key through internal topics, so the order in which two changes of different
-- tables are seen is only fixed once an earlier result is asserted: the cases interleave
-- ASSERTs with INSERTs.

----------------------------------------------------------------------------------------------------
--@test: fk inner join emits matches, fans right updates out and tombstones both sides
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE j AS SELECT l.id, l.fk, r.name FROM l JOIN r ON l.fk = r.id;
INSERT INTO l (rowtime, id, fk) VALUES (1000, 1, 100);
INSERT INTO l (rowtime, id, fk) VALUES (2000, 2, 100);
INSERT INTO l (rowtime, id, fk) VALUES (3000, 3, 200);
INSERT INTO r (rowtime, id, name) VALUES (4000, 100, 'a');
ASSERT VALUES j (l_id, fk, name) VALUES (1, 100, 'a');
ASSERT VALUES j (l_id, fk, name) VALUES (2, 100, 'a');
INSERT INTO r (rowtime, id, name) VALUES (5000, 100, 'b');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (5000, 1, 100, 'b');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (5000, 2, 100, 'b');
INSERT INTO r (rowtime, id, name) VALUES (6000, 100, NULL);
ASSERT NULL VALUES j (l_id) KEY (1);
ASSERT NULL VALUES j (l_id) KEY (2);
INSERT INTO r (rowtime, id, name) VALUES (7000, 200, 'c');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (7000, 3, 200, 'c');
INSERT INTO l (rowtime, id, fk) VALUES (8000, 3, NULL);
ASSERT NULL VALUES j (l_id) KEY (3);

----------------------------------------------------------------------------------------------------
--@test: fk left join keeps unmatched left rows, null foreign keys and right deletions
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT, v STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE j AS SELECT l.id, l.v, r.name FROM l LEFT JOIN r ON l.fk = r.id;
INSERT INTO l (rowtime, id, fk, v) VALUES (1000, 1, 100, 'x');
ASSERT VALUES j (rowtime, l_id, v, name) VALUES (1000, 1, 'x', NULL);
INSERT INTO r (rowtime, id, name) VALUES (2000, 100, 'a');
ASSERT VALUES j (rowtime, l_id, v, name) VALUES (2000, 1, 'x', 'a');
INSERT INTO l (rowtime, id, fk, v) VALUES (3000, 2, NULL, 'y');
ASSERT VALUES j (rowtime, l_id, v, name) VALUES (3000, 2, 'y', NULL);
INSERT INTO r (rowtime, id, name) VALUES (4000, 100, NULL);
ASSERT VALUES j (rowtime, l_id, v, name) VALUES (4000, 1, 'x', NULL);

----------------------------------------------------------------------------------------------------
--@test: fk inner join across partitions: a row whose foreign key changes moves, stale answers are dropped
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT, v STRING) WITH (kafka_topic='l', value_format='JSON', partitions=3);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', wrap_single_value=false, partitions=2);
CREATE TABLE j WITH (partitions=1) AS SELECT l.id, l.fk, r.name FROM l JOIN r ON l.fk = r.id;
INSERT INTO r (rowtime, id, name) VALUES (1000, 100, 'a');
INSERT INTO r (rowtime, id, name) VALUES (1000, 200, 'b');
INSERT INTO r (rowtime, id, name) VALUES (1000, 300, 'c');
INSERT INTO r (rowtime, id, name) VALUES (1000, 400, 'd');
ASSERT VALUES r (id, name) VALUES (100, 'a');
INSERT INTO l (rowtime, id, fk, v) VALUES (2000, 1, 999, 'x');
INSERT INTO l (rowtime, id, fk, v) VALUES (3000, 1, 100, 'x');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (3000, 1, 100, 'a');
INSERT INTO l (rowtime, id, fk, v) VALUES (4000, 1, 200, 'x');
INSERT INTO l (rowtime, id, fk, v) VALUES (5000, 1, 300, 'x');
INSERT INTO l (rowtime, id, fk, v) VALUES (6000, 1, 400, 'x');
-- Answers for foreign keys the row has already left are stale: only the last one emits.
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (6000, 1, 400, 'd');
INSERT INTO r (rowtime, id, name) VALUES (7000, 100, 'a2');
INSERT INTO l (rowtime, id, fk, v) VALUES (8000, 1, 555, 'x');
ASSERT NULL VALUES j (l_id) KEY (1);

----------------------------------------------------------------------------------------------------
--@test: fk join on a column of a two-column left key, keyed by both
----------------------------------------------------------------------------------------------------
CREATE TABLE l (a INT PRIMARY KEY, b INT PRIMARY KEY, v STRING) WITH (kafka_topic='l', format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE j AS SELECT a, b, v, name FROM l JOIN r ON b = r.id;
INSERT INTO r (rowtime, id, name) VALUES (1000, 7, 'seven');
ASSERT VALUES r (id, name) VALUES (7, 'seven');
INSERT INTO l (rowtime, a, b, v) VALUES (2000, 1, 7, 'x');
ASSERT VALUES j (rowtime, a, b, v, name) VALUES (2000, 1, 7, 'x', 'seven');

----------------------------------------------------------------------------------------------------
--@test: n-way join starting with a foreign-key join
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', format='JSON', partitions=1);
CREATE TABLE m (id INT PRIMARY KEY, f2 INT) WITH (kafka_topic='m', format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, f3 INT) WITH (kafka_topic='r', format='JSON', partitions=1);
CREATE TABLE j AS SELECT l.id, m.f2, r.f3 FROM l JOIN m ON l.fk = m.id LEFT JOIN r ON l.id = r.id;
-- The foreign-key step answers through internal topics: each ASSERT waits
-- for its row before the next input, so the steps meet in input order.
INSERT INTO m (rowtime, id, f2) VALUES (0, 0, 100);
INSERT INTO l (rowtime, id, fk) VALUES (10000, 1, 0);
ASSERT VALUES j (rowtime, l_id, f2, f3) VALUES (10000, 1, 100, NULL);
INSERT INTO r (rowtime, id, f3) VALUES (11000, 1, 4);
ASSERT VALUES j (rowtime, l_id, f2, f3) VALUES (11000, 1, 100, 4);
INSERT INTO m (rowtime, id, f2) VALUES (13000, 8, 10);
INSERT INTO l (rowtime, id, fk) VALUES (16000, 1, 8);
ASSERT VALUES j (rowtime, l_id, f2, f3) VALUES (16000, 1, 10, 4);

----------------------------------------------------------------------------------------------------
--@test: fk right join is rejected
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: RIGHT OUTER JOIN on a foreign key is not supported
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE j AS SELECT l.id, r.name FROM l RIGHT JOIN r ON l.fk = r.id;

----------------------------------------------------------------------------------------------------
--@test: fk join must project the left table's key
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Primary key column missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (`L`). Missing column: `ID`.
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE j AS SELECT l.fk, r.name FROM l JOIN r ON l.fk = r.id;

----------------------------------------------------------------------------------------------------
--@test: fk join is not allowed after the first join of an n-way join
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got L.FK = R.ID.
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE TABLE m (id INT PRIMARY KEY, f2 INT) WITH (kafka_topic='m', value_format='JSON', partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE j AS SELECT l.id, m.f2, r.name FROM l JOIN m ON l.id = m.id JOIN r ON l.fk = r.id;
