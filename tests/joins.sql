-- Joins: stream-stream (WITHIN), stream-table, table-table on primary keys, n-way; state in the tasks' stores, re-keyed inputs through repartition topics.

----------------------------------------------------------------------------------------------------
--@test: stream-table inner join
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o JOIN customers c ON o.cust = c.id;
INSERT INTO customers (rowtime, id, name) VALUES (1000, 1, 'alice');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 2, 7);
INSERT INTO customers (rowtime, id, name) VALUES (4000, 1, 'alicia');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 12, 1, 9);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 5, 'alice', 2000);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 9, 'alicia', 5000);

----------------------------------------------------------------------------------------------------
--@test: stream-table left join keeps unmatched stream rows
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o LEFT JOIN customers c ON o.cust = c.id;
INSERT INTO customers (rowtime, id, name) VALUES (1000, 1, 'alice');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 2, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 1, 7);
ASSERT VALUES enriched (cust, amount, name) VALUES (2, 5, NULL);
ASSERT VALUES enriched (cust, amount, name) VALUES (1, 7, 'alice');

----------------------------------------------------------------------------------------------------
--@test: stream-table left join after a table tombstone, and with a null join key
-- The table's single value column is written unwrapped, so NULL is a tombstone:
-- later orders of the deleted customer get NULLs. An order with a NULL join key
-- joins nothing and is dropped.
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o LEFT JOIN customers c ON o.cust = c.id;
INSERT INTO customers (rowtime, id, name) VALUES (1000, 1, 'alice');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, NULL, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 1, 7);
INSERT INTO customers (rowtime, id, name) VALUES (4000, 1, NULL);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 12, 1, 9);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 7, 'alice', 3000);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 9, NULL, 5000);

----------------------------------------------------------------------------------------------------
--@test: stream-table inner join after a table tombstone
-- Orders of the deleted customer match nothing any more: the next result is
-- the other customer's.
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o JOIN customers c ON o.cust = c.id;
INSERT INTO customers (rowtime, id, name) VALUES (1000, 1, 'alice');
INSERT INTO customers (rowtime, id, name) VALUES (1500, 2, 'bob');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO customers (rowtime, id, name) VALUES (3000, 1, NULL);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (4000, 11, 1, 7);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 12, 2, 9);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 5, 'alice', 2000);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (2, 9, 'bob', 5000);

----------------------------------------------------------------------------------------------------
--@test: select star over a join names columns by source
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, v INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT * FROM s JOIN t ON s.id = t.id;
INSERT INTO t (rowtime, id, v) VALUES (1000, 1, 100);
INSERT INTO s (rowtime, id, v) VALUES (2000, 1, 1);
ASSERT VALUES j (s_id, s_v, t_id, t_v) VALUES (1, 1, 1, 100);

----------------------------------------------------------------------------------------------------
--@test: table-table inner join with updates, a NULL column and a left tombstone
-- A's single value column is written unwrapped, so NULL is a tombstone; B's is
-- wrapped, so NULL is a column value.
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE ab AS SELECT a.id, x, y FROM a JOIN b ON a.id = b.id;
INSERT INTO a (rowtime, id, x) VALUES (1000, 1, 'a1');
INSERT INTO b (rowtime, id, y) VALUES (2000, 1, 'b1');
INSERT INTO a (rowtime, id, x) VALUES (3000, 1, 'a2');
INSERT INTO b (rowtime, id, y) VALUES (4000, 2, 'b2');
INSERT INTO b (rowtime, id, y) VALUES (5000, 1, NULL);
INSERT INTO a (rowtime, id, x) VALUES (6000, 1, NULL);
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a2', 'b1', 3000);
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a2', NULL, 5000);
ASSERT NULL VALUES ab (a_id) KEY (1);

----------------------------------------------------------------------------------------------------
--@test: table-table left join
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE ab AS SELECT a.id, x, y FROM a LEFT JOIN b ON a.id = b.id;
INSERT INTO a (rowtime, id, x) VALUES (1000, 1, 'a1');
INSERT INTO b (rowtime, id, y) VALUES (2000, 1, 'b1');
INSERT INTO b (rowtime, id, y) VALUES (3000, 7, 'b7');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', NULL, 1000);
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', 'b1', 2000);

----------------------------------------------------------------------------------------------------
--@test: table-table right join keeps unmatched right rows; tombstones on either side
-- Both tables' single value columns are written unwrapped: NULL is a tombstone.
-- A left row without a right one is not in the result; a right deletion
-- deletes the result, a left deletion keeps the right row with NULLs.
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE ab AS SELECT b.id, x, y FROM a RIGHT JOIN b ON a.id = b.id;
INSERT INTO a (rowtime, id, x) VALUES (1000, 1, 'a1');
INSERT INTO a (rowtime, id, x) VALUES (1500, 9, 'a9');
INSERT INTO b (rowtime, id, y) VALUES (2000, 1, 'b1');
INSERT INTO b (rowtime, id, y) VALUES (3000, 7, 'b7');
INSERT INTO a (rowtime, id, x) VALUES (4000, 1, 'a2');
INSERT INTO b (rowtime, id, y) VALUES (5000, 7, NULL);
INSERT INTO a (rowtime, id, x) VALUES (6000, 1, NULL);
ASSERT VALUES ab (b_id, x, y, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES ab (b_id, x, y, rowtime) VALUES (7, NULL, 'b7', 3000);
ASSERT VALUES ab (b_id, x, y, rowtime) VALUES (1, 'a2', 'b1', 4000);
ASSERT NULL VALUES ab (b_id) KEY (7);
ASSERT VALUES ab (b_id, x, y, rowtime) VALUES (1, NULL, 'b1', 6000);

----------------------------------------------------------------------------------------------------
--@test: table-table full outer join emits both sides and the synthetic key
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE ab AS SELECT ROWKEY AS id, x, y FROM a FULL OUTER JOIN b ON a.id = b.id;
INSERT INTO a (rowtime, id, x) VALUES (1000, 1, 'a1');
INSERT INTO b (rowtime, id, y) VALUES (2000, 2, 'b2');
INSERT INTO b (rowtime, id, y) VALUES (3000, 1, 'b1');
ASSERT VALUES ab (id, x, y) VALUES (1, 'a1', NULL);
ASSERT VALUES ab (id, x, y) VALUES (2, NULL, 'b2');
ASSERT VALUES ab (id, x, y) VALUES (1, 'a1', 'b1');

----------------------------------------------------------------------------------------------------
--@test: table-table join with where turns failing rows into tombstones
CREATE TABLE a (id INT PRIMARY KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, w INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE ab AS SELECT a.id, v, w FROM a JOIN b ON a.id = b.id WHERE v > 10;
INSERT INTO a (rowtime, id, v) VALUES (1000, 1, 20);
INSERT INTO b (rowtime, id, w) VALUES (2000, 1, 5);
INSERT INTO a (rowtime, id, v) VALUES (3000, 1, 1);
ASSERT VALUES ab (a_id, v, w) VALUES (1, 20, 5);
ASSERT NULL VALUES ab (a_id) KEY (1);

----------------------------------------------------------------------------------------------------
--@test: stream-table join must use the table's primary key
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Invalid join condition: stream-table joins require to join on the table's primary key. Got S.V = T.W.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, w INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT s.id, s.v, t.w FROM s JOIN t ON s.v = t.w;

----------------------------------------------------------------------------------------------------
--@test: join key must be projected
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The query used to build `J` must include the join expressions S.ID or T.ID in its projection (eg, SELECT S.ID...).
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, w INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT s.v, t.w FROM s JOIN t ON s.id = t.id;

----------------------------------------------------------------------------------------------------
--@test: table-stream join order is rejected
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Invalid join order: table-stream joins are not supported; only stream-table joins. Got T [INNER] JOIN S.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, w INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE TABLE j AS SELECT t.id, s.v, t.w FROM t JOIN s ON s.id = t.id;

----------------------------------------------------------------------------------------------------
--@test: stream-stream joins need WITHIN
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Stream-Stream joins must have a WITHIN clause specified.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, w INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT s.id, s.v, r.w FROM s JOIN r ON s.id = r.id;

----------------------------------------------------------------------------------------------------
--@test: stream-stream inner join within the window, outside it, and out of order
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.id, a, b FROM l JOIN r WITHIN 10 SECONDS ON l.id = r.id;
INSERT INTO l (rowtime, id, a) VALUES (1000, 1, 'a1');
INSERT INTO r (rowtime, id, b) VALUES (5000, 1, 'b1');
INSERT INTO r (rowtime, id, b) VALUES (20000, 1, 'b2');
INSERT INTO r (rowtime, id, b) VALUES (21000, 2, 'b3');
INSERT INTO l (rowtime, id, a) VALUES (15000, 1, 'a2');
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a1', 'b1', 5000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a2', 'b1', 15000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a2', 'b2', 20000);

----------------------------------------------------------------------------------------------------
--@test: stream-stream join with different before and after
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.id, a, b FROM l JOIN r WITHIN (1 SECOND, 5 SECONDS) ON l.id = r.id;
INSERT INTO r (rowtime, id, b) VALUES (1000, 1, 'early');
INSERT INTO l (rowtime, id, a) VALUES (3000, 1, 'x');
INSERT INTO r (rowtime, id, b) VALUES (7000, 1, 'late');
INSERT INTO r (rowtime, id, b) VALUES (9000, 1, 'too late');
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'x', 'late', 7000);

----------------------------------------------------------------------------------------------------
--@test: stream-stream left join without grace emits unmatched rows at once
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.id, a, b FROM l LEFT JOIN r WITHIN 10 SECONDS ON l.id = r.id;
INSERT INTO l (rowtime, id, a) VALUES (1000, 1, 'a1');
INSERT INTO r (rowtime, id, b) VALUES (2000, 1, 'b1');
INSERT INTO l (rowtime, id, a) VALUES (30000, 1, 'a2');
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a1', NULL, 1000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a2', NULL, 30000);

----------------------------------------------------------------------------------------------------
--@test: stream-stream right join without grace emits unmatched right rows at once
-- Unmatched left rows are not in the result; a right row outside WITHIN of every
-- left row is emitted with NULLs.
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT r.id, a, b FROM l RIGHT JOIN r WITHIN 10 SECONDS ON l.id = r.id;
INSERT INTO r (rowtime, id, b) VALUES (1000, 1, 'b1');
INSERT INTO l (rowtime, id, a) VALUES (2000, 1, 'a1');
INSERT INTO l (rowtime, id, a) VALUES (3000, 2, 'a2');
INSERT INTO r (rowtime, id, b) VALUES (30000, 2, 'b2');
ASSERT VALUES j (r_id, a, b, rowtime) VALUES (1, NULL, 'b1', 1000);
ASSERT VALUES j (r_id, a, b, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES j (r_id, a, b, rowtime) VALUES (2, NULL, 'b2', 30000);

----------------------------------------------------------------------------------------------------
--@test: stream-stream left join with grace emits unmatched rows when the window closes
-- Time moves on the left topic only: a poll with records of both topics is
-- merged by time, so records on two topics have no fixed relative order.
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.id, a, b FROM l LEFT JOIN r WITHIN 10 SECONDS GRACE PERIOD 5 SECONDS ON l.id = r.id;
INSERT INTO l (rowtime, id, a) VALUES (1000, 1, 'a1');
INSERT INTO r (rowtime, id, b) VALUES (2000, 1, 'b1');
INSERT INTO l (rowtime, id, a) VALUES (3000, 2, 'a2');
INSERT INTO l (rowtime, id, a) VALUES (10000, 3, 'a3');
INSERT INTO l (rowtime, id, a) VALUES (19000, 3, 'a4');
INSERT INTO l (rowtime, id, a) VALUES (1000, 4, 'too late');
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (2, 'a2', NULL, 3000);
ASSERT VALUES j (l_id, a, b, rowtime) VALUES (4, 'too late', NULL, 1000);

----------------------------------------------------------------------------------------------------
--@test: three-way join: stream-stream then stream-table
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, c STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.id, a, b, c FROM l JOIN r WITHIN 10 SECONDS ON l.id = r.id LEFT JOIN t ON l.id = t.id;
INSERT INTO t (rowtime, id, c) VALUES (500, 1, 'c1');
INSERT INTO l (rowtime, id, a) VALUES (1000, 1, 'a1');
INSERT INTO r (rowtime, id, b) VALUES (2000, 1, 'b1');
INSERT INTO l (rowtime, id, a) VALUES (3000, 2, 'a2');
INSERT INTO r (rowtime, id, b) VALUES (4000, 2, 'b2');
ASSERT VALUES j (l_id, a, b, c, rowtime) VALUES (1, 'a1', 'b1', 'c1', 2000);
ASSERT VALUES j (l_id, a, b, c, rowtime) VALUES (2, 'a2', 'b2', NULL, 4000);

----------------------------------------------------------------------------------------------------
--@test: table-table left join with tombstones on either side
-- Tombstones come from table filters (a row that stops matching is deleted).
CREATE TABLE a0 (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a0', value_format='JSON', partitions=1);
CREATE TABLE b0 (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b0', value_format='JSON', partitions=1);
CREATE TABLE a AS SELECT * FROM a0 WHERE x <> 'del';
CREATE TABLE b AS SELECT * FROM b0 WHERE y <> 'del';
CREATE TABLE ab AS SELECT a.id, x, y FROM a LEFT JOIN b ON a.id = b.id;
-- A and B are written by queries of their own, at their own pace: each
-- ASSERT waits for its row before the next input.
INSERT INTO a0 (rowtime, id, x) VALUES (1000, 1, 'a1');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', NULL, 1000);
INSERT INTO b0 (rowtime, id, y) VALUES (2000, 1, 'b1');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', 'b1', 2000);
INSERT INTO b0 (rowtime, id, y) VALUES (3000, 1, 'del');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', NULL, 3000);
INSERT INTO a0 (rowtime, id, x) VALUES (4000, 1, 'del');
ASSERT NULL VALUES ab (a_id) KEY (1);

----------------------------------------------------------------------------------------------------
--@test: stream-stream join on value columns re-keys both sides; null keys and records outside WITHIN join nothing
CREATE STREAM l (id INT KEY, k INT, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=2);
CREATE STREAM r (id INT KEY, k INT, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=2);
CREATE STREAM j AS SELECT l.k AS k, a, b FROM l JOIN r WITHIN 5 SECONDS ON l.k = r.k;
INSERT INTO l (rowtime, id, k, a) VALUES (1000, 1, 7, 'a1');
INSERT INTO l (rowtime, id, k, a) VALUES (1500, 2, NULL, 'null key');
INSERT INTO r (rowtime, id, k, b) VALUES (2000, 3, 7, 'b1');
INSERT INTO r (rowtime, id, k, b) VALUES (2500, 4, NULL, 'null key');
INSERT INTO r (rowtime, id, k, b) VALUES (9000, 5, 7, 'b2');
INSERT INTO l (rowtime, id, k, a) VALUES (3000, 6, 7, 'a2');
ASSERT VALUES j (k, a, b, rowtime) VALUES (7, 'a1', 'b1', 2000);
ASSERT VALUES j (k, a, b, rowtime) VALUES (7, 'a2', 'b1', 3000);

----------------------------------------------------------------------------------------------------
--@test: stream-table join on a stream value column over several partitions
-- The orders share a key (one partition, one order): records of several
-- partitions meet in the repartition topic in no fixed order.
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=3);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=3);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o LEFT JOIN customers c ON o.cust = c.id;
INSERT INTO orders (rowtime, id, cust, amount) VALUES (500, 9, 5, 1);
INSERT INTO customers (rowtime, id, name) VALUES (1000, 5, 'eve');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 9, 5, 2);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 9, 5, 3);
INSERT INTO customers (rowtime, id, name) VALUES (4000, 5, 'eva');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 9, 5, 4);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (5, 1, NULL, 500);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (5, 2, 'eve', 2000);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (5, 3, 'eve', 3000);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (5, 4, 'eva', 5000);

----------------------------------------------------------------------------------------------------
--@test: stream-stream full outer join with grace: a record later than the grace is not stored and emits unmatched at once
-- Time moves on the left topic only (see above).
CREATE STREAM l (id INT KEY, a STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, b STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT ROWKEY AS id, a, b FROM l FULL OUTER JOIN r WITHIN 2 SECONDS GRACE PERIOD 1 SECOND ON l.id = r.id;
INSERT INTO r (rowtime, id, b) VALUES (1000, 1, 'b1');
INSERT INTO l (rowtime, id, a) VALUES (2000, 1, 'a1');
INSERT INTO l (rowtime, id, a) VALUES (3000, 2, 'a2');
INSERT INTO l (rowtime, id, a) VALUES (20000, 3, 'a3');
INSERT INTO l (rowtime, id, a) VALUES (4000, 2, 'too late');
INSERT INTO l (rowtime, id, a) VALUES (40000, 3, 'a4');
ASSERT VALUES j (id, a, b, rowtime) VALUES (1, 'a1', 'b1', 2000);
ASSERT VALUES j (id, a, b, rowtime) VALUES (2, 'a2', NULL, 3000);
ASSERT VALUES j (id, a, b, rowtime) VALUES (2, 'too late', NULL, 4000);
ASSERT VALUES j (id, a, b, rowtime) VALUES (3, 'a3', NULL, 20000);

----------------------------------------------------------------------------------------------------
--@test: sources joined on their keys must have as many partitions
--@expected.error: KsqlStatementException
--@expected.message: Can't join `S` with `T` since the number of partitions don't match. `S` partitions = 2; `T` partitions = 3. Please repartition either one so that the number of partitions match.
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);
CREATE TABLE t (id INT PRIMARY KEY, w INT) WITH (kafka_topic='t', value_format='JSON', partitions=3);
CREATE STREAM j AS SELECT s.id, v, w FROM s JOIN t ON s.id = t.id;

----------------------------------------------------------------------------------------------------
--@test: tables joined on their keys must have as many partitions
--@expected.error: KsqlStatementException
--@expected.message: Can't join `A` with `B` since the number of partitions don't match. `A` partitions = 1; `B` partitions = 2. Please repartition either one so that the number of partitions match.
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=2);
CREATE TABLE ab AS SELECT a.id, x, y FROM a JOIN b ON a.id = b.id;

----------------------------------------------------------------------------------------------------
--@test: table-table join of tables with different key formats re-keys the right table
-- B's keys are JSON and A's KAFKA, so one key hashes to different partitions:
-- B's changes, tombstones included, reach the join through a repartition topic
-- keyed in A's format (ksqlDB's RightSourceKeyed-SelectKey), which takes A's
-- partition count. The sink has one partition and each result is asserted
-- before the next key's inputs, so that results of several tasks come in order.
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', key_format='KAFKA', value_format='JSON', partitions=4);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', key_format='JSON', value_format='JSON', wrap_single_value=false, partitions=3);
CREATE TABLE ab WITH (partitions=1) AS SELECT a.id, x, y FROM a JOIN b ON a.id = b.id;
ASSERT TABLE ab (a_id INT PRIMARY KEY, x STRING, y STRING) WITH (kafka_topic='AB', key_format='KAFKA', value_format='JSON');
INSERT INTO a (rowtime, id, x) VALUES (1000, 1, 'a1');
INSERT INTO b (rowtime, id, y) VALUES (2000, 1, 'b1');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (1, 'a1', 'b1', 2000);
INSERT INTO b (rowtime, id, y) VALUES (3000, 2, 'b2');
INSERT INTO a (rowtime, id, x) VALUES (4000, 2, 'a2');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (2, 'a2', 'b2', 4000);
INSERT INTO a (rowtime, id, x) VALUES (5000, 3, 'a3');
INSERT INTO b (rowtime, id, y) VALUES (6000, 3, 'b3');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (3, 'a3', 'b3', 6000);
INSERT INTO a (rowtime, id, x) VALUES (7000, 4, 'a4');
INSERT INTO b (rowtime, id, y) VALUES (8000, 4, 'b4');
ASSERT VALUES ab (a_id, x, y, rowtime) VALUES (4, 'a4', 'b4', 8000);
INSERT INTO b (rowtime, id, y) VALUES (9000, 2, NULL);
ASSERT NULL VALUES ab (a_id) KEY (2);
INSERT INTO b (rowtime, id, y) VALUES (10000, 3, NULL);
ASSERT NULL VALUES ab (a_id) KEY (3);

----------------------------------------------------------------------------------------------------
--@test: a stream re-keyed for a join takes the other side's partition count
CREATE STREAM s (id INT KEY, k INT, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);
CREATE TABLE t (id INT PRIMARY KEY, w INT) WITH (kafka_topic='t', value_format='JSON', partitions=3);
CREATE STREAM j AS SELECT s.k, v, w FROM s JOIN t ON s.k = t.id;
INSERT INTO t (rowtime, id, w) VALUES (1000, 4, 40);
INSERT INTO s (rowtime, id, k, v) VALUES (2000, 1, 4, 1);
ASSERT VALUES j (k, v, w, rowtime) VALUES (4, 1, 40, 2000);

----------------------------------------------------------------------------------------------------
--@test: a windowed source does not join a non-windowed one
--@expected.error: KsqlStatementException
--@expected.message: Can not join windowed source to non-windowed source.
CREATE STREAM s1 (id INT KEY, v BIGINT) WITH (kafka_topic='s1', value_format='JSON', window_type='SESSION', partitions=1);
CREATE STREAM s2 (id INT KEY, v BIGINT) WITH (kafka_topic='s2', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT * FROM s1 JOIN s2 WITHIN 1 MINUTE ON s1.id = s2.id;

----------------------------------------------------------------------------------------------------
--@test: session-windowed and time-windowed sources do not join
--@expected.error: KsqlStatementException
--@expected.message: Incompatible windowed sources.
CREATE STREAM s1 (id INT KEY, v BIGINT) WITH (kafka_topic='s1', value_format='JSON', window_type='session', partitions=1);
CREATE STREAM s2 (id INT KEY, v BIGINT) WITH (kafka_topic='s2', value_format='JSON', window_type='hopping', window_size='1 second', partitions=1);
CREATE STREAM j AS SELECT * FROM s1 JOIN s2 WITHIN 1 MINUTE ON s1.id = s2.id;

----------------------------------------------------------------------------------------------------
--@test: windowed sources are not re-keyed for a join
--@expected.error: KsqlStatementException
--@expected.message: Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.
CREATE STREAM s1 (k INT KEY, id INT, v BIGINT) WITH (kafka_topic='s1', value_format='JSON', window_type='tumbling', window_size='1 second', partitions=1);
CREATE STREAM s2 (k INT KEY, id INT, v BIGINT) WITH (kafka_topic='s2', value_format='JSON', window_type='tumbling', window_size='1 second', partitions=1);
CREATE STREAM j AS SELECT * FROM s1 JOIN s2 WITHIN 1 MINUTE ON s1.id = s2.id;

----------------------------------------------------------------------------------------------------
--@test: windowed tables have no foreign-key joins
--@expected.error: KsqlStatementException
--@expected.message: Foreign-key table-table joins are not supported on windowed tables.
CREATE TABLE l (k STRING PRIMARY KEY, f1 STRING) WITH (kafka_topic='l', value_format='JSON', window_type='tumbling', window_size='1 second', partitions=1);
CREATE TABLE r (k STRING PRIMARY KEY, id INT) WITH (kafka_topic='r', value_format='JSON', window_type='tumbling', window_size='1 second', partitions=1);
CREATE TABLE j AS SELECT * FROM l JOIN r ON l.f1 = r.k;

----------------------------------------------------------------------------------------------------
--@test: a map-typed join expression cannot become a key
--@expected.error: KsqlStatementException
--@expected.message: Key column name: `L_M`. Column type: STRUCT<`F1` MAP<STRING, INTEGER>>.
CREATE STREAM l (id STRING KEY, m STRUCT<f1 MAP<STRING, INT>>, v INT) WITH (kafka_topic='l', format='JSON', partitions=1);
CREATE STREAM r (id STRING KEY, m STRUCT<f1 MAP<STRING, INT>>, w INT) WITH (kafka_topic='r', format='JSON', partitions=1);
CREATE STREAM j AS SELECT l.m, v, w FROM l JOIN r WITHIN 1 SECOND ON l.m = r.m;

----------------------------------------------------------------------------------------------------
--@test: an unknown qualifier in ON
--@expected.error: KsqlStatementException
--@expected.message: Failed to prepare statement: 'NOPE' is not a valid stream/table name or alias.
CREATE TABLE a (id BIGINT PRIMARY KEY, f1 BIGINT) WITH (kafka_topic='a', format='JSON', partitions=1);
CREATE TABLE b (id BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='b', format='JSON', partitions=1);
CREATE TABLE j AS SELECT a.id, f1, f2 FROM a JOIN b ON nope.id = b.id;

----------------------------------------------------------------------------------------------------
--@test: an ambiguous column in ON
--@expected.error: KsqlStatementException
--@expected.message: Exception while preparing statement: Line: 1, Col: 56: Column 'ID' is ambiguous. Could be A.ID or B.ID.
CREATE TABLE a (id BIGINT PRIMARY KEY, f1 BIGINT) WITH (kafka_topic='a', format='JSON', partitions=1);
CREATE TABLE b (id BIGINT PRIMARY KEY, f2 BIGINT) WITH (kafka_topic='b', format='JSON', partitions=1);
CREATE TABLE j AS SELECT a.id, f1, f2 FROM a JOIN b ON id = b.id;

----------------------------------------------------------------------------------------------------
--@test: keyless streams joined on values are keyed in the default key format
SET 'ksql.persistence.default.format.key'='DELIMITED';
CREATE STREAM s1 (id INT, foo INT) WITH (kafka_topic='s1', key_format='NONE', value_format='JSON', partitions=1);
CREATE STREAM s2 (id INT, val STRING) WITH (kafka_topic='s2', key_format='NONE', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT s1.id, s2.val FROM s1 LEFT JOIN s2 WITHIN 10 SECONDS ON s1.id = s2.id;
INSERT INTO s1 (rowtime, id, foo) VALUES (1000, 10, 22);
INSERT INTO s2 (rowtime, id, val) VALUES (2000, 10, 'hello');
ASSERT VALUES j (s1_id, val, rowtime) VALUES (10, NULL, 1000);
ASSERT VALUES j (s1_id, val, rowtime) VALUES (10, 'hello', 2000);
ASSERT STREAM j (s1_id INT KEY, val STRING) WITH (kafka_topic='J', key_format='DELIMITED', value_format='JSON');

----------------------------------------------------------------------------------------------------
--@test: struct-all projections over a join take the struct's fields, in order
CREATE STREAM i1 (k1 INT KEY, v1 STRUCT<a INT, b INT>) WITH (kafka_topic='i1', format='JSON', partitions=1);
CREATE STREAM i2 (k1 INT KEY, v1 STRUCT<a INT, b INT>) WITH (kafka_topic='i2', format='JSON', partitions=1);
CREATE STREAM j AS SELECT i1.k1, i1.v1->*, i2.v1->a AS i2_a FROM i1 JOIN i2 WITHIN 10 SECONDS ON i1.k1 = i2.k1;
INSERT INTO i1 (rowtime, k1, v1) VALUES (1000, 1, STRUCT(a := 10, b := 11));
INSERT INTO i2 (rowtime, k1, v1) VALUES (2000, 1, STRUCT(a := 20, b := 21));
ASSERT VALUES j (i1_k1, a, b, i2_a) VALUES (1, 10, 11, 20);
ASSERT STREAM j (i1_k1 INT KEY, a INT, b INT, i2_a INT) WITH (kafka_topic='J', format='JSON');

----------------------------------------------------------------------------------------------------
--@test: struct-all needs a struct
--@expected.error: KsqlStatementException
--@expected.message: to be a STRUCT for ->*
CREATE STREAM s (k INT KEY, v INT) WITH (kafka_topic='s', format='JSON', partitions=1);
CREATE STREAM o AS SELECT k, v->* FROM s;

----------------------------------------------------------------------------------------------------
--@test: CREATE OR REPLACE of a stream-table join is refused
-- ksqlDB cannot upgrade joins (sqltests/query-upgrades/filters.sql): the join's
-- state would not carry over to a changed plan.
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Upgrades not yet supported for StreamTableJoin
CREATE STREAM s (id INT KEY, foo INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t (id INT PRIMARY KEY, bar INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);
CREATE STREAM j AS SELECT s.id, s.foo, t.bar FROM s JOIN t ON s.id = t.id;
CREATE OR REPLACE STREAM j AS SELECT s.id, s.foo, t.bar FROM s JOIN t ON s.id = t.id WHERE s.foo > 0;

----------------------------------------------------------------------------------------------------
--@test: CREATE OR REPLACE of a table-table join is refused
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Upgrades not yet supported for TableTableJoin
CREATE TABLE a (id INT PRIMARY KEY, x STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, y STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE ab AS SELECT a.id, x, y FROM a JOIN b ON a.id = b.id;
CREATE OR REPLACE TABLE ab AS SELECT a.id, x, y FROM a JOIN b ON a.id = b.id WHERE x <> 'z';
