package exec

import (
	"errors"
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
	// serialize marks a result that could not be written to sinkTopic:
	// its target ("key" or "value") could not be encoded, or the record
	// is too large.
	serialize bool
	target    string
	sinkTopic string
}

func (r *recordError) Error() string {
	return fmt.Sprintf("topic %s partition %d offset %d: %v", r.m.topic, r.m.partition, r.m.offset, r.err)
}

func (r *recordError) Unwrap() error { return r.err }

// lateError is what a record beyond its window's grace period gets: it is
// dropped, and counted in the query's late-records metric (Kafka Streams'
// dropped-records sensor), but it is not a processing error: as in ksqlDB,
// it does not go to the processing log.
type lateError struct {
	// windows is how many of the record's windows had closed (a hopping
	// window record can be late for some and on time for others); Kafka
	// Streams counts one drop per window.
	windows       int
	stream, grace int64 // for the message, which only a reader of errors sees
}

func (l *lateError) Error() string {
	return fmt.Sprintf("record dropped: %d of its windows closed (stream time %d, grace %d ms)", l.windows, l.stream, l.grace)
}

// stateError is a failure of a task's state: reading or writing its
// stores, or decoding what they hold. It is no fault of the record at hand,
// so it does not go to the processing log: the query fails instead, rather
// than skip the record and commit offsets past it.
type stateError struct{ err error }

func (e *stateError) Error() string { return "state store: " + e.err.Error() }

func (e *stateError) Unwrap() error { return e.err }

// stateErr marks err, if any, as a state failure.
func stateErr(err error) error {
	if err == nil {
		return nil
	}
	return &stateError{err: err}
}

// isStateError reports whether err (or what it wraps) is a state failure.
func isStateError(err error) bool {
	var se *stateError
	return errors.As(err, &se)
}

// failsQuery reports whether err (or what it wraps) fails the query as a
// whole rather than one record: a state failure, or a fatal record error.
func failsQuery(err error) bool {
	var fe *fatalError
	return isStateError(err) || errors.As(err, &fe)
}
