-- Foreign-key table-table joins: L [LEFT] JOIN R ON <expression over L> = R.<primary key>,
-- keyed by L's primary key (qtt/fk-join.json, fk-n-way-join.json). Single-column values
-- written unwrapped make NULL a tombstone.

----------------------------------------------------------------------------------------------------
--@test: fk inner join emits matches, fans right updates out and tombstones both sides
----------------------------------------------------------------------------------------------------
CREATE TABLE l (id INT PRIMARY KEY, fk INT) WITH (kafka_topic='l', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE r (id INT PRIMARY KEY, name STRING) WITH (kafka_topic='r', value_format='JSON', wrap_single_value=false, partitions=1);
CREATE TABLE j AS SELECT l.id, l.fk, r.name FROM l JOIN r ON l.fk = r.id;
INSERT INTO r (rowtime, id, name) VALUES (1000, 100, 'a');
INSERT INTO l (rowtime, id, fk) VALUES (2000, 1, 100);
INSERT INTO l (rowtime, id, fk) VALUES (3000, 2, 100);
INSERT INTO l (rowtime, id, fk) VALUES (4000, 3, 200);
INSERT INTO r (rowtime, id, name) VALUES (5000, 100, 'b');
INSERT INTO r (rowtime, id, name) VALUES (6000, 100, NULL);
INSERT INTO l (rowtime, id, fk) VALUES (7000, 1, NULL);
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (2000, 1, 100, 'a');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (3000, 2, 100, 'a');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (5000, 1, 100, 'b');
ASSERT VALUES j (rowtime, l_id, fk, name) VALUES (5000, 2, 100, 'b');
ASSERT NULL VALUES j (l_id) KEY (1);
ASSERT NULL VALUES j (l_id) KEY (2);
ASSERT NULL VALUES j (l_id) KEY (1);
