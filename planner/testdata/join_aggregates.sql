CREATE STREAM orders (id INT KEY, customer_id INT, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE customers (id INT PRIMARY KEY, name STRING, city STRING) WITH (kafka_topic='customers', value_format='JSON');

CREATE TABLE accounts (id INT PRIMARY KEY, name STRING, balance DOUBLE) WITH (kafka_topic='accounts', value_format='JSON');

CREATE STREAM clicks (id INT KEY, url STRING, amount DOUBLE) WITH (kafka_topic='clicks', value_format='JSON');

CREATE TABLE per_city AS SELECT c.city, COUNT(*) AS n, SUM(o.amount) AS total FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.city;

CREATE TABLE per_city_having AS SELECT city, COUNT(*) AS n FROM orders o LEFT JOIN customers c ON o.customer_id = c.id WHERE o.amount > 0 GROUP BY city HAVING COUNT(*) > 1;

CREATE TABLE shared_names AS SELECT o.amount, SUM(c.amount) FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id GROUP BY o.amount;

CREATE TABLE windowed AS SELECT o.customer_id, COUNT(*) AS n FROM orders o JOIN customers c ON o.customer_id = c.id WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY o.customer_id;

CREATE TABLE by_balance AS SELECT a.balance, COUNT(*) AS n FROM customers c JOIN accounts a ON c.id = a.id GROUP BY a.balance;

CREATE TABLE by_key AS SELECT c.id, COUNT(*) AS n FROM customers c LEFT JOIN accounts a ON c.id = a.id GROUP BY c.id;

SELECT c.name, MAX(o.amount) FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.name EMIT CHANGES;

CREATE STREAM not_a_table AS SELECT c.city, COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.city;

CREATE TABLE bounds AS SELECT o.customer_id, COUNT(*), WINDOWSTART AS ws FROM orders o JOIN customers c ON o.customer_id = c.id WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY o.customer_id;

CREATE TABLE bad_having AS SELECT o.amount, SUM(o.id), SUM(c.id) FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id GROUP BY o.amount HAVING SUM(o.id) > 'x';

CREATE TABLE missing_group AS SELECT COUNT(*) AS n FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id GROUP BY c.amount;

CREATE TABLE non_agg AS SELECT c.url, COUNT(*) AS n FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id GROUP BY o.amount;

CREATE TABLE no_group AS SELECT COUNT(*) AS n FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id;

CREATE STREAM by_amount AS SELECT o.amount, o.id, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id PARTITION BY o.amount;

CREATE STREAM by_city AS SELECT o.id AS oid, c.city, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id PARTITION BY c.city;

CREATE STREAM by_nothing AS SELECT o.id, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id PARTITION BY NULL;

CREATE STREAM part_missing AS SELECT o.id, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id PARTITION BY c.amount;

CREATE STREAM part_unknown AS SELECT o.id, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id PARTITION BY nope;

CREATE STREAM star_part AS SELECT * FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id PARTITION BY url;

CREATE STREAM rowtime_alias AS SELECT o.id, o.ROWTIME AS ROWTIME, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id;

CREATE STREAM where_types AS SELECT o.id, o.amount, c.url FROM orders o JOIN clicks c WITHIN 1 MINUTE ON o.id = c.id WHERE o.amount > c.url;
