CREATE STREAM pageviews (user_id STRING KEY, page STRING, duration INT, ts BIGINT)
  WITH (kafka_topic='pageviews', value_format='JSON', timestamp='ts');

CREATE STREAM long_views AS
  SELECT user_id, UCASE(page) AS page, duration * 2 AS double_duration
  FROM pageviews WHERE duration > 10 AND page LIKE '/home%';

SELECT * FROM pageviews EMIT CHANGES LIMIT 3;

SELECT page, CAST(duration AS DOUBLE) / 1000, ROWTIME FROM pageviews WHERE page IS NOT NULL EMIT CHANGES;

CREATE STREAM with_format WITH (kafka_topic='out', value_format='DELIMITED') AS
  SELECT user_id, page FROM pageviews;

CREATE STREAM missing_key AS SELECT page FROM pageviews;

CREATE STREAM bad_where AS SELECT user_id, page FROM pageviews WHERE page;

CREATE STREAM no_such AS SELECT * FROM nowhere;

CREATE STREAM unknown_col AS SELECT user_id, nope FROM pageviews;

CREATE STREAM rowtime_sel AS SELECT user_id, ROWTIME FROM pageviews;

CREATE STREAM dup_key AS SELECT user_id, user_id AS u2, page FROM pageviews;

CREATE STREAM only_key AS SELECT user_id FROM pageviews;

CREATE STREAM by_page AS SELECT * FROM pageviews PARTITION BY page;

CREATE STREAM by_len AS SELECT LEN(page) AS l, duration FROM pageviews PARTITION BY LEN(page);

CREATE STREAM by_missing AS SELECT duration FROM pageviews PARTITION BY pageviews.page;

CREATE STREAM by_null AS SELECT * FROM pageviews PARTITION BY NULL;
