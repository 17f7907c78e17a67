-- INSERT INTO ... VALUES, INSERT INTO ... SELECT and the pseudo-columns
-- ROWTIME, ROWPARTITION and ROWOFFSET.

----------------------------------------------------------------------------------------------------
--@test: INSERT VALUES with a column subset leaves the rest NULL
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a STRING, b INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);

INSERT INTO s (id, b) VALUES (1, 2);
ASSERT VALUES s (id, a, b) VALUES (1, NULL, 2);

----------------------------------------------------------------------------------------------------
--@test: INSERT VALUES without a column list uses the schema order
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a STRING, b INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);

INSERT INTO s VALUES (1, 'x', 2);
ASSERT VALUES s (id, a, b) VALUES (1, 'x', 2);

----------------------------------------------------------------------------------------------------
--@test: INSERT VALUES coerces literals to the column types
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id BIGINT KEY, d DOUBLE, l BIGINT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

INSERT INTO s (id, d, l) VALUES (1, 2, 3);
ASSERT VALUES o (id, d, l) VALUES (1, 2.0, 3);

----------------------------------------------------------------------------------------------------
--@test: INSERT VALUES can set ROWTIME
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

INSERT INTO s (rowtime, id, v) VALUES (1234, 1, 1);
INSERT INTO s (id, v, rowtime) VALUES (2, 2, 99);
ASSERT VALUES o (rowtime, id, v) VALUES (1234, 1, 1);
ASSERT VALUES o (rowtime, id, v) VALUES (99, 2, 2);

----------------------------------------------------------------------------------------------------
--@test: ROWTIME, ROWPARTITION and ROWOFFSET in a projection
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, v, ROWTIME AS rt, ROWPARTITION AS part, ROWOFFSET AS off FROM s;

ASSERT STREAM o (id INT KEY, v STRING, rt BIGINT, part INT, off BIGINT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (rowtime, id, v) VALUES (500, 1, 'a');
INSERT INTO s (rowtime, id, v) VALUES (600, 2, 'b');
ASSERT VALUES o (rowtime, id, v, rt, part, off) VALUES (500, 1, 'a', 500, 0, 0);
ASSERT VALUES o (rowtime, id, v, rt, part, off) VALUES (600, 2, 'b', 600, 0, 1);

----------------------------------------------------------------------------------------------------
--@test: pseudo-columns in WHERE
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s WHERE ROWTIME >= 1000 AND ROWOFFSET > 0;

INSERT INTO s (rowtime, id, v) VALUES (2000, 1, 'first offset');
INSERT INTO s (rowtime, id, v) VALUES (10, 2, 'too early');
INSERT INTO s (rowtime, id, v) VALUES (3000, 3, 'kept');
ASSERT VALUES o (rowtime, id, v) VALUES (3000, 3, 'kept');

----------------------------------------------------------------------------------------------------
--@test: INSERT INTO ... SELECT merges a second stream into a sink
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b (id INT KEY, v STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE STREAM merged AS SELECT * FROM a;
INSERT INTO merged SELECT * FROM b;

INSERT INTO a (id, v) VALUES (1, 'from a');
ASSERT VALUES merged (id, v) VALUES (1, 'from a');
INSERT INTO b (id, v) VALUES (2, 'from b');
ASSERT VALUES merged (id, v) VALUES (2, 'from b');

----------------------------------------------------------------------------------------------------
--@test: INSERT INTO ... SELECT with a projection
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v STRING) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b (id INT KEY, w STRING) WITH (kafka_topic='b', value_format='JSON', partitions=1);
CREATE STREAM merged AS SELECT id, UCASE(v) AS v FROM a;
INSERT INTO merged SELECT id, LCASE(w) AS v FROM b;

INSERT INTO b (id, w) VALUES (2, 'LOWER ME');
ASSERT VALUES merged (id, v) VALUES (2, 'lower me');

----------------------------------------------------------------------------------------------------
--@test: chained CSAS queries
----------------------------------------------------------------------------------------------------
CREATE STREAM a (id INT KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);
CREATE STREAM b AS SELECT id, v * 10 AS v FROM a;
CREATE STREAM c AS SELECT id, v + 1 AS v FROM b;

INSERT INTO a (id, v) VALUES (1, 4);
ASSERT VALUES c (id, v) VALUES (1, 41);
