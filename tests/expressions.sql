-- Projections, filters and scalar functions in CREATE STREAM AS SELECT.

----------------------------------------------------------------------------------------------------
--@test: projection with aliases and an unaliased expression
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a INT, b INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, a + b AS total, a * b FROM s;

ASSERT STREAM o (id INT KEY, total INT, KSQL_COL_0 INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, a, b) VALUES (1, 3, 4);
ASSERT VALUES o (id, total, KSQL_COL_0) VALUES (1, 7, 12);

----------------------------------------------------------------------------------------------------
--@test: WHERE filters records
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s WHERE v > 10 AND v <> 15;

INSERT INTO s (id, v) VALUES (1, 5);
INSERT INTO s (id, v) VALUES (2, 15);
INSERT INTO s (id, v) VALUES (3, 20);
INSERT INTO s (id, v) VALUES (4, NULL);
INSERT INTO s (id, v) VALUES (5, 11);
ASSERT VALUES o (id, v) VALUES (3, 20);
ASSERT VALUES o (id, v) VALUES (5, 11);

----------------------------------------------------------------------------------------------------
--@test: integer and double arithmetic
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, i INT, l BIGINT, d DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, i / 2 AS idiv, i % 3 AS imod, l - i AS lsub, d * i AS dmul, -i AS neg, (i + 1) * 2 AS grouped FROM s;

ASSERT STREAM o (id INT KEY, idiv INT, imod INT, lsub BIGINT, dmul DOUBLE, neg INT, grouped INT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, i, l, d) VALUES (1, 7, 10000000000, 0.5);
ASSERT VALUES o (id, idiv, imod, lsub, dmul, neg, grouped) VALUES (1, 3, 1, 9999999993, 3.5, -7, 16);

----------------------------------------------------------------------------------------------------
--@test: arithmetic on NULL gives NULL
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, i INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, i + 1 AS j FROM s;

INSERT INTO s (id, i) VALUES (1, NULL);
ASSERT VALUES o (id, j) VALUES (1, NULL);

----------------------------------------------------------------------------------------------------
--@test: comparisons produce booleans
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a INT, b INT, t STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, a = b AS eq, a != b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge, t = 'x' AS teq FROM s;

INSERT INTO s (id, a, b, t) VALUES (1, 1, 2, 'x');
ASSERT VALUES o (id, eq, ne, lt, le, gt, ge, teq) VALUES (1, false, true, true, true, false, false, true);

----------------------------------------------------------------------------------------------------
--@test: CAST between types
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, i INT, t STRING, d DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, CAST(i AS STRING) AS i_str, CAST(t AS INT) AS t_int, CAST(d AS INT) AS d_int, CAST(i AS DOUBLE) AS i_dbl, CAST(i AS BIGINT) AS i_big FROM s;

ASSERT STREAM o (id INT KEY, i_str STRING, t_int INT, d_int INT, i_dbl DOUBLE, i_big BIGINT) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, i, t, d) VALUES (1, 42, '17', 3.9);
ASSERT VALUES o (id, i_str, t_int, d_int, i_dbl, i_big) VALUES (1, '42', 17, 3, 42.0, 42);

----------------------------------------------------------------------------------------------------
--@test: CASE expressions
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, CASE WHEN v < 0 THEN 'neg' WHEN v = 0 THEN 'zero' ELSE 'pos' END AS sign, CASE WHEN v > 100 THEN 'big' END AS big FROM s;

INSERT INTO s (id, v) VALUES (1, -5);
INSERT INTO s (id, v) VALUES (2, 0);
INSERT INTO s (id, v) VALUES (3, 500);
ASSERT VALUES o (id, sign, big) VALUES (1, 'neg', NULL);
ASSERT VALUES o (id, sign, big) VALUES (2, 'zero', NULL);
ASSERT VALUES o (id, sign, big) VALUES (3, 'pos', 'big');

----------------------------------------------------------------------------------------------------
--@test: LIKE with % and _
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, name STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, name LIKE 'a%' AS starts_a, name LIKE '_b%' AS second_b, name NOT LIKE '%z' AS no_z FROM s;

INSERT INTO s (id, name) VALUES (1, 'abz');
INSERT INTO s (id, name) VALUES (2, 'cbd');
ASSERT VALUES o (id, starts_a, second_b, no_z) VALUES (1, true, true, false);
ASSERT VALUES o (id, starts_a, second_b, no_z) VALUES (2, false, true, true);

----------------------------------------------------------------------------------------------------
--@test: BETWEEN is inclusive
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s WHERE v BETWEEN 10 AND 20;

INSERT INTO s (id, v) VALUES (1, 9);
INSERT INTO s (id, v) VALUES (2, 10);
INSERT INTO s (id, v) VALUES (3, 20);
INSERT INTO s (id, v) VALUES (4, 21);
ASSERT VALUES o (id, v) VALUES (2, 10);
ASSERT VALUES o (id, v) VALUES (3, 20);

----------------------------------------------------------------------------------------------------
--@test: NOT BETWEEN
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT * FROM s WHERE v NOT BETWEEN 10 AND 20;

INSERT INTO s (id, v) VALUES (1, 15);
INSERT INTO s (id, v) VALUES (2, 25);
ASSERT VALUES o (id, v) VALUES (2, 25);

----------------------------------------------------------------------------------------------------
--@test: IN and NOT IN lists
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, color STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, color IN ('red', 'blue') AS primary_ish, id NOT IN (1, 2) AS late FROM s WHERE color IN ('red', 'green');

INSERT INTO s (id, color) VALUES (1, 'red');
INSERT INTO s (id, color) VALUES (2, 'blue');
INSERT INTO s (id, color) VALUES (3, 'green');
ASSERT VALUES o (id, primary_ish, late) VALUES (1, true, false);
ASSERT VALUES o (id, primary_ish, late) VALUES (3, false, true);

----------------------------------------------------------------------------------------------------
--@test: IS NULL and IS NOT NULL
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, v IS NULL AS missing FROM s WHERE id IS NOT NULL;

INSERT INTO s (id, v) VALUES (1, NULL);
INSERT INTO s (id, v) VALUES (2, 'x');
ASSERT VALUES o (id, missing) VALUES (1, true);
ASSERT VALUES o (id, missing) VALUES (2, false);

----------------------------------------------------------------------------------------------------
--@test: UCASE, LCASE and CONCAT
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, a STRING, b STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, UCASE(a) AS up, LCASE(b) AS low, CONCAT(a, '-', b) AS joined FROM s;

INSERT INTO s (id, a, b) VALUES (1, 'Mixed', 'CaSe');
ASSERT VALUES o (id, up, low, joined) VALUES (1, 'MIXED', 'case', 'Mixed-CaSe');

----------------------------------------------------------------------------------------------------
--@test: SUBSTRING is 1-based
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, t STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, SUBSTRING(t, 1, 5) AS head, SUBSTRING(t, 7) AS tail FROM s;

INSERT INTO s (id, t) VALUES (1, 'hello world');
ASSERT VALUES o (id, head, tail) VALUES (1, 'hello', 'world');

----------------------------------------------------------------------------------------------------
--@test: LEN, TRIM and REPLACE
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, t STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, LEN(t) AS n, TRIM(t) AS trimmed, REPLACE(TRIM(t), '-', '+') AS replaced FROM s;

ASSERT STREAM o (id INT KEY, n INT, trimmed STRING, replaced STRING) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, t) VALUES (1, '  a-b-c  ');
ASSERT VALUES o (id, n, trimmed, replaced) VALUES (1, 9, 'a-b-c', 'a+b+c');

----------------------------------------------------------------------------------------------------
--@test: string functions on NULL give NULL
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, t STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, UCASE(t) AS up, LEN(t) AS n, TRIM(t) AS trimmed FROM s;

INSERT INTO s (id, t) VALUES (1, NULL);
ASSERT VALUES o (id, up, n, trimmed) VALUES (1, NULL, NULL, NULL);

----------------------------------------------------------------------------------------------------
--@test: ABS, ROUND, FLOOR and CEIL
----------------------------------------------------------------------------------------------------
CREATE STREAM s (id INT KEY, i INT, d DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
CREATE STREAM o AS SELECT id, ABS(i) AS a, ABS(d) AS ad, ROUND(d) AS r, ROUND(d, 1) AS r1, FLOOR(d) AS f, CEIL(d) AS c FROM s;

ASSERT STREAM o (id INT KEY, a INT, ad DOUBLE, r BIGINT, r1 DOUBLE, f DOUBLE, c DOUBLE) WITH (kafka_topic='O', value_format='JSON');

INSERT INTO s (id, i, d) VALUES (1, -3, 2.5);
INSERT INTO s (id, i, d) VALUES (2, 4, -1.26);
ASSERT VALUES o (id, a, ad, r, r1, f, c) VALUES (1, 3, 2.5, 3, 2.5, 2.0, 3.0);
ASSERT VALUES o (id, a, ad, r, r1, f, c) VALUES (2, 4, 1.26, -1, -1.3, -2.0, -1.0);
