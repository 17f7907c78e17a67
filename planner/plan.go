// Package planner turns statements into plans: it resolves names against the
// catalog, types expressions, builds a logical plan, and lowers it to a
// topology of processors that exec runs. Plans are data; exec builds one
// processor per topology node.
package planner

import (
	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/types"
)

// Logical is a node of the logical plan.
type Logical interface {
	Inputs() []Logical
	Describe() string
	// Schema is the node's output row layout.
	Schema() types.Schema
}

// SourceNode reads a stream or table. Its rows are the source's columns
// followed by the pseudo-columns (types.PseudoColumns).
type SourceNode struct {
	Source *catalog.Source
	Alias  string
	// Used names the source columns the query reads (nil: all).
	Used   map[string]bool
	schema types.Schema
}

// FilterNode keeps rows where Predicate is true.
type FilterNode struct {
	Input     Logical
	Predicate expr.Expr
	// Table marks a filter over a table's changes: a row that fails the
	// predicate becomes a tombstone for its key, as KTable.filter does.
	Table bool
}

// ProjectNode computes the select list. Output columns are in select order;
// Namespace marks which are key columns of the result.
type ProjectNode struct {
	Input Logical
	Exprs []expr.Expr
	Out   types.Schema
}

// SinkNode writes into a topic (persistent queries) or to the client (push
// queries, Sink nil).
type SinkNode struct {
	Input Logical
	Sink  *catalog.Source
}

func (n *SourceNode) Inputs() []Logical     { return nil }
func (n *SourceNode) Schema() types.Schema  { return n.schema }
func (n *FilterNode) Inputs() []Logical     { return []Logical{n.Input} }
func (n *FilterNode) Schema() types.Schema  { return n.Input.Schema() }
func (n *ProjectNode) Inputs() []Logical    { return []Logical{n.Input} }
func (n *ProjectNode) Schema() types.Schema { return n.Out }
func (n *SinkNode) Inputs() []Logical       { return []Logical{n.Input} }
func (n *SinkNode) Schema() types.Schema    { return n.Input.Schema() }

// QueryKind tells what a planned query is for.
type QueryKind int

const (
	Persistent QueryKind = iota // CSAS/CTAS/INSERT INTO ... SELECT
	Push                        // SELECT ... EMIT CHANGES
)

// Plan is a planned query.
type Plan struct {
	QueryID  string
	Kind     QueryKind
	Logical  Logical
	Topology *Topology
	// Sink is the source the query writes (new for C*AS, existing for INSERT).
	Sink *catalog.Source
	// Sources are the names of the sources read.
	Sources []string
	// Output is the schema of the rows a push query returns.
	Output types.Schema
	Limit  *int64
}
