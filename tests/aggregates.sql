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
