CREATE TABLE left_table (l_id BIGINT PRIMARY KEY, name VARCHAR, foreign_key BIGINT) WITH (kafka_topic='left_topic', value_format='JSON');

CREATE TABLE right_table (r_id BIGINT PRIMARY KEY, f1 VARCHAR, f2 BIGINT) WITH (kafka_topic='right_topic', value_format='JSON');

CREATE TABLE two_keys (k1 BIGINT PRIMARY KEY, k2 BIGINT PRIMARY KEY, name VARCHAR, foreign_key BIGINT) WITH (kafka_topic='two_keys', format='JSON');

CREATE TABLE third (t_id BIGINT PRIMARY KEY, f3 BIGINT) WITH (kafka_topic='third', value_format='JSON');

CREATE TABLE inner_fk AS SELECT l_id, r_id, name, f1 FROM left_table JOIN right_table ON foreign_key = r_id;

CREATE TABLE left_fk AS SELECT l.l_id, r.f1 FROM left_table l LEFT JOIN right_table r ON l.foreign_key + 1 = r.r_id WHERE r.f2 > 0;

CREATE TABLE multi_key AS SELECT k1, k2, f1 FROM two_keys JOIN right_table ON k2 = r_id;

CREATE TABLE star AS SELECT * FROM left_table JOIN right_table ON r_id = foreign_key;

CREATE TABLE nway AS SELECT l_id, f1, f3 FROM left_table JOIN right_table ON foreign_key = r_id LEFT JOIN third ON l_id = t_id;

CREATE TABLE right_fk AS SELECT l_id, f1 FROM left_table RIGHT JOIN right_table ON foreign_key = r_id;

CREATE TABLE full_fk AS SELECT l_id, f1 FROM left_table FULL OUTER JOIN right_table ON foreign_key = r_id;

CREATE TABLE missing_key AS SELECT name, f1 FROM left_table JOIN right_table ON foreign_key = r_id;

CREATE TABLE missing_keys AS SELECT name, f1 FROM two_keys LEFT JOIN right_table ON foreign_key = r_id;

CREATE TABLE partial_key AS SELECT k1, f1 FROM two_keys JOIN right_table ON foreign_key = r_id;

CREATE TABLE dup_key AS SELECT l_id, l_id AS again, f1 FROM left_table JOIN right_table ON foreign_key = r_id;

CREATE TABLE nway_second AS SELECT l_id, f1, f3 FROM left_table JOIN third ON l_id = t_id JOIN right_table ON foreign_key = r_id;

CREATE TABLE nway_after_fk AS SELECT l_id, f1, f3 FROM left_table JOIN right_table ON foreign_key = r_id JOIN third ON f2 = t_id;

CREATE TABLE bad_type AS SELECT * FROM left_table JOIN right_table ON name = r_id;
