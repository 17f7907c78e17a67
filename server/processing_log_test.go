package server

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/exec"
)

// plogEntry is what a test reads of a KSQL_PROCESSING_LOG row.
type plogEntry struct {
	Logger  string
	Message struct {
		Type             int `json:"TYPE"`
		RecordProcessing *struct {
			ErrorMessage string `json:"ERRORMESSAGE"`
			Topic        string `json:"TOPIC"`
			Partition    int32  `json:"PARTITION"`
			Offset       int64  `json:"OFFSET"`
		} `json:"RECORDPROCESSINGERROR"`
		Serialization *struct {
			Target          string `json:"TARGET"`
			ErrorMessage    string `json:"ERRORMESSAGE"`
			Topic           string `json:"TOPIC"`
			SourceTopic     string `json:"SOURCETOPIC"`
			SourcePartition int32  `json:"SOURCEPARTITION"`
			SourceOffset    int64  `json:"SOURCEOFFSET"`
		} `json:"SERIALIZATIONERROR"`
	}
}

// Record-level errors other than bad input: an expression failing (integer
// division by zero, a bad CAST) yields NULL for its column and a
// RECORD_PROCESSING_ERROR; a result too large to write is dropped with a
// SERIALIZATION_ERROR. Each entry, read through the KSQL_PROCESSING_LOG
// stream, names the query, the input record's topic, partition and offset,
// and the error; /metrics counts them; the query keeps running.
func TestProcessingLogEntries(t *testing.T) {
	ts := startServerOn(t, Config{}, exec.Config{Properties: map[string]string{"ksql.logging.processing.stream.auto.create": "true"}})
	res := ts.ksqlEntities(t, `CREATE STREAM s (id INT KEY, a INT, b INT, c STRING, big STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
		CREATE STREAM o AS SELECT id, a / b AS q, CAST(c AS INT) AS n, CONCAT(big, big) AS big2 FROM s;`)
	st, _ := res[1]["commandStatus"].(map[string]any)
	id, _ := st["queryId"].(string)

	// The third record's result is twice its input: over the largest
	// record, while the input is not. Inserted through the engine, as the
	// REST API takes statements of 4 KB at most.
	big := strings.Repeat("x", 600_000)
	sess := exec.NewSession()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := ts.eng.Execute(ctx, sess, `INSERT INTO s (id, a, b, c, big) VALUES (0, 1, 0, '12', 'x');
		INSERT INTO s (id, a, b, c, big) VALUES (1, 4, 2, 'abc', 'x');
		INSERT INTO s (id, a, b, c, big) VALUES (2, 1, 1, '1', '`+big+`');
		INSERT INTO s (id, a, b, c, big) VALUES (3, 6, 3, '7', 'y');`); err != nil {
		t.Fatal(err)
	}
	if err := ts.eng.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	// The query went on: the first two with NULL for the failed column,
	// the third dropped, the fourth whole.
	hdr := http.Header{"Accept": {ctJSON}}
	r := ts.do(t, "POST", "/query-stream", hdr, queryBody("sql", `SELECT id, q, n FROM o EMIT CHANGES LIMIT 3;`))
	if got := stripQueryIDs(string(r.body)); !strings.HasSuffix(got, "[0,null,12],\n[1,2,null],\n[3,2,7]]\n") {
		t.Fatalf("output of the query:\n%s", r.body)
	}

	r = ts.do(t, "POST", "/query-stream", hdr, queryBody("sql", `SELECT logger, message FROM KSQL_PROCESSING_LOG EMIT CHANGES LIMIT 3;`))
	var rows []json.RawMessage
	if err := json.Unmarshal(r.body, &rows); err != nil || len(rows) != 4 {
		t.Fatalf("processing log (%v):\n%s", err, r.body)
	}
	var got []plogEntry
	for _, row := range rows[1:] {
		var cols []json.RawMessage
		var e plogEntry
		if err := json.Unmarshal(row, &cols); err != nil || len(cols) != 2 ||
			json.Unmarshal(cols[0], &e.Logger) != nil || json.Unmarshal(cols[1], &e.Message) != nil {
			t.Fatalf("processing log row %s", row)
		}
		if !strings.HasPrefix(e.Logger, "processing."+id) {
			t.Errorf("logger %q does not name query %s", e.Logger, id)
		}
		got = append(got, e)
	}
	for i, want := range []string{
		"Error computing expression (A / B) for column Q with index 1: / by zero",
		`Error computing expression CAST(C AS INTEGER) for column N with index 2: `,
	} {
		rp := got[i].Message.RecordProcessing
		if got[i].Message.Type != 1 || rp == nil || rp.Topic != "s" || rp.Partition != 0 || rp.Offset != int64(i) ||
			!strings.HasPrefix(rp.ErrorMessage, want) {
			t.Errorf("entry %d: type %d, %+v; want RECORD_PROCESSING_ERROR (1) at s/0/%d: %s", i, got[i].Message.Type, rp, i, want)
		}
	}
	se := got[2].Message.Serialization
	if got[2].Message.Type != 3 || se == nil || se.Target != "value" || se.Topic != "O" || se.SourceTopic != "s" ||
		se.SourcePartition != 0 || se.SourceOffset != 2 ||
		!regexp.MustCompile(`^Error serializing message to topic: O\. the record is \d+ bytes, over the \d+ bytes a record may have$`).MatchString(se.ErrorMessage) {
		t.Errorf("entry 2: type %d, %+v; want SERIALIZATION_ERROR (3) of the value for O, from s/0/2", got[2].Message.Type, se)
	}

	r = ts.do(t, "GET", "/metrics", nil, "")
	if m := regexp.MustCompile(`(?m)^sluice_query_processing_errors_total\{query_id="` + id + `"\} (\S+)$`).FindSubmatch(r.body); m == nil || string(m[1]) != "3" {
		t.Errorf("processing errors of %s in /metrics: %q, want 3", id, m)
	}
}
