package exec

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/sql/parser"
)

// processingLog records record-level errors (bad records, failed
// expressions) in a topic, as ksqlDB's processing log does, so a bad record
// is visible and counted but never stops a query.
type processingLog struct {
	e        *Engine
	topic    string
	count    atomic.Int64
	ready    atomic.Bool
	producer *kafka.Producer
}

func newProcessingLog(e *Engine) *processingLog {
	p := &processingLog{e: e, topic: e.cfg.ServiceID + "ksql_processing_log"}
	// A processing-log entry that cannot be written is logged, never retried:
	// the log must not stop the query it reports on.
	p.producer = e.client.Producer(func(err error) { e.logf("processing log: %v", err) })
	return p
}

// plogEntry is one processing-log record, in ksqlDB's schema (the value
// of the KSQL_PROCESSING_LOG stream), with the record's partition and
// offset added next to its topic.
type plogEntry struct {
	Logger  string      `json:"LOGGER"`
	Level   string      `json:"LEVEL"`
	Time    int64       `json:"TIME"`
	Message plogMessage `json:"MESSAGE"`
}

// Processing-log message types, as ksqlDB numbers them (2 is
// PRODUCTION_ERROR, 4 KAFKA_STREAMS_THREAD_ERROR: Sluice fails the query
// for those instead).
const (
	plogDeserialization  = 0
	plogRecordProcessing = 1
	plogSerialization    = 3
)

type plogMessage struct {
	Type             int                    `json:"TYPE"`
	Deserialization  *plogRecordInfo        `json:"DESERIALIZATIONERROR"`
	RecordProcessing *plogRecordInfo        `json:"RECORDPROCESSINGERROR"`
	Serialization    *plogSerializationInfo `json:"SERIALIZATIONERROR"`
}

// plogSerializationInfo is ksqlDB's SERIALIZATIONERROR, whose TOPIC is the
// topic written to, with the position of the input record whose result
// could not be written added.
type plogSerializationInfo struct {
	Target          string   `json:"TARGET"`
	Message         string   `json:"ERRORMESSAGE"`
	Cause           []string `json:"CAUSE"`
	Topic           string   `json:"TOPIC"`
	SourceTopic     string   `json:"SOURCETOPIC"`
	SourcePartition int32    `json:"SOURCEPARTITION"`
	SourceOffset    int64    `json:"SOURCEOFFSET"`
}

type plogRecordInfo struct {
	Target    string   `json:"TARGET,omitempty"`
	Message   string   `json:"ERRORMESSAGE"`
	RecordB64 *string  `json:"RECORDB64,omitempty"`
	Cause     []string `json:"CAUSE"`
	Topic     string   `json:"TOPIC,omitempty"`
	Partition int32    `json:"PARTITION"`
	Offset    int64    `json:"OFFSET"`
}

// processingLogStream is the DDL of the KSQL_PROCESSING_LOG stream, ksqlDB's
// schema plus PARTITION and OFFSET beside TOPIC (and TOPIC in
// RECORDPROCESSINGERROR), and the input record's position in
// SERIALIZATIONERROR. The query id is in LOGGER ("processing.<query
// id>..."), as in ksqlDB.
const processingLogStream = `CREATE STREAM IF NOT EXISTS KSQL_PROCESSING_LOG (
  LOGGER STRING, LEVEL STRING, TIME BIGINT,
  MESSAGE STRUCT<
    TYPE INT,
    DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, CAUSE ARRAY<STRING>, ` + "`TOPIC` STRING, `PARTITION` INT, `OFFSET` BIGINT" + `>,
    RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>, ` + "`TOPIC` STRING, `PARTITION` INT, `OFFSET` BIGINT" + `>,
    PRODUCTIONERROR STRUCT<ERRORMESSAGE STRING>,
    SERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>, ` + "`TOPIC` STRING" + `,
      SOURCETOPIC STRING, SOURCEPARTITION INT, SOURCEOFFSET BIGINT>,
    KAFKASTREAMSTHREADERROR STRUCT<ERRORMESSAGE STRING, THREADNAME STRING, CAUSE ARRAY<STRING>>>
) WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='JSON', PARTITIONS=1);`

// registerProcessingLogStream makes the processing log readable as the
// KSQL_PROCESSING_LOG stream when ksql.logging.processing.stream.auto.create
// is set, as ksqlDB does at startup. Each server registers it locally.
func (e *Engine) registerProcessingLogStream(ctx context.Context) error {
	if !strings.EqualFold(e.cfg.Properties["ksql.logging.processing.stream.auto.create"], "true") {
		return nil
	}
	if err := e.plog.ensureTopic(); err != nil {
		return err
	}
	stmts, err := parser.Parse(fmt.Sprintf(processingLogStream, e.plog.topic))
	if err != nil {
		return fmt.Errorf("processing log stream: %w", err)
	}
	if _, err := e.dispatch(ctx, NewSession(), stmts[0], true); err != nil {
		return fmt.Errorf("processing log stream: %w", err)
	}
	return nil
}

// Errors is the number of record-level errors since start.
func (e *Engine) ProcessingErrors() int64 { return e.plog.count.Load() }

func (e *Engine) reportRecordError(q *runningQuery, err error) {
	var late *lateError
	if errors.As(err, &late) {
		if q != nil {
			q.late.Add(int64(late.windows))
		}
		return
	}
	logger := "processing"
	if q != nil {
		logger += "." + q.id
		q.errs.Add(1)
	}
	ent := plogEntry{Level: "ERROR", Time: time.Now().UnixMilli()}
	info := &plogRecordInfo{Message: clip(err.Error(), maxLoggedMessage), Cause: []string{}, Partition: -1, Offset: -1}
	var re *recordError
	if errors.As(err, &re) {
		info.Message = clip(re.err.Error(), maxLoggedMessage)
		if re.m != nil {
			info.Topic, info.Partition, info.Offset = re.m.topic, re.m.partition, re.m.offset
		}
	}
	switch {
	case re != nil && re.decode:
		logger += ".KsqlTopic.Source.deserializer"
		info.Target = "value"
		b64 := base64.StdEncoding.EncodeToString(re.raw[:min(len(re.raw), maxLoggedRecord)])
		info.RecordB64 = &b64
		ent.Message = plogMessage{Type: plogDeserialization, Deserialization: info}
	case re != nil && re.serialize:
		logger += ".KsqlTopic.Sink.serializer"
		ent.Message = plogMessage{Type: plogSerialization, Serialization: &plogSerializationInfo{
			Target: re.target, Message: info.Message, Cause: info.Cause, Topic: re.sinkTopic,
			SourceTopic: info.Topic, SourcePartition: info.Partition, SourceOffset: info.Offset}}
	default:
		ent.Message = plogMessage{Type: plogRecordProcessing, RecordProcessing: info}
	}
	ent.Logger = logger
	e.plog.count.Add(1)
	e.logf("processing log: %s: %s (topic %s, partition %d, offset %d)", logger, info.Message, info.Topic, info.Partition, info.Offset)
	var out func(*kafka.Record)
	if q != nil {
		out = q.plogOut
	}
	e.plog.write(ent, out)
}

// What an entry keeps of a bad record and of an error message: an entry
// must stay far below the largest record the log's topic takes, or the
// entry of a huge bad record would be lost. RECORDB64 holds the first
// maxLoggedRecord bytes of the record.
const (
	maxLoggedRecord  = 64 << 10
	maxLoggedMessage = 8 << 10
)

// clip cuts s to at most n bytes, on a character boundary, saying so.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes in all)", s[:cut], len(s))
}

// ensureTopic creates the processing log's topic once.
func (p *processingLog) ensureTopic() error {
	if p.ready.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.e.client.CreateTopic(ctx, p.topic, 1, nil); err != nil && !errors.Is(err, kafka.ErrTopicExists) {
		return err
	}
	p.ready.Store(true)
	return nil
}

// write produces an entry: through out when set (a query's transaction),
// else on the log's own producer.
func (p *processingLog) write(ent plogEntry, out func(*kafka.Record)) {
	if err := p.ensureTopic(); err != nil {
		return
	}
	b, _ := json.Marshal(ent)
	r := &kafka.Record{Topic: p.topic, Partition: -1, Value: b}
	if out != nil {
		out(r)
		return
	}
	p.producer.Produce(context.Background(), r)
}
