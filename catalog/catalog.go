// Package catalog holds what Sluice knows about: streams, tables and the
// queries that read and write them. Changes are applied by one goroutine at a
// time (the engine's statement executor, or the command-topic replay), so the
// same commands give the same catalog on every server.
package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// FormatInfo is a key or value format with its options.
type FormatInfo struct {
	Format          string // JSON, DELIMITED, KAFKA, NONE
	WrapSingleValue *bool
	Delimiter       string
}

// Source is a stream or a table.
type Source struct {
	Name            string
	Kind            ast.SourceKind
	Schema          types.Schema // key columns first, then values, then headers
	Topic           string
	Partitions      int
	KeyFormat       FormatInfo
	ValueFormat     FormatInfo
	TimestampColumn string // "" means the record timestamp
	TimestampFormat string
	ReadOnly        bool // CREATE SOURCE STREAM/TABLE
	// Window is set for windowed tables: keys carry the window (Kafka
	// Streams' windowed key layout).
	Window *ast.Window
	SQL    string // the statement that created it
	// Sink is the id of the query writing it (C*AS), "" for sources over
	// existing topics.
	Sink string
}

// QueryState is a persistent query's status.
type QueryState string

const (
	Running QueryState = "RUNNING"
	Error   QueryState = "ERROR"
)

// Query is a persistent query (CSAS, CTAS, INSERT INTO ... SELECT).
type Query struct {
	ID      string
	SQL     string
	Sink    string
	Sources []string
	State   QueryState
	Err     string    // why the query is in state Error
	Failed  time.Time // when it entered state Error
}

// Catalog is the set of sources and queries. It is safe for concurrent reads.
type Catalog struct {
	mu      sync.RWMutex
	sources map[string]*Source
	queries map[string]*Query
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{sources: map[string]*Source{}, queries: map[string]*Query{}}
}

// Source returns the named source or nil.
func (c *Catalog) Source(name string) *Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.sources[name]
}

// Sources lists sources of one kind, sorted by name.
func (c *Catalog) Sources(kind ast.SourceKind) []*Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Source
	for _, s := range c.sources {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddSource registers s. With replace, an existing source of the same kind is
// replaced.
func (c *Catalog) AddSource(s *Source, replace bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.sources[s.Name]; ok {
		if !replace {
			return &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf(
				"Cannot add %s '%s': A %s with the same name already exists",
				lowerKind(s.Kind), s.Name, lowerKind(old.Kind))}
		}
		if old.Kind != s.Kind {
			return &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf(
				"Incompatible data sources type is %s, but statement was %s", old.Kind, s.Kind)}
		}
	}
	c.sources[s.Name] = s
	return nil
}

func lowerKind(k ast.SourceKind) string {
	if k == ast.Table {
		return "table"
	}
	return "stream"
}

// DropSource removes a source. The query that populates it (a C*AS sink)
// is returned so the caller can stop it; readers and INSERT queries block the
// drop, as in ksqlDB.
func (c *Catalog) DropSource(name string) (sinkQuery string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	src, ok := c.sources[name]
	if !ok {
		return "", &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf("Source %s does not exist.", name)}
	}
	var readers, writers []string
	for _, q := range c.queries {
		if q.Sink == name && q.ID != src.Sink {
			writers = append(writers, q.ID)
		}
		for _, s := range q.Sources {
			if s == name {
				readers = append(readers, q.Sink)
			}
		}
	}
	sort.Strings(readers)
	sort.Strings(writers)
	if len(readers) > 0 {
		return "", &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf(
			"Cannot drop %s.\nThe following streams and/or tables read from this source: [%s].\n"+
				"You need to drop them before dropping %s.", name, strings.Join(readers, ", "), name)}
	}
	if len(writers) > 0 {
		return "", &ast.Error{Category: ast.CatalogError, Msg: fmt.Sprintf(
			"Cannot drop %s.\nThe following queries write into this source: [%s].\n"+
				"You need to terminate them before dropping %s.", name, strings.Join(writers, ", "), name)}
	}
	delete(c.sources, name)
	if q, ok := c.queries[src.Sink]; ok && src.Sink != "" {
		delete(c.queries, q.ID)
		return q.ID, nil
	}
	return "", nil
}

// AddQuery registers a persistent query.
func (c *Catalog) AddQuery(q *Query) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries[q.ID] = q
}

// Query returns the query with the id or nil.
func (c *Catalog) Query(id string) *Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.queries[id]
}

// RemoveQuery forgets a terminated query.
func (c *Catalog) RemoveQuery(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.queries, id)
}

// Queries lists queries sorted by id.
func (c *Catalog) Queries() []*Query {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Query, 0, len(c.queries))
	for _, q := range c.queries {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SetQueryState records a query's state, and for Error its reason and
// time. The query is replaced, not changed in place: callers of Query and
// Queries may be reading the one they got.
func (c *Catalog) SetQueryState(id string, st QueryState, reason string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q := c.queries[id]; q != nil {
		cp := *q
		cp.State, cp.Err, cp.Failed = st, reason, at
		c.queries[id] = &cp
	}
}
