CREATE STREAM orders (id INT KEY, customer_id INT, amount DOUBLE) WITH (kafka_topic='orders', value_format='JSON');

CREATE TABLE customers (id INT PRIMARY KEY, name STRING, city STRING) WITH (kafka_topic='customers', value_format='JSON');

CREATE TABLE accounts (id INT PRIMARY KEY, name STRING, balance DOUBLE) WITH (kafka_topic='accounts', value_format='JSON');

CREATE STREAM enriched AS SELECT o.customer_id, o.amount, c.name FROM orders o JOIN customers c ON o.customer_id = c.id WHERE o.amount > 10;

CREATE STREAM enriched_left AS SELECT * FROM orders o LEFT JOIN customers c ON o.customer_id = c.id;

CREATE TABLE both AS SELECT c.id, c.city, a.balance FROM customers c JOIN accounts a ON c.id = a.id;

CREATE TABLE everyone AS SELECT ROWKEY AS id, c.name, a.name FROM customers c FULL OUTER JOIN accounts a ON c.id = a.id;

SELECT c.name, o.amount FROM orders o LEFT JOIN customers c ON o.customer_id = c.id EMIT CHANGES;

CREATE STREAM bad_pk AS SELECT o.id, c.name FROM orders o JOIN customers c ON CAST(o.customer_id AS STRING) = c.city;

CREATE STREAM bad_order AS SELECT c.id, o.amount FROM customers c JOIN orders o ON c.id = o.customer_id;

CREATE STREAM bad_full AS SELECT o.customer_id, c.name FROM orders o FULL OUTER JOIN customers c ON o.customer_id = c.id;

CREATE STREAM no_key AS SELECT o.amount, c.name FROM orders o JOIN customers c ON o.customer_id = c.id;

CREATE TABLE no_rowkey AS SELECT c.name, a.balance FROM customers c FULL OUTER JOIN accounts a ON c.id = a.id;

CREATE STREAM literal AS SELECT * FROM orders o JOIN customers c ON o.customer_id = 0;

CREATE STREAM types AS SELECT * FROM orders o JOIN customers c ON o.amount = c.id;

CREATE STREAM streams AS SELECT * FROM orders o JOIN orders p WITHIN 10 SECONDS ON o.id = p.id;

CREATE STREAM clicks (id INT KEY, url STRING) WITH (kafka_topic='clicks', value_format='JSON');

CREATE STREAM ss_inner AS SELECT o.id, o.amount, c.url FROM orders o JOIN clicks c WITHIN 10 SECONDS ON o.id = c.id;

CREATE STREAM ss_left AS SELECT o.id, o.amount, c.url FROM orders o LEFT JOIN clicks c WITHIN (1 SECOND, 5 SECONDS) GRACE PERIOD 2 SECONDS ON o.id = c.id;

CREATE STREAM ss_full AS SELECT * FROM orders o FULL OUTER JOIN clicks c WITHIN 1 MINUTE GRACE PERIOD 1 MINUTE ON o.id = c.id;

CREATE STREAM three AS SELECT o.customer_id, c.url, cu.name FROM orders o JOIN clicks c WITHIN 10 SECONDS ON o.id = c.id LEFT JOIN customers cu ON o.customer_id = cu.id;

CREATE STREAM three_nokey AS SELECT c.url FROM orders o JOIN clicks c WITHIN 10 SECONDS ON o.id = c.id JOIN customers cu ON o.id = cu.id;

CREATE STREAM dup AS SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id JOIN customers d ON o.id = d.id;

CREATE STREAM bad_crit AS SELECT * FROM orders o JOIN clicks c WITHIN 10 SECONDS ON o.id = c.id JOIN customers cu ON o.id = c.id;

CREATE TABLE prefs (id INT PRIMARY KEY, lang STRING) WITH (kafka_topic='prefs', key_format='JSON', value_format='JSON');

CREATE TABLE customer_prefs AS SELECT c.id, c.name, p.lang FROM customers c LEFT JOIN prefs p ON c.id = p.id;

CREATE STREAM views (id INT KEY, customer_id INT, page STRING) WITH (kafka_topic='views', value_format='JSON');

CREATE STREAM ss_values AS SELECT o.customer_id, o.amount, v.page FROM orders o LEFT JOIN views v WITHIN 10 SECONDS ON o.customer_id = v.customer_id;
