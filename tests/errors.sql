-- Statements that must fail, with ksqlDB's error classes and messages.

----------------------------------------------------------------------------------------------------
--@test: malformed SQL reports line and column
--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException
--@expected.message: line 1:1:
----------------------------------------------------------------------------------------------------
SELEC * FROM foo EMIT CHANGES;

----------------------------------------------------------------------------------------------------
--@test: malformed SQL on the second line of a statement
--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException
--@expected.message: line 2:27:
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT)
  WITH (kafka_topic='foo' value_format='JSON');

----------------------------------------------------------------------------------------------------
--@test: unknown stream
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: does not exist
----------------------------------------------------------------------------------------------------
CREATE STREAM bar AS SELECT * FROM missing;

----------------------------------------------------------------------------------------------------
--@test: INSERT into an unknown stream
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Cannot insert values into an unknown stream/table: `NOWHERE`
----------------------------------------------------------------------------------------------------
INSERT INTO nowhere (id) VALUES (1);

----------------------------------------------------------------------------------------------------
--@test: unknown column in SELECT
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: SELECT column 'NOPE' cannot be resolved.
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);
CREATE STREAM bar AS SELECT id, nope FROM foo;

----------------------------------------------------------------------------------------------------
--@test: unknown column in WHERE
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: WHERE column 'BOB' cannot be resolved.
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);
CREATE STREAM bar AS SELECT * FROM foo WHERE bob = 1;

----------------------------------------------------------------------------------------------------
--@test: unknown function
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Can't find any functions with the name 'WONT_FIND_ME'
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);
CREATE STREAM bar AS SELECT id, WONT_FIND_ME(col1) AS x FROM foo;

----------------------------------------------------------------------------------------------------
--@test: type mismatch in a comparison
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Cannot compare ID (INTEGER) to 'not an int' (STRING) with GREATER_THAN_OR_EQUAL.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (k DOUBLE KEY, id INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT * FROM input WHERE id >= 'not an int' EMIT CHANGES;

----------------------------------------------------------------------------------------------------
--@test: WHERE must be boolean
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Type error in WHERE expression: Should evaluate to boolean but is 'not a boolean' (STRING) instead.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (k STRING KEY, id INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE STREAM output AS SELECT * FROM input WHERE 'not a boolean';

----------------------------------------------------------------------------------------------------
--@test: duplicate stream
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: already exists
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: CREATE STREAM IF NOT EXISTS on an existing stream succeeds
----------------------------------------------------------------------------------------------------
CREATE STREAM foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);
CREATE STREAM IF NOT EXISTS foo (id INT KEY, col1 INT) WITH (kafka_topic='foo', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: dropping a stream that a query reads
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The following streams and/or tables read from this source
----------------------------------------------------------------------------------------------------
CREATE STREAM src (id INT KEY, col1 INT) WITH (kafka_topic='src', value_format='JSON', partitions=1);
CREATE STREAM reader AS SELECT * FROM src;
DROP STREAM src;

----------------------------------------------------------------------------------------------------
--@test: dropping a missing stream without IF EXISTS
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: does not exist
----------------------------------------------------------------------------------------------------
DROP STREAM never_created;

----------------------------------------------------------------------------------------------------
--@test: KAFKA format holds a single value column
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The 'KAFKA' format only supports a single field. Got: [`V0` INTEGER, `V1` STRING]
----------------------------------------------------------------------------------------------------
CREATE STREAM s (v0 INT, v1 STRING) WITH (kafka_topic='s', value_format='KAFKA', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: unknown value format
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Unknown format: FOO
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='FOO', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: WITH timestamp names a missing column
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: The TIMESTAMP column set in the WITH clause does not exist in the schema: 'INVALID_TS'
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', timestamp='invalid_ts', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: INSERT INTO ... SELECT with a different schema
--@expected.error: io.confluent.ksql.util.KsqlStatementException
--@expected.message: Sink schema is `ID` INTEGER KEY, `V` STRING
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b (id INT KEY, v INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE STREAM merged AS SELECT * FROM a;
INSERT INTO merged SELECT * FROM b;

----------------------------------------------------------------------------------------------------
--@test: a KEY column in a table
--@expected.error: io.confluent.ksql.parser.exception.ParseFailedException
--@expected.message: Line: 1, Col: 21: Column `ID` is a 'KEY' column: please use 'PRIMARY KEY' for tables.
----------------------------------------------------------------------------------------------------
CREATE TABLE INPUT (ID INT KEY, NAME STRING) WITH (kafka_topic='input', value_format='JSON', partitions=1);

----------------------------------------------------------------------------------------------------
--@test: a pseudo-column projected under its own name in a GROUP BY query
--@expected.error: io.confluent.ksql.util.KsqlException
--@expected.message: Reserved column name in select: `WINDOWSTART`. Please remove or alias the column.
----------------------------------------------------------------------------------------------------
CREATE STREAM input (k STRING KEY, f0 INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);
CREATE TABLE output AS SELECT k, WINDOWSTART, COUNT(*) AS count FROM input GROUP BY WINDOWSTART;
