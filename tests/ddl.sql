-- CREATE STREAM with keys and WITH properties, CSAS sinks, DROP, TERMINATE,
-- SET and UNSET.

----------------------------------------------------------------------------------------------------
--@test: create stream with a key column and JSON values
----------------------------------------------------------------------------------------------------
CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);
CREATE STREAM copy AS SELECT * FROM orders;

ASSERT STREAM copy (id INT KEY, item STRING, qty INT) WITH (kafka_topic='COPY', value_format='JSON');

INSERT INTO orders (rowtime, id, item, qty) VALUES (10, 1, 'apple', 3);
ASSERT VALUES copy (rowtime, id, item, qty) VALUES (10, 1, 'apple', 3);

----------------------------------------------------------------------------------------------------
--@test: create stream with a string key and a JSON key format
----------------------------------------------------------------------------------------------------
CREATE STREAM users (name STRING KEY, age INT) WITH (kafka_topic='users', key_format='JSON', value_format='JSON', partitions=1);
CREATE STREAM adults AS SELECT * FROM users WHERE age >= 18;

ASSERT STREAM adults (name STRING KEY, age INT) WITH (kafka_topic='ADULTS', key_format='JSON', value_format='JSON');

INSERT INTO users (name, age) VALUES ('ann', 17);
INSERT INTO users (name, age) VALUES ('bob', 42);
ASSERT VALUES adults (name, age) VALUES ('bob', 42);

----------------------------------------------------------------------------------------------------
--@test: FORMAT sets the key and value formats together
----------------------------------------------------------------------------------------------------
CREATE STREAM k (id BIGINT KEY, v BIGINT) WITH (kafka_topic='k', format='KAFKA', partitions=1);
CREATE STREAM k2 AS SELECT * FROM k;

ASSERT STREAM k2 (id BIGINT KEY, v BIGINT) WITH (kafka_topic='K2', key_format='KAFKA', value_format='KAFKA');

INSERT INTO k (id, v) VALUES (7, 49);
ASSERT VALUES k2 (id, v) VALUES (7, 49);

----------------------------------------------------------------------------------------------------
--@test: DELIMITED values read and written as CSV
----------------------------------------------------------------------------------------------------
CREATE STREAM csv (id INT KEY, name STRING, score DOUBLE) WITH (kafka_topic='csv', value_format='DELIMITED', partitions=1);
CREATE STREAM csv_out AS SELECT id, name, score * 2 AS doubled FROM csv;

ASSERT STREAM csv_out (id INT KEY, name STRING, doubled DOUBLE) WITH (kafka_topic='CSV_OUT', value_format='DELIMITED');

INSERT INTO csv (id, name, score) VALUES (1, 'a,b', 1.5);
ASSERT VALUES csv_out (id, name, doubled) VALUES (1, 'a,b', 3.0);

----------------------------------------------------------------------------------------------------
--@test: CSAS into a named topic with another value format
----------------------------------------------------------------------------------------------------
CREATE STREAM src (id INT KEY, v STRING) WITH (kafka_topic='src', value_format='JSON', partitions=1);
CREATE STREAM dst WITH (kafka_topic='dst-topic', value_format='DELIMITED', partitions=2) AS SELECT * FROM src;

ASSERT STREAM dst (id INT KEY, v STRING) WITH (kafka_topic='dst-topic', value_format='DELIMITED');

INSERT INTO src (id, v) VALUES (1, 'x');
ASSERT VALUES dst (id, v) VALUES (1, 'x');

----------------------------------------------------------------------------------------------------
--@test: WITH timestamp takes ROWTIME from a BIGINT column
----------------------------------------------------------------------------------------------------
CREATE STREAM events (id INT KEY, ts BIGINT, v STRING) WITH (kafka_topic='events', value_format='JSON', timestamp='ts', partitions=1);
CREATE STREAM events_out AS SELECT * FROM events;

INSERT INTO events (id, ts, v) VALUES (1, 1609459200000, 'a');
ASSERT VALUES events_out (rowtime, id, ts, v) VALUES (1609459200000, 1, 1609459200000, 'a');

----------------------------------------------------------------------------------------------------
--@test: WITH timestamp and timestamp_format parse ROWTIME from a string column
----------------------------------------------------------------------------------------------------
CREATE STREAM events (id INT KEY, ts STRING, v STRING) WITH (kafka_topic='events', value_format='JSON', timestamp='ts', timestamp_format='yyyy-MM-dd HH:mm:ss', partitions=1);
CREATE STREAM events_out AS SELECT * FROM events;

ASSERT STREAM events_out (id INT KEY, ts STRING, v STRING) WITH (kafka_topic='EVENTS_OUT', value_format='JSON');

INSERT INTO events (id, ts, v) VALUES (1, '2021-01-01 00:00:10', 'a');
ASSERT VALUES events_out (rowtime, id, ts, v) VALUES (1609459210000, 1, '2021-01-01 00:00:10', 'a');

----------------------------------------------------------------------------------------------------
--@test: CSAS sets the sink's timestamp column
----------------------------------------------------------------------------------------------------
CREATE STREAM events (id INT KEY, ts BIGINT) WITH (kafka_topic='events', value_format='JSON', partitions=1);
CREATE STREAM events_out WITH (timestamp='ts') AS SELECT * FROM events;

INSERT INTO events (rowtime, id, ts) VALUES (5, 1, 20000);
ASSERT VALUES events_out (rowtime, id, ts) VALUES (20000, 1, 20000);

----------------------------------------------------------------------------------------------------
--@test: a sink's string timestamp column is read with its format, unreadable rows dropped
----------------------------------------------------------------------------------------------------
-- ksqlDB: qtt/timestampformat.json 'override output timestamp for CSAS using a string TIMESTAMP_FORMAT'.
CREATE STREAM events (k STRING KEY, id BIGINT, event_ts STRING) WITH (kafka_topic='events', value_format='JSON', partitions=1);
CREATE STREAM events_out WITH (timestamp='event_ts', timestamp_format='yyyy-MM-dd''T''HH:mm:ssX') AS SELECT k, id, event_ts FROM events;

INSERT INTO events (rowtime, k, id, event_ts) VALUES (10, 'a', 1, '2018-05-11T21:58:33Z');
INSERT INTO events (rowtime, k, id, event_ts) VALUES (10, 'a', 2, 'not a timestamp');
INSERT INTO events (rowtime, k, id, event_ts) VALUES (10, 'a', 3, '2019-05-11T21:58:33+0100');
ASSERT VALUES events_out (rowtime, k, id, event_ts) VALUES (1526075913000, 'a', 1, '2018-05-11T21:58:33Z');
ASSERT VALUES events_out (rowtime, k, id, event_ts) VALUES (1557608313000, 'a', 3, '2019-05-11T21:58:33+0100');

----------------------------------------------------------------------------------------------------
--@test: a sink's TIMESTAMP column must exist, checked before the key columns
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: The TIMESTAMP column set in the WITH clause does not exist in the schema: 'INVALID_TS'
----------------------------------------------------------------------------------------------------
CREATE STREAM events (k STRING KEY, id BIGINT, event_ts BIGINT) WITH (kafka_topic='events', value_format='JSON', partitions=1);
CREATE STREAM events_out WITH (timestamp='invalid_ts') AS SELECT id, event_ts FROM events;

----------------------------------------------------------------------------------------------------
--@test: every key column is named when one is missing from the projection
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The query used to build `OUTPUT` must include the key columns K and K2 in its projection (eg, SELECT K, K2...).
----------------------------------------------------------------------------------------------------
CREATE STREAM input (k INT KEY, k2 INT KEY, v INT) WITH (kafka_topic='input_topic', format='JSON', partitions=1);
CREATE STREAM output AS SELECT k, v FROM input;

----------------------------------------------------------------------------------------------------
--@test: DROP STREAM removes the source so the name can be reused
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
DROP STREAM a;
CREATE STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);

ASSERT STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON');

----------------------------------------------------------------------------------------------------
--@test: DROP STREAM IF EXISTS on a missing stream succeeds
----------------------------------------------------------------------------------------------------
DROP STREAM IF EXISTS never_created;
DROP STREAM IF EXISTS never_created DELETE TOPIC;

----------------------------------------------------------------------------------------------------
--@test: DROP STREAM DELETE TOPIC removes the records
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
INSERT INTO a (id, v) VALUES (1, 1);
DROP STREAM a DELETE TOPIC;

CREATE STREAM b (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
INSERT INTO b (id, v) VALUES (2, 2);
ASSERT VALUES b (id, v) VALUES (2, 2);

----------------------------------------------------------------------------------------------------
--@test: dropping a CSAS sink stops its query, then the source can go
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b AS SELECT * FROM a;
DROP STREAM b;
DROP STREAM a;

----------------------------------------------------------------------------------------------------
--@test: TERMINATE ALL stops the queries so their sources can be dropped
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b AS SELECT * FROM a;
CREATE STREAM c AS SELECT * FROM a WHERE v > 0;
TERMINATE ALL;
DROP STREAM a;

----------------------------------------------------------------------------------------------------
--@test: auto.offset.reset earliest reads records written before the query
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
INSERT INTO a (id, v) VALUES (1, 10);

SET 'auto.offset.reset'='earliest';
CREATE STREAM b AS SELECT * FROM a;
INSERT INTO a (id, v) VALUES (2, 20);

ASSERT VALUES b (id, v) VALUES (1, 10);
ASSERT VALUES b (id, v) VALUES (2, 20);

----------------------------------------------------------------------------------------------------
--@test: UNSET auto.offset.reset goes back to latest
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
INSERT INTO a (id, v) VALUES (1, 10);

SET 'auto.offset.reset'='earliest';
UNSET 'auto.offset.reset';
CREATE STREAM b AS SELECT * FROM a;
INSERT INTO a (id, v) VALUES (2, 20);

ASSERT VALUES b (id, v) VALUES (2, 20);

----------------------------------------------------------------------------------------------------
--@test: SHOW TABLES EXTENDED and DESCRIBE EXTENDED
----------------------------------------------------------------------------------------------------
-- Not in the corpus: ksqlDB's grammar accepts SHOW TABLES EXTENDED and DESCRIBE name EXTENDED
-- (the older DESCRIBE EXTENDED name too).
CREATE TABLE u (id INT PRIMARY KEY, region STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);
SHOW TABLES EXTENDED;
DESCRIBE u EXTENDED;
DESCRIBE EXTENDED u;
