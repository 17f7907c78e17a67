package exec

import (
	"fmt"

	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/exec/serde"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// rowMeta travels with a row through a pipeline: where the row came from and
// its event time.
type rowMeta struct {
	topic     string
	partition int32
	offset    int64
	ts        int64
	headers   []kafka.Header
	// nullValue marks a record whose value is null: a stream passes it on
	// with its key (ksqlDB clones it as a null-valued record) but filters
	// drop it.
	nullValue bool
	// windowed rows (windowed aggregations) carry their window.
	windowed               bool
	windowStart, windowEnd int64
}

// fatalError is a record-level failure that fails the query, as Kafka
// Streams' fatal errors do, rather than going to the processing log.
type fatalError struct{ err error }

func (f *fatalError) Error() string { return f.err.Error() }
func (f *fatalError) Unwrap() error { return f.err }

// splitWindowedKey splits a key in Kafka Streams' windowed layout for w
// into the inner key and the window bounds; a time window's end is its
// start plus the size, as the layout does not store it.
func splitWindowedKey(w *ast.Window, b []byte) (key []byte, start, end int64, err error) {
	if w.Type == ast.Session {
		return serde.DecodeSessionWindowKey(b)
	}
	key, start, err = serde.DecodeTimeWindowKey(b)
	return key, start, start + w.Size.Milliseconds(), err
}

// emitFn passes a row to the next processor.
type emitFn func(m *rowMeta, row types.Row) error

// recordError is a record-level failure: it goes to the processing log and
// the query continues.
type recordError struct {
	m   *rowMeta
	err error
	// raw is the undecodable record's value, set for deserialization
	// errors only (the processing log shows it base64-encoded).
	raw    []byte
	decode bool
}

func (r *recordError) Error() string {
	return fmt.Sprintf("topic %s partition %d offset %d: %v", r.m.topic, r.m.partition, r.m.offset, r.err)
}

func (r *recordError) Unwrap() error { return r.err }
