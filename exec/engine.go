// Package exec runs Sluice: it executes statements against the catalog,
// starts persistent and push queries as tasks over Kafka, and serves the
// results. Engine is the facade the shell, the server and the tests use.
package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/exec/kafka"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
	"github.com/sluicedb/sluice/state/rocks"
)

// Config configures an Engine.
type Config struct {
	// Bootstrap lists Kafka brokers. Empty means: start an embedded broker.
	Bootstrap []string
	// DataDir holds RocksDB state and, in embedded mode, the broker's log.
	// Empty with Ephemeral set means an in-memory broker and a temporary state dir.
	DataDir   string
	Ephemeral bool
	// ServiceID prefixes internal topic names and consumer groups (ksqlDB's
	// ksql.service.id); default "default_".
	ServiceID string
	// Properties are server-level defaults (e.g. auto.offset.reset).
	Properties map[string]string
	// DirectAssignment makes persistent queries read every partition
	// directly instead of joining a consumer group: this engine does all the
	// work, and a query starts without waiting for a group rebalance. Offsets
	// are still committed under the query's group id, so restarts resume.
	// Embedded mode always uses it; servers sharing work must not.
	DirectAssignment bool
	// NodeID names this server among those sharing the service id: with it,
	// the server is a static member of its queries' consumer groups, so that
	// after a restart it gets its partitions (and local state) back without
	// a rebalance. Empty: read from, or first written to, DataDir/node-id;
	// without a data dir, membership is dynamic.
	NodeID string
	// SessionTimeout is how long the others wait for a silent server before
	// taking over its partitions (default 10 s).
	SessionTimeout time.Duration
	// AdvertisedURL is this server's REST address, published in its group
	// membership so that other servers can forward pull queries to it.
	AdvertisedURL string
	// ForwardPull sends a pull query to the server at url, with the given
	// request properties, and returns its rows (nil: no forwarding, a pull
	// query answers from the partitions of this server only).
	ForwardPull PullForwarder
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
	// QueryIDsByQuery numbers persistent queries among themselves (0, 1,
	// ...) instead of by their statement's place in the command topic.
	// ksqlDB's test driver numbers them so, and the internal topic names
	// its conformance cases expect carry those ids.
	QueryIDsByQuery bool
}

// ResultKind tells the shape of a Result.
type ResultKind int

const (
	// ResultMessage: a status line such as "Stream created" (Message).
	ResultMessage ResultKind = iota
	// ResultTable: a finished table (Columns, Rows), e.g. SHOW STREAMS or a
	// pull query. Message, when set, is a title printed above the table.
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
	// Keys marks, aligned with Columns, the key columns of a pull query's result
	// (the REST API prints them as KEY in the schema).
	Keys []bool
	Rows [][]any
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
	readers    map[string]*topicReader // topic -> reader (ASSERT VALUES)
	scriptDir  string
}

// NewSession returns an empty session.
func NewSession() *Session {
	return &Session{Properties: map[string]string{}, readers: map[string]*topicReader{}}
}

// Close releases the session's readers.
func (s *Session) Close() {
	for _, r := range s.readers {
		r.close()
	}
	s.readers = map[string]*topicReader{}
}

// OutputRecord is one decoded record of a source's topic, for tests.
type OutputRecord struct {
	Columns   []string // key columns first, then value columns
	Values    []any    // nil Values with Tombstone set for a tombstone
	Tombstone bool
	Timestamp int64 // ROWTIME
	// WindowStart and WindowEnd are set for windowed sources.
	WindowStart, WindowEnd int64
	Partition              int32
	Offset                 int64
}

// Engine is a running Sluice instance.
type Engine struct {
	cfg      Config
	broker   *kafka.Broker
	client   *kafka.Client
	cat      *catalog.Catalog
	cmds     *commandLog
	plog     *processingLog
	stateTmp string
	bcOnce   sync.Once
	bcache   *rocks.BlockCache // shared by every task's RocksDB

	mu      sync.Mutex // serialises statements that change the catalog
	queries map[string]*runningQuery
	// nQueries counts the persistent query ids given out (QueryIDsByQuery).
	nQueries   int
	closed     bool
	stopFollow context.CancelFunc // stops following the command topic
}

// NewEngine connects to Kafka (or starts the embedded broker), restores the
// catalog from the command topic, and returns a ready engine. An unreachable
// broker is an error within a few seconds, never a hang.
func NewEngine(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.ServiceID == "" {
		cfg.ServiceID = "default_"
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	// A bad server-level guarantee would fail every persistent query: say
	// so at startup instead.
	for _, k := range []string{"processing.guarantee", "ksql.streams.processing.guarantee"} {
		if v, ok := cfg.Properties[k]; ok {
			if _, err := parseGuarantee(v); err != nil {
				return nil, fmt.Errorf("server property %s: %w", k, err)
			}
		}
	}
	e := &Engine{cfg: cfg, cat: catalog.New(), queries: map[string]*runningQuery{}}
	seeds := cfg.Bootstrap
	if len(seeds) == 0 {
		e.cfg.DirectAssignment = true
		bc := kafka.BrokerConfig{}
		if !cfg.Ephemeral {
			if cfg.DataDir == "" {
				return nil, errors.New("embedded mode needs a data dir (or ephemeral)")
			}
			bc.DataDir = cfg.DataDir
		}
		b, err := kafka.StartBroker(bc)
		if err != nil {
			return nil, err
		}
		e.broker = b
		seeds = []string{b.Addr()}
	}
	cl, err := kafka.Dial(ctx, seeds)
	if err != nil {
		e.closeBroker()
		return nil, err
	}
	e.client = cl
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "sluice-state-")
		if err != nil {
			e.Close()
			return nil, err
		}
		e.stateTmp = dir
	}
	if err := e.loadNodeID(); err != nil {
		e.Close()
		return nil, err
	}
	e.plog = newProcessingLog(e)
	e.cmds = newCommandLog(e)
	if err := e.cmds.replay(ctx); err != nil {
		e.Close()
		return nil, fmt.Errorf("restore catalog from command topic: %w", err)
	}
	if err := e.registerProcessingLogStream(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if !e.cfg.DirectAssignment {
		// Other servers may share the service id: apply what they accept.
		fctx, cancel := context.WithCancel(context.Background())
		e.stopFollow = cancel
		e.cmds.follow(fctx)
	}
	return e, nil
}

func (e *Engine) logf(format string, args ...any) { e.cfg.Logf(format, args...) }

// Catalog exposes the catalog (read-only use).
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// BrokerAddr is the address of the embedded broker ("" with --bootstrap).
func (e *Engine) BrokerAddr() string {
	if e.broker == nil {
		return ""
	}
	return e.broker.Addr()
}

// ClusterID is the Kafka cluster's id, as the broker reports it.
func (e *Engine) ClusterID(ctx context.Context) (string, error) { return e.client.ClusterID(ctx) }

// StateDir is where the engine keeps local state.
func (e *Engine) StateDir() string {
	if e.cfg.DataDir != "" {
		return filepath.Join(e.cfg.DataDir, "state")
	}
	return e.stateTmp
}

// Execute parses sql (one or more statements separated by ';') and runs them
// in order. It returns one Result per statement executed; on the first error
// it stops and returns the results so far and the error.
func (e *Engine) Execute(ctx context.Context, s *Session, sql string) ([]Result, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, st := range stmts {
		res, err := e.ExecuteStatement(ctx, s, st)
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// ExecuteStatement runs one parsed statement.
func (e *Engine) ExecuteStatement(ctx context.Context, s *Session, st ast.Statement) ([]Result, error) {
	if s == nil {
		s = NewSession()
	}
	e.cmds.catchUp(ctx)
	switch st.(type) {
	case *ast.CreateSource, *ast.InsertSelect, *ast.Drop, *ast.Terminate:
		e.cmds.mu.Lock()
		defer e.cmds.mu.Unlock()
	}
	res, err := e.dispatch(ctx, s, st, false)
	if err != nil {
		return nil, err
	}
	for i := range res {
		res[i].Statement = st.SourceText()
	}
	return res, nil
}

func msg(format string, args ...any) []Result {
	return []Result{{Kind: ResultMessage, Message: fmt.Sprintf(format, args...)}}
}

func (e *Engine) dispatch(ctx context.Context, s *Session, st ast.Statement, replay bool) ([]Result, error) {
	switch st := st.(type) {
	case *ast.CreateSource:
		if st.AsSelect != nil {
			return e.createAsSelect(ctx, s, st, replay)
		}
		return e.createSource(ctx, s, st, replay)
	case *ast.InsertSelect:
		return e.insertSelect(ctx, s, st, replay)
	case *ast.Drop:
		return e.drop(ctx, s, st, replay)
	case *ast.Terminate:
		return e.terminate(ctx, s, st, replay)
	}
	if replay {
		return nil, fmt.Errorf("statement cannot be replayed: %s", st.SourceText())
	}
	switch st := st.(type) {
	case *ast.InsertValues:
		return e.insertValues(ctx, s, st)
	case *ast.Query:
		return e.query(ctx, s, st)
	case *ast.Show:
		return e.show(ctx, s, st)
	case *ast.Describe:
		return e.describe(ctx, s, st)
	case *ast.Explain:
		return e.explain(ctx, s, st)
	case *ast.Print:
		return e.print(ctx, s, st)
	case *ast.Set:
		s.Properties[st.Name] = st.Value
		return msg("Successfully changed local property '%s' to '%s'.", st.Name, st.Value), nil
	case *ast.Unset:
		delete(s.Properties, st.Name)
		return msg("Successfully unset local property '%s'.", st.Name), nil
	case *ast.RunScript:
		return e.runScript(ctx, s, st)
	case *ast.AssertValues:
		return e.assertValues(ctx, s, st)
	case *ast.AssertSource:
		return e.assertSource(ctx, s, st)
	}
	return nil, fmt.Errorf("statement not supported: %s", st.SourceText())
}

func (e *Engine) runScript(ctx context.Context, s *Session, st *ast.RunScript) ([]Result, error) {
	sql, err := s.ReadScript(st)
	if err != nil {
		return nil, err
	}
	return e.Execute(ctx, s, sql)
}

// SetScriptDir sets where RUN SCRIPT resolves relative paths.
func (s *Session) SetScriptDir(dir string) { s.scriptDir = dir }

// ReadScript reads the file of a RUN SCRIPT statement, a relative path
// being resolved against the session's script directory. Whoever runs the
// statement reads the file: the engine in-process, the shell's REST client
// before it sends the statements (as ksqlDB's CLI does).
func (s *Session) ReadScript(st *ast.RunScript) (string, error) {
	path := st.Path
	if !filepath.IsAbs(path) && s.scriptDir != "" {
		path = filepath.Join(s.scriptDir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("RUN SCRIPT: %w", err)
	}
	return string(b), nil
}

// prop returns a session property, falling back to server properties.
func (e *Engine) prop(s *Session, names ...string) string {
	for _, n := range names {
		if v, ok := s.Properties[n]; ok {
			return v
		}
	}
	for _, n := range names {
		if v, ok := e.cfg.Properties[n]; ok {
			return v
		}
	}
	return ""
}

func (e *Engine) earliest(s *Session) bool {
	return strings.EqualFold(e.prop(s, "auto.offset.reset", "ksql.streams.auto.offset.reset"), "earliest")
}

// NextRecord returns the next unread record of the named source's topic for
// this session, decoded with the source's formats. It waits up to timeout for
// one to arrive. Used by ASSERT VALUES in SQL regression tests.
func (e *Engine) NextRecord(ctx context.Context, s *Session, source string, timeout time.Duration) (*OutputRecord, error) {
	src := e.cat.Source(source)
	if src == nil {
		return nil, fmt.Errorf("source %s does not exist", source)
	}
	return e.nextRecord(ctx, s, src, timeout)
}

// Close stops all queries and the embedded broker, flushing what is pending.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	if e.stopFollow != nil {
		// A command being applied may still start a query: wait for it.
		e.stopFollow()
		<-e.cmds.done
	}
	e.mu.Lock()
	qs := make([]*runningQuery, 0, len(e.queries))
	for _, q := range e.queries {
		qs = append(qs, q)
	}
	e.mu.Unlock()
	for _, q := range qs {
		q.stop()
	}
	if e.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = e.client.Flush(ctx)
		cancel()
		e.client.Close()
	}
	e.closeBroker()
	if e.bcache != nil {
		e.bcache.Close()
	}
	if e.stateTmp != "" {
		os.RemoveAll(e.stateTmp)
	}
	return nil
}

// blockCache is the RocksDB block cache all tasks share, so memory does not
// grow with the number of tasks.
func (e *Engine) blockCache() *rocks.BlockCache {
	e.bcOnce.Do(func() { e.bcache = rocks.NewBlockCache(128 << 20) })
	return e.bcache
}

func (e *Engine) closeBroker() {
	if e.broker != nil {
		e.broker.Close()
		e.broker = nil
	}
}
