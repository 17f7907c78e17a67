-- The example that started the project: a Kafka Streams program that
-- upper-cases every value of input-topic into trans-topic, as SQL.
--
--   builder.stream("input-topic").mapValues(v -> v.toUpperCase()).to("trans-topic");

----------------------------------------------------------------------------------------------------
--@test: quickstart: upper-case input-topic into trans-topic
----------------------------------------------------------------------------------------------------
CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA') AS SELECT UCASE(v) AS v FROM input;

INSERT INTO input (v) VALUES ('hello');
INSERT INTO input (v) VALUES ('Kafka Streams');

ASSERT VALUES trans (v) VALUES ('HELLO');
ASSERT VALUES trans (v) VALUES ('KAFKA STREAMS');

----------------------------------------------------------------------------------------------------
--@test: quickstart: the input records stay as they were
----------------------------------------------------------------------------------------------------
CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA') AS SELECT UCASE(v) AS v FROM input;

INSERT INTO input (rowtime, v) VALUES (1000, 'hello');
ASSERT VALUES input (rowtime, v) VALUES (1000, 'hello');
ASSERT VALUES trans (rowtime, v) VALUES (1000, 'HELLO');

----------------------------------------------------------------------------------------------------
--@test: quickstart: a wrong expectation fails
--@expected.error: java.lang.AssertionError
--@expected.message: Expected record does not match actual
----------------------------------------------------------------------------------------------------
CREATE STREAM input (v STRING) WITH (kafka_topic='input-topic', value_format='KAFKA', partitions=1);
CREATE STREAM trans WITH (kafka_topic='trans-topic', value_format='KAFKA') AS SELECT UCASE(v) AS v FROM input;

INSERT INTO input (v) VALUES ('hello');
ASSERT VALUES trans (v) VALUES ('hello');
