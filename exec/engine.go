// Package exec runs Sluice: it executes statements against the catalog,
// starts persistent and push queries as tasks over Kafka, and serves the
// results. Engine is the facade the shell, the server and the tests use.
package exec

import (
	"context"
	"errors"
	"time"

	"github.com/sluicedb/sluice/sql/types"
)

// Config configures an Engine.
type Config struct {
	// Bootstrap lists Kafka brokers. Empty means: start an embedded broker.
	Bootstrap []string
	// DataDir holds RocksDB state and, in embedded mode, the broker's log.
	// Empty with Ephemeral set means an in-memory broker and a temporary state dir.
	DataDir   string
	Ephemeral bool
	// ServiceID prefixes internal topic names and consumer groups (ksqlDB's ksql.service.id).
	ServiceID string
	// Properties are server-level defaults (e.g. auto.offset.reset).
	Properties map[string]string
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
}

// ResultKind tells the shape of a Result.
type ResultKind int

const (
	// ResultMessage: a status line such as "Stream created" (Message).
	ResultMessage ResultKind = iota
	// ResultTable: a finished table (Columns, Rows), e.g. SHOW STREAMS or a pull query.
	ResultTable
	// ResultStream: rows that keep coming (push query, PRINT) until Cancel,
	// LIMIT, or the context ends. Read Rows until it is closed, then check Err.
	ResultStream
)

// Result is the outcome of one statement.
type Result struct {
	Kind      ResultKind
	Statement string // the statement's text
	Message   string
	// Columns names the columns of a table or stream result. Types is aligned
	// with Columns when known (nil for PRINT, whose rows are one string each).
	Columns []string
	Types   []*types.Type
	Rows    [][]any
	// Stream results.
	Stream <-chan []any
	Cancel func()
	Err    func() error
	// QueryID is set for statements that started a persistent or push query.
	QueryID string
}

// Session holds per-client state: SET/UNSET properties and test cursors.
// A Session is not safe for concurrent use.
type Session struct {
	Properties map[string]string
	cursors    map[string]int64 // source name -> next offset to read (tests)
}

// NewSession returns an empty session.
func NewSession() *Session {
	return &Session{Properties: map[string]string{}, cursors: map[string]int64{}}
}

// OutputRecord is one decoded record of a source's topic, for tests.
type OutputRecord struct {
	Columns   []string // key columns first, then value columns
	Values    []any    // nil Values with Tombstone set for a tombstone
	Tombstone bool
	Timestamp int64 // ROWTIME
	Partition int32
	Offset    int64
}

// ErrNotImplemented is returned by parts that do not exist yet.
var ErrNotImplemented = errors.New("not implemented")

// Engine is a running Sluice instance.
type Engine struct {
	cfg Config
}

// NewEngine connects to Kafka (or starts the embedded broker), restores the
// catalog, and returns a ready engine. An unreachable broker is an error
// within a few seconds, never a hang.
func NewEngine(ctx context.Context, cfg Config) (*Engine, error) {
	return &Engine{cfg: cfg}, nil
}

// Execute parses sql (one or more statements separated by ';') and runs them
// in order. It returns one Result per statement executed; on the first error
// it stops and returns the results so far and the error.
func (e *Engine) Execute(ctx context.Context, s *Session, sql string) ([]Result, error) {
	return nil, ErrNotImplemented
}

// NextRecord returns the next unread record of the named source's topic for
// this session, decoded with the source's formats. It waits up to timeout for
// one to arrive. Used by ASSERT VALUES in SQL regression tests.
func (e *Engine) NextRecord(ctx context.Context, s *Session, source string, timeout time.Duration) (*OutputRecord, error) {
	return nil, ErrNotImplemented
}

// BrokerAddr is the address of the embedded broker ("" with --bootstrap).
func (e *Engine) BrokerAddr() string { return "" }

// Close stops all queries and the embedded broker, flushing what is pending.
func (e *Engine) Close() error { return nil }
