-- Aggregations and PARTITION BY over joins: the joined rows are grouped or
-- re-keyed as one source's rows would be (ksqlDB: group-by.json "on join",
-- sum.json "sum int left join of table", partition-by.json "... in join ...").

----------------------------------------------------------------------------------------------------
--@test: count and sum over a stream-table join, grouped by a table column
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, city STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE TABLE per_city AS SELECT c.city, COUNT(*) AS n, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.city;
INSERT INTO customers (rowtime, id, city) VALUES (1000, 1, 'paris');
INSERT INTO customers (rowtime, id, city) VALUES (1000, 2, 'rome');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 2, 7);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (4000, 12, 3, 100);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 13, 1, 9);
ASSERT VALUES per_city (city, n, total, rowtime) VALUES ('paris', 1, 5, 2000);
ASSERT VALUES per_city (city, n, total, rowtime) VALUES ('rome', 1, 7, 3000);
ASSERT VALUES per_city (city, n, total, rowtime) VALUES ('paris', 2, 14, 5000);

----------------------------------------------------------------------------------------------------
--@test: aggregate over a left join with WHERE and HAVING
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, city STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE TABLE big AS SELECT o.cust, COUNT(*) AS n FROM orders o LEFT JOIN customers c ON o.cust = c.id WHERE c.city IS NULL GROUP BY o.cust HAVING COUNT(*) > 1;
INSERT INTO customers (rowtime, id, city) VALUES (1000, 1, 'paris');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 2, 7);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (4000, 12, 2, 8);
ASSERT VALUES big (cust, n) VALUES (2, 2);

----------------------------------------------------------------------------------------------------
--@test: aggregate over a stream-stream join, columns of the same name on both sides
CREATE STREAM l (id INT KEY, v INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (id INT KEY, v INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE TABLE sums AS SELECT l.id, SUM(l.v) AS lv, SUM(r.v) AS rv FROM l JOIN r WITHIN 10 SECONDS ON l.id = r.id GROUP BY l.id;
INSERT INTO l (rowtime, id, v) VALUES (1000, 1, 1);
INSERT INTO r (rowtime, id, v) VALUES (2000, 1, 10);
INSERT INTO r (rowtime, id, v) VALUES (3000, 1, 20);
ASSERT VALUES sums (l_id, lv, rv, rowtime) VALUES (1, 1, 10, 2000);
ASSERT VALUES sums (l_id, lv, rv, rowtime) VALUES (1, 2, 30, 3000);

----------------------------------------------------------------------------------------------------
--@test: windowed aggregate over a join
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, city STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE TABLE w AS SELECT c.city, COUNT(*) AS n FROM orders o JOIN customers c ON o.cust = c.id WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY c.city;
INSERT INTO customers (rowtime, id, city) VALUES (0, 1, 'paris');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (1000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 11, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (12000, 12, 1, 5);
ASSERT VALUES w (city, n, WINDOWSTART, WINDOWEND) VALUES ('paris', 1, 0, 10000);
ASSERT VALUES w (city, n, WINDOWSTART, WINDOWEND) VALUES ('paris', 2, 0, 10000);
ASSERT VALUES w (city, n, WINDOWSTART, WINDOWEND) VALUES ('paris', 1, 10000, 20000);

----------------------------------------------------------------------------------------------------
--@test: aggregate over a table-table left join retracts updated rows
CREATE TABLE t1 (id BIGINT PRIMARY KEY, total INT) WITH (kafka_topic='t1', value_format='JSON', partitions=1);
CREATE TABLE t2 (id BIGINT PRIMARY KEY, total INT) WITH (kafka_topic='t2', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT t1.id, SUM(t1.total + CASE WHEN t2.total IS NULL THEN 0 ELSE t2.total END) AS sum FROM t1 LEFT JOIN t2 ON t1.id = t2.id GROUP BY t1.id HAVING COUNT(1) > 0;
INSERT INTO t1 (id, total) VALUES (0, 100);
INSERT INTO t1 (id, total) VALUES (1, 101);
INSERT INTO t2 (id, total) VALUES (0, 5);
INSERT INTO t2 (id, total) VALUES (1, 10);
INSERT INTO t2 (id, total) VALUES (0, 20);
INSERT INTO t2 (id, total) VALUES (0, NULL);
ASSERT VALUES output (t1_id, sum) VALUES (0, 100);
ASSERT VALUES output (t1_id, sum) VALUES (1, 101);
ASSERT VALUES output (t1_id, sum) VALUES (0, 105);
ASSERT VALUES output (t1_id, sum) VALUES (1, 111);
ASSERT VALUES output (t1_id, sum) VALUES (0, 120);
ASSERT VALUES output (t1_id, sum) VALUES (0, 100);

----------------------------------------------------------------------------------------------------
--@test: aggregate over a table-table join moves a row between groups
CREATE TABLE a (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id INT PRIMARY KEY, v INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE by_region AS SELECT a.region, COUNT(*) AS n, SUM(b.v) AS total FROM a JOIN b ON a.id = b.id GROUP BY a.region;
INSERT INTO a (rowtime, id, region) VALUES (1000, 1, 'x');
INSERT INTO b (rowtime, id, v) VALUES (2000, 1, 10);
INSERT INTO a (rowtime, id, region) VALUES (3000, 1, 'y');
ASSERT VALUES by_region (region, n, total) VALUES ('x', 1, 10);
ASSERT VALUES by_region (region, n, total) VALUES ('x', 0, 0);
ASSERT VALUES by_region (region, n, total) VALUES ('y', 1, 10);

----------------------------------------------------------------------------------------------------
--@test: window bounds cannot be selected from an aggregate over a join
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: SELECT column 'WINDOWSTART' cannot be resolved.
CREATE STREAM a (id STRING, col1 STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE TABLE b (id STRING PRIMARY KEY, col1 STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE TABLE c AS SELECT a.id, COUNT(*), WINDOWSTART AS wstart FROM a JOIN b ON a.id = b.id WINDOW TUMBLING (SIZE 10 MILLISECONDS) GROUP BY a.id;

----------------------------------------------------------------------------------------------------
--@test: a HAVING type error names the aggregate by its joined-schema text
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Error in HAVING expression: Cannot compare SUM(I1_BAR) (INTEGER) to '100' (STRING) with GREATER_THAN.
CREATE STREAM input_1 (k INT KEY, foo INT, bar INT) WITH (kafka_topic='t1', value_format='JSON', partitions=1);
CREATE STREAM input_2 (k INT KEY, foo INT, bar INT) WITH (kafka_topic='t2', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT i1.foo, SUM(i1.bar), SUM(i2.bar) FROM input_1 i1 JOIN input_2 i2 WITHIN 1 MINUTE ON i1.foo = i2.foo GROUP BY i1.foo HAVING SUM(i1.bar) > '100' AND SUM(i2.bar) > 20;

----------------------------------------------------------------------------------------------------
--@test: an aggregate over a join makes a table
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, city STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM per_city AS SELECT c.city, COUNT(*) AS n FROM orders o JOIN customers c ON o.cust = c.id GROUP BY c.city;

----------------------------------------------------------------------------------------------------
--@test: partition by a value column over a stream-stream join
CREATE STREAM l (k STRING KEY, a STRING, b STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (k STRING KEY, c STRING, d STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT l.b, l.k, r.k FROM l JOIN r WITHIN 10 SECONDS ON l.b = r.d PARTITION BY l.b;
INSERT INTO l (rowtime, k, a, b) VALUES (1000, 'a', 'a', 'join');
INSERT INTO r (rowtime, k, c, d) VALUES (2000, 'c', 'c', 'join');
ASSERT VALUES output (b, l_k, r_k, rowtime) VALUES ('join', 'a', 'c', 2000);

----------------------------------------------------------------------------------------------------
--@test: partition by a table column over a stream-table join
CREATE STREAM orders (id INT KEY, cust INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, city STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM by_city AS SELECT c.city, o.id AS oid, o.cust, o.amount FROM orders o LEFT JOIN customers c ON o.cust = c.id PARTITION BY c.city;
INSERT INTO customers (rowtime, id, city) VALUES (1000, 1, 'paris');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 2, 7);
ASSERT VALUES by_city (city, oid, cust, amount) VALUES ('paris', 10, 1, 5);
ASSERT VALUES by_city (city, oid, cust, amount) VALUES (NULL, 11, 2, 7);

----------------------------------------------------------------------------------------------------
--@test: partition by over a join must project the partitioning expression
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The query used to build `OUTPUT` must include the partitioning expression L_A in its projection (eg, SELECT L_A...).
CREATE STREAM l (k STRING KEY, a STRING, b STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (k STRING KEY, c STRING, d STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT l.k, r.c FROM l JOIN r WITHIN 10 SECONDS ON l.k = r.k PARTITION BY l.a;

----------------------------------------------------------------------------------------------------
--@test: select star with partition by over a join expands the joined schema
CREATE STREAM l (a INT KEY, b INT, c INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (x INT KEY, y INT, z INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT * FROM l JOIN r WITHIN 10 SECONDS ON l.a = r.x PARTITION BY l.b;
INSERT INTO l (rowtime, a, b, c) VALUES (11, 0, 1, 2);
INSERT INTO r (rowtime, x, y, z) VALUES (12, 0, -1, -2);
ASSERT VALUES output (l_b, l_c, l_rowtime, l_a, r_y, r_z, r_rowtime, r_x) VALUES (1, 2, 11, 0, -1, -2, 12, 0);

----------------------------------------------------------------------------------------------------
--@test: a join's projection cannot alias a column as ROWTIME
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Reserved column name in select: `ROWTIME`. Please remove or alias the column.
CREATE STREAM l (k STRING KEY, f0 INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
CREATE STREAM r (k STRING KEY, f1 INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT l.k, l.ROWTIME AS ROWTIME, f0, f1 FROM l JOIN r WITHIN 1 SECONDS ON l.k = r.k;
