-- Every SQL type through INSERT, a CSAS and back: primitives, DECIMAL, BYTES,
-- temporal types and the nested ARRAY, MAP and STRUCT with [] and -> access.

----------------------------------------------------------------------------------------------------
--@test: primitive types round-trip through JSON
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, b BOOLEAN, i INT, l BIGINT, d DOUBLE, t STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

ASSERT STREAM o (id INT KEY, b BOOLEAN, i INT, l BIGINT, d DOUBLE, t STRING) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, b, i, l, d, t) VALUES (1, true, -2147483648, 9223372036854775807, 1.5, 'héllo');
INSERT INTO s (id, b, i, l, d, t) VALUES (2, NULL, NULL, NULL, NULL, NULL);
ASSERT VALUES o (id, b, i, l, d, t) VALUES (1, true, -2147483648, 9223372036854775807, 1.5, 'héllo');
ASSERT VALUES o (id, b, i, l, d, t) VALUES (2, NULL, NULL, NULL, NULL, NULL);

----------------------------------------------------------------------------------------------------
--@test: DECIMAL keeps its scale
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, price DECIMAL(6, 2)) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, price FROM s WHERE price > 10.00;

ASSERT STREAM o (id INT KEY, price DECIMAL(6, 2)) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, price) VALUES (1, 9.99);
INSERT INTO s (id, price) VALUES (2, 12.50);
ASSERT VALUES o (id, price) VALUES (2, 12.50);

----------------------------------------------------------------------------------------------------
--@test: BYTES are written and read as base64 in JSON
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, raw BYTES) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

INSERT INTO s (id, raw) VALUES (1, 'IQ==');
ASSERT VALUES o (id, raw) VALUES (1, 'IQ==');

----------------------------------------------------------------------------------------------------
--@test: TIMESTAMP, DATE and TIME from string literals
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, ts TIMESTAMP, dt DATE, tm TIME) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

ASSERT STREAM o (id INT KEY, ts TIMESTAMP, dt DATE, tm TIME) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, ts, dt, tm) VALUES (1, '2021-01-01T00:00:01.500', '2021-01-02', '12:34:56');
ASSERT VALUES o (id, ts, dt, tm) VALUES (1, '2021-01-01T00:00:01.500', '2021-01-02', '12:34:56');

----------------------------------------------------------------------------------------------------
--@test: a TIMESTAMP column as the stream's timestamp
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, ts TIMESTAMP) WITH (kafka_topic='s', value_format='JSON', timestamp='ts', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

INSERT INTO s (id, ts) VALUES (1, '1970-01-01T00:00:02.000');
ASSERT VALUES o (rowtime, id) VALUES (2000, 1);

----------------------------------------------------------------------------------------------------
--@test: ARRAY values and 1-based [] access
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a ARRAY<INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, a, a[1] AS first, a[-1] AS last, a[10] AS missing FROM s;

ASSERT STREAM o (id INT KEY, a ARRAY<INT>, first INT, last INT, missing INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, a) VALUES (1, ARRAY[10, 20, 30]);
ASSERT VALUES o (id, a, first, last, missing) VALUES (1, ARRAY[10, 20, 30], 10, 30, NULL);

----------------------------------------------------------------------------------------------------
--@test: MAP values and [] access by key
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, m MAP<STRING, INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, m['a'] AS a, m['zz'] AS zz FROM s;

ASSERT STREAM o (id INT KEY, a INT, zz INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, m) VALUES (1, MAP('a' := 1, 'b' := 2));
ASSERT VALUES o (id, a, zz) VALUES (1, 1, NULL);

----------------------------------------------------------------------------------------------------
--@test: STRUCT values and -> access
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, addr STRUCT<street STRING, zip INT>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, addr->street AS street, addr->zip AS zip FROM s;

ASSERT STREAM o (id INT KEY, street STRING, zip INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, addr) VALUES (1, STRUCT(street := 'Main St', zip := 12345));
INSERT INTO s (id, addr) VALUES (2, NULL);
ASSERT VALUES o (id, street, zip) VALUES (1, 'Main St', 12345);
ASSERT VALUES o (id, street, zip) VALUES (2, NULL, NULL);

----------------------------------------------------------------------------------------------------
--@test: nested STRUCT inside ARRAY
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, items ARRAY<STRUCT<name STRING, qty INT>>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, items[1]->name AS first_name, items[2]->qty AS second_qty FROM s;

INSERT INTO s (id, items) VALUES (1, ARRAY[STRUCT(name := 'a', qty := 1), STRUCT(name := 'b', qty := 2)]);
ASSERT VALUES o (id, first_name, second_qty) VALUES (1, 'a', 2);

----------------------------------------------------------------------------------------------------
--@test: a whole STRUCT and MAP pass through a CSAS
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, st STRUCT<x INT, y STRING>, m MAP<STRING, DOUBLE>) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s;

ASSERT STREAM o (id INT KEY, st STRUCT<x INT, y STRING>, m MAP<STRING, DOUBLE>) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, st, m) VALUES (1, STRUCT(x := 1, y := 'one'), MAP('k' := 0.5));
ASSERT VALUES o (id, st, m) VALUES (1, STRUCT(x := 1, y := 'one'), MAP('k' := 0.5));

----------------------------------------------------------------------------------------------------
--@test: KAFKA format primitives as single-column values
----------------------------------------------------------------------------------------------------
CREATE STREAM si (v INT) WITH (kafka_topic='si', value_format='KAFKA', partitions=1);
CREATE STREAM sb (v BIGINT) WITH (kafka_topic='sb', value_format='KAFKA', partitions=1);
CREATE STREAM sd (v DOUBLE) WITH (kafka_topic='sd', value_format='KAFKA', partitions=1);
CREATE STREAM oi AS SELECT v + 1 AS v FROM si;
CREATE STREAM ob AS SELECT v * 2 AS v FROM sb;
CREATE STREAM od AS SELECT v / 2 AS v FROM sd;

INSERT INTO si (v) VALUES (41);
INSERT INTO sb (v) VALUES (4000000000);
INSERT INTO sd (v) VALUES (3.0);
ASSERT VALUES oi (v) VALUES (42);
ASSERT VALUES ob (v) VALUES (8000000000);
ASSERT VALUES od (v) VALUES (1.5);
