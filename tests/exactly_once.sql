-- processing.guarantee: exactly_once_v2 runs a query in Kafka transactions (outputs, changelogs,
-- repartition records and input offsets commit together); readers see committed records only.

----------------------------------------------------------------------------------------------------
--@test: exactly_once_v2 windowed aggregation through a repartition
----------------------------------------------------------------------------------------------------
SET 'processing.guarantee'='exactly_once_v2';
SET 'cache.max.bytes.buffering'='0';
-- One input partition: records of several would meet in the repartition topic in no fixed order.
CREATE STREAM s (id BIGINT KEY, cat STRING, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE TABLE t AS SELECT cat, COUNT(1) AS c, SUM(v) AS total FROM s WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY cat;
INSERT INTO s (rowtime, id, cat, v) VALUES (0, 1, 'a', 5);
INSERT INTO s (rowtime, id, cat, v) VALUES (1000, 2, 'a', 7);
INSERT INTO s (rowtime, id, cat, v) VALUES (2000, 3, 'b', 1);
ASSERT VALUES t (rowtime, cat, WINDOWSTART, WINDOWEND, c, total) VALUES (0, 'a', 0, 30000, 1, 5);
ASSERT VALUES t (rowtime, cat, WINDOWSTART, WINDOWEND, c, total) VALUES (1000, 'a', 0, 30000, 2, 12);
ASSERT VALUES t (rowtime, cat, WINDOWSTART, WINDOWEND, c, total) VALUES (2000, 'b', 0, 30000, 1, 1);

----------------------------------------------------------------------------------------------------
--@test: exactly_once_v2 stream-table join
----------------------------------------------------------------------------------------------------
SET 'processing.guarantee'='exactly_once_v2';
-- Orders are keyed by customer: a re-keyed side would reach the join only
-- when its transaction commits, after the table update that follows it.
CREATE STREAM orders (cust INT KEY, id INT, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE TABLE customers (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='customers', value_format='JSON', partitions=1);
CREATE STREAM enriched AS SELECT o.cust, o.amount, c.name FROM orders o JOIN customers c ON o.cust = c.id;
INSERT INTO customers (rowtime, id, name) VALUES (1000, 1, 'alice');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (2000, 10, 1, 5);
INSERT INTO orders (rowtime, id, cust, amount) VALUES (3000, 11, 2, 7);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 5, 'alice', 2000);
INSERT INTO customers (rowtime, id, name) VALUES (4000, 1, 'alicia');
INSERT INTO orders (rowtime, id, cust, amount) VALUES (5000, 12, 1, 9);
ASSERT VALUES enriched (cust, amount, name, rowtime) VALUES (1, 9, 'alicia', 5000);

----------------------------------------------------------------------------------------------------
--@test: processing.guarantee rejects unknown values
----------------------------------------------------------------------------------------------------
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Invalid value exactly_twice for configuration processing.guarantee
SET 'processing.guarantee'='exactly_twice';
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;
