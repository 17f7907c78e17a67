CREATE STREAM orders (id STRING KEY, items ARRAY<STRING>, qtys ARRAY<INT>, tags MAP<STRING, INT>, n INT) WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE customers (id STRING PRIMARY KEY, name STRING, phones ARRAY<STRING>) WITH (kafka_topic='customers', value_format='JSON');

CREATE STREAM lines AS SELECT id, EXPLODE(items) AS item, n FROM orders WHERE n > 0;

CREATE STREAM zipped AS SELECT id, EXPLODE(items), UCASE(EXPLODE(items)) AS up, EXPLODE(qtys) * 2 AS q2 FROM orders;

SELECT id, CUBE_EXPLODE(ARRAY[n, n + 1]) AS combo, EXPLODE(GENERATE_SERIES(1, n)) FROM orders EMIT CHANGES;

CREATE STREAM by_item AS SELECT EXPLODE(items) AS item, id FROM orders PARTITION BY id;

CREATE STREAM parts (id STRING KEY, ps ARRAY<STRUCT<sku STRING, qty INT>>) WITH (kafka_topic='parts', value_format='JSON');

CREATE STREAM part_lines AS SELECT id, EXPLODE(ps)->qty * 2 AS q2, EXPLODE(ps)->* FROM parts;

CREATE STREAM joined AS SELECT o.id, c.name, EXPLODE(c.phones) AS phone FROM orders o JOIN customers c ON o.id = c.id;

CREATE STREAM of_map AS SELECT id, EXPLODE(tags) FROM orders;

CREATE TABLE counted AS SELECT id, EXPLODE(items), COUNT(*) FROM orders GROUP BY id;

CREATE TABLE grouped AS SELECT n, COUNT(*) FROM orders GROUP BY EXPLODE(qtys);

CREATE STREAM nested AS SELECT id, EXPLODE(EXPLODE(ARRAY[items])) FROM orders;

CREATE STREAM in_where AS SELECT id, n FROM orders WHERE ARRAY_LENGTH(ARRAY[EXPLODE(items)]) > 1;

CREATE STREAM in_partition AS SELECT id, n FROM orders PARTITION BY EXPLODE(items);

CREATE STREAM in_lambda AS SELECT id, TRANSFORM(items, x => EXPLODE(qtys)) FROM orders;

CREATE TABLE over_table AS SELECT id, EXPLODE(phones) FROM customers;

SELECT id, EXPLODE(phones) FROM customers EMIT CHANGES;
