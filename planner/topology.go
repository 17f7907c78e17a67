package planner

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/planner/expr"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

// ProcKind is the kind of a topology node; exec has one constructor per kind.
type ProcKind string

const (
	ProcSource    ProcKind = "Source"
	ProcFilter    ProcKind = "Filter"
	ProcProject   ProcKind = "Project"
	ProcFlatMap   ProcKind = "FlatMap"
	ProcSink      ProcKind = "Sink"
	ProcAggregate ProcKind = "Aggregate"
	ProcJoin      ProcKind = "Join"
)

// Proc is one processor of a topology. Only the fields of its kind are set.
type Proc struct {
	Name     string
	Kind     ProcKind
	Children []string

	// Source and Sink.
	Topic       string
	KeyFormat   catalog.FormatInfo
	ValueFormat catalog.FormatInfo
	Schema      types.Schema // columns as stored in the topic
	// Source: index in Schema of the column giving the record time (-1: record timestamp).
	TimestampIndex int
	// Source and Sink: the Java date pattern of a STRING timestamp column.
	TimestampFormat string
	// Source: per column of Schema, whether the query reads it; columns it
	// does not read need not be decoded.
	Needed []bool

	// Filter.
	Predicate expr.Expr
	// Source and Filter: the data are a table's changes (upserts and
	// tombstones) rather than a stream's events.
	Table bool

	// Project: the select list and its columns. FlatMap: the table
	// function calls (each an *expr.Call) and the columns they append.
	Exprs []expr.Expr
	Out   types.Schema

	// Aggregate.
	GroupBy []expr.Expr
	Aggs    []AggCall
	Window  *ast.Window
	Final   bool
	// Aggregate over a table, and foreign-key join: the input (left) row
	// indexes of the table's key.
	SourceKeyIndex []int
	// StoreName names the aggregate's state (and its changelog topic).
	StoreName string
	// Aggregate: the input row's columns (what a repartition topic carries),
	// and whether the input must be repartitioned by the grouping first: a
	// table always (an update may move a row to another group), a stream
	// unless it is grouped by exactly its key columns.
	InSchema    types.Schema
	Repartition bool

	// Join: the left and right input processors, the join type, each
	// side's key expression (over that side's row) and row width.
	JoinInputs []string
	JoinType   ast.JoinType
	LeftKey    expr.Expr
	RightKey   expr.Expr
	LeftWidth  int
	RightWidth int
	TableTable bool
	// Within is a stream-stream join's window (nil for other joins).
	Within *ast.Within
	// JoinRepartition tells, per side, whether rows reach the join through
	// the repartition topic JoinTopics names, their keys serialized in
	// KeyFormat.
	JoinRepartition [2]bool
	JoinTopics      [2]string
	// JoinStores names the join's state stores: stream-table: the table;
	// table-table: left, right; stream-stream: this, other and, with GRACE
	// PERIOD in an outer join, the unmatched records and stream time.
	JoinStores []string
	// JoinSchemas are the two inputs' rows, as join state stores them.
	JoinSchemas [2]types.Schema

	// Source and Sink: the key is windowed (Kafka Streams' windowed key
	// layout). A windowed source's rows end with WINDOWSTART and WINDOWEND.
	Windowed *ast.Window

	// Sink: which input columns make the key and the value, by index.
	// Filter over a table: the key columns, to remember which keys exist.
	KeyIndex   []int
	ValueIndex []int
	// Sink: index in the input of the column giving the output time (-1: input record time).
	SinkTimestampIndex int
}

// Topology is the processor graph of one query, in data-flow order. It is
// printed by EXPLAIN and built into running tasks by exec.
type Topology struct {
	QueryID string
	Procs   []*Proc
	// Topics names the internal topics (repartition, changelog) the query uses.
	Topics []string
	// Stores names the state stores the query uses.
	Stores []string
	// PartitionsOf maps an internal topic to the input topic whose
	// partition count it takes (absent: the most of any input).
	PartitionsOf map[string]string
}

// Lower turns a logical plan into a topology. Node names are derived from
// the query id and the node's place, so they are stable across restarts.
func Lower(queryID string, root Logical) (*Topology, error) {
	t := &Topology{QueryID: queryID}
	ksNode := 0 // Kafka Streams' node counter, as far as join stores need it
	var walk func(n Logical) (*Proc, error)
	walk = func(n Logical) (*Proc, error) {
		var ins []*Proc
		for _, c := range n.Inputs() {
			in, err := walk(c)
			if err != nil {
				return nil, err
			}
			ins = append(ins, in)
		}
		var in *Proc
		if len(ins) == 1 {
			in = ins[0]
		}
		p, err := lowerNode(n, in)
		if err != nil {
			return nil, err
		}
		if p == nil { // a node with no processor of its own
			return in, nil
		}
		p.Name = fmt.Sprintf("%s-%d-%s", queryID, len(t.Procs), p.Kind)
		switch p.Kind {
		case ProcAggregate:
			// ksqlDB's store and topic names, so internal topics get its names too.
			p.StoreName = "Aggregate-Aggregate-Materialize"
			t.Stores = append(t.Stores, p.StoreName)
			if p.Table {
				t.Stores = append(t.Stores, TableSourceStore)
				t.Topics = append(t.Topics, TableSourceStore+ChangelogSuffix)
			}
			if p.Repartition {
				t.Topics = append(t.Topics, RepartitionTopic)
			}
			t.Stores = append(t.Stores, PositionsStore)
			t.Topics = append(t.Topics, p.StoreName+ChangelogSuffix, PositionsStore+ChangelogSuffix)
		case ProcJoin:
			nameJoin(t, p, n.(*JoinNode), &ksNode)
		case ProcFKJoin:
			fkJoinNames(t)
		}
		for _, in := range ins {
			in.Children = append(in.Children, p.Name)
			if p.Kind == ProcJoin || p.Kind == ProcFKJoin {
				p.JoinInputs = append(p.JoinInputs, in.Name)
			}
		}
		t.Procs = append(t.Procs, p)
		return p, nil
	}
	if _, err := walk(root); err != nil {
		return nil, err
	}
	return t, nil
}

func lowerNode(n Logical, in *Proc) (*Proc, error) {
	switch n := n.(type) {
	case *SourceNode:
		return lowerSource(n), nil
	case *FilterNode:
		p := &Proc{Kind: ProcFilter, Predicate: n.Predicate, Table: n.Table}
		for i, c := range n.Input.Schema().Columns {
			if c.Namespace == types.KeyColumn {
				p.KeyIndex = append(p.KeyIndex, i)
			}
		}
		return p, nil
	case *ProjectNode:
		return &Proc{Kind: ProcProject, Exprs: n.Exprs, Out: n.Out}, nil
	case *FlatMapNode:
		return lowerFlatMap(n), nil
	case *SinkNode:
		return lowerSink(n), nil
	case *JoinNode:
		if n.ForeignKey {
			return lowerFKJoin(n), nil
		}
		return &Proc{Kind: ProcJoin, JoinType: n.Type, LeftKey: n.LeftKey, RightKey: n.RightKey, TableTable: n.TableTable, Within: n.Within,
			LeftWidth: len(n.Left.Schema().Columns), RightWidth: len(n.Right.Schema().Columns), Out: n.Out, Table: n.TableTable,
			JoinSchemas: [2]types.Schema{n.Left.Schema(), n.Right.Schema()}}, nil
	case *AggregateNode:
		in := n.Input.Schema()
		p := &Proc{Kind: ProcAggregate, GroupBy: n.GroupBy, Aggs: n.Aggs, Table: n.Table, Window: n.Window, Final: n.Final, Out: n.Out,
			InSchema: in}
		var keys []int
		for i, c := range in.Columns {
			if c.Namespace == types.KeyColumn {
				keys = append(keys, i)
			}
		}
		if n.Table {
			p.SourceKeyIndex = keys
		}
		p.Repartition = n.Table || !groupedByKey(n.GroupBy, keys)
		return p, nil
	}
	return nil, fmt.Errorf("planner: cannot lower %T", n)
}

// nameJoin gives a join its stores and repartition topics, by ksqlDB's
// names: "L_" per enclosing join, and Kafka Streams' numbered KSTREAM-*
// stores for stream-stream joins (the counter is right for the common
// shapes, two or three streams, not for every topology ksqlDB builds).
func nameJoin(t *Topology, p *Proc, n *JoinNode, ksNode *int) {
	prefix := strings.Repeat("L_", n.Depth)
	reps := 0
	for side, rep := range n.Repartition {
		if rep {
			reps++
			name := prefix + "Join-repartition"
			switch {
			case p.Within != nil:
				name = prefix + [2]string{"Join-left-repartition", "Join-right-repartition"}[side]
			case p.TableTable:
				// A table re-keyed to the join's key format (ksqlDB's
				// table SelectKey step).
				name = prefix + tableSides[side] + "SourceKeyed-SelectKey-repartition"
			}
			p.JoinTopics[side] = name
			t.Topics = append(t.Topics, name)
			if o := n.Direct[1-side]; o != nil {
				if t.PartitionsOf == nil {
					t.PartitionsOf = map[string]string{}
				}
				t.PartitionsOf[name] = o.Topic
			}
		}
	}
	p.JoinRepartition = n.Repartition
	p.KeyFormat = n.KeyFormat
	switch {
	case p.Within != nil:
		*ksNode += 8 + 4*reps
		this, other := "JOINTHIS", "JOINOTHER"
		if p.JoinType == ast.FullJoin || p.JoinType == ast.RightJoin {
			this = "OUTERTHIS"
		}
		if p.JoinType == ast.FullJoin || p.JoinType == ast.LeftJoin {
			other = "OUTEROTHER"
		}
		p.JoinStores = []string{fmt.Sprintf("KSTREAM-%s-%010d-store", this, *ksNode), fmt.Sprintf("KSTREAM-%s-%010d-store", other, *ksNode+1)}
		if p.JoinType != ast.InnerJoin && p.Within.Grace != nil {
			p.JoinStores = append(p.JoinStores, fmt.Sprintf("KSTREAM-OUTERSHARED-%010d-store", *ksNode))
		}
		// Sluice's own: each side's stream time, which decides what has
		// expired and which unmatched records are due.
		p.JoinStores = append(p.JoinStores, prefix+"Join-StreamTime")
	case p.TableTable:
		for side, rep := range n.Repartition {
			store := prefix + "KafkaTopic_" + tableSides[side] + "-Reduce"
			if rep {
				store = prefix + tableSides[side] + "SourceKeyed-Materialize"
			}
			p.JoinStores = append(p.JoinStores, store)
		}
	default:
		p.JoinStores = []string{prefix + "KafkaTopic_Right-Reduce"}
	}
	for _, s := range p.JoinStores {
		t.Stores = append(t.Stores, s)
		t.Topics = append(t.Topics, s+ChangelogSuffix)
	}
}

// tableSides names a table-table join's sides in its store and topic names.
var tableSides = [2]string{"Left", "Right"}

// Internal topic and store names, after ksqlDB's. The full topic name is
// _confluent-ksql-<service id>query_<query id>-<name>.
const (
	RepartitionTopic = "Aggregate-GroupBy-repartition"
	// TableSourceStore holds the last row of each key of a table being
	// aggregated, so that an update can retract what the old row added.
	TableSourceStore = "KsqlTopic-Reduce"
	ChangelogSuffix  = "-changelog"
	// PositionsStore holds, per input partition, the last input record
	// folded into the aggregation's state (Sluice's own: ksqlDB has none).
	PositionsStore = "Aggregate-Positions"
)

// groupedByKey tells whether a grouping is exactly the input's key columns,
// in order: records of one group then already share a partition.
func groupedByKey(groupBy []expr.Expr, keys []int) bool {
	if len(keys) == 0 || len(groupBy) != len(keys) {
		return false
	}
	for i, g := range groupBy {
		c, ok := g.(*expr.ColumnRef)
		if !ok || c.Index != keys[i] {
			return false
		}
	}
	return true
}

func lowerSource(n *SourceNode) *Proc {
	s := n.Source
	p := &Proc{Kind: ProcSource, Topic: s.Topic, KeyFormat: s.KeyFormat, ValueFormat: s.ValueFormat,
		Schema: s.Schema, TimestampIndex: -1, TimestampFormat: s.TimestampFormat, Table: s.Kind == ast.Table, Windowed: s.Window}
	if s.TimestampColumn != "" {
		p.TimestampIndex = s.Schema.Find(s.TimestampColumn)
	}
	p.Needed = make([]bool, len(s.Schema.Columns))
	for i, c := range s.Schema.Columns {
		p.Needed[i] = n.Used == nil || n.Used[c.Name] || i == p.TimestampIndex
	}
	return p
}

func lowerSink(n *SinkNode) *Proc {
	if n.Sink == nil {
		return nil
	}
	in := n.Input.Schema()
	s := n.Sink
	p := &Proc{Kind: ProcSink, Topic: s.Topic, KeyFormat: s.KeyFormat, ValueFormat: s.ValueFormat,
		Schema: s.Schema, SinkTimestampIndex: -1, TimestampFormat: s.TimestampFormat}
	for _, c := range s.Schema.Columns {
		idx := in.Find(c.Name)
		if c.Namespace == types.KeyColumn {
			p.KeyIndex = append(p.KeyIndex, idx)
		} else {
			p.ValueIndex = append(p.ValueIndex, idx)
		}
	}
	if s.TimestampColumn != "" {
		p.SinkTimestampIndex = in.Find(s.TimestampColumn)
	}
	p.Windowed = windowOf(n.Input)
	return p
}

// windowOf finds the window of the aggregation or windowed source feeding
// n, if any.
func windowOf(n Logical) *ast.Window {
	for n != nil {
		switch n := n.(type) {
		case *AggregateNode:
			return n.Window
		case *SourceNode:
			return n.Source.Window
		}
		ins := n.Inputs()
		if len(ins) != 1 {
			return nil
		}
		n = ins[0]
	}
	return nil
}

// String prints the topology as EXPLAIN shows it.
func (t *Topology) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Topology of %s:\n", t.QueryID)
	for _, p := range t.Procs {
		fmt.Fprintf(&b, "  %s: %s", p.Kind, p.Name)
		switch p.Kind {
		case ProcSource:
			fmt.Fprintf(&b, " (topic: %s, key: %s, value: %s)", p.Topic, p.KeyFormat.Format, p.ValueFormat.Format)
		case ProcSink:
			fmt.Fprintf(&b, " (topic: %s, key: %s, value: %s)", p.Topic, p.KeyFormat.Format, p.ValueFormat.Format)
		case ProcFilter:
			fmt.Fprintf(&b, " (%s)", p.Predicate.String())
			if p.Table {
				b.WriteString(" [table: failing rows become tombstones]")
			}
		case ProcAggregate:
			parts := make([]string, len(p.GroupBy))
			for i, g := range p.GroupBy {
				parts[i] = g.String()
			}
			aggs := make([]string, len(p.Aggs))
			for i, a := range p.Aggs {
				aggs[i] = a.Text
			}
			fmt.Fprintf(&b, " (GROUP BY %s: %s)", strings.Join(parts, ", "), strings.Join(aggs, ", "))
			if p.Window != nil {
				fmt.Fprintf(&b, " window %s size %v", p.Window.Type, p.Window.Size)
			}
			if p.Repartition {
				fmt.Fprintf(&b, " [repartitioned through %s]", RepartitionTopic)
			}
		case ProcJoin:
			kind := "stream-table"
			if p.TableTable {
				kind = "table-table"
			}
			if p.Within != nil {
				kind = "stream-stream " + WithinText(p.Within)
			}
			fmt.Fprintf(&b, " (%s %s ON %s = %s)", p.JoinType, kind, p.LeftKey.String(), p.RightKey.String())
			for side, topic := range p.JoinTopics {
				if topic != "" {
					fmt.Fprintf(&b, " [%s repartitioned through %s]", [2]string{"left", "right"}[side], topic)
				}
			}
		case ProcFKJoin:
			fmt.Fprintf(&b, " (%s foreign-key table-table ON %s = %s)", p.JoinType, p.LeftKey.String(), p.RightKey.String())
		case ProcProject, ProcFlatMap:
			parts := make([]string, len(p.Exprs))
			for i, e := range p.Exprs {
				parts[i] = e.String() + " AS " + p.Out.Columns[i].Name
			}
			fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
		}
		b.WriteString("\n")
		if len(p.Children) > 0 {
			fmt.Fprintf(&b, "    --> %s\n", strings.Join(p.Children, ", "))
		}
	}
	if len(t.Stores) > 0 {
		fmt.Fprintf(&b, "  State stores: %s\n", strings.Join(t.Stores, ", "))
	}
	if len(t.Topics) > 0 {
		fmt.Fprintf(&b, "  Internal topics: %s\n", strings.Join(t.Topics, ", "))
	}
	return b.String()
}

// ExplainLogical prints the logical plan as an indented tree, root first.
func ExplainLogical(n Logical) string {
	var b strings.Builder
	var walk func(n Logical, depth int)
	walk = func(n Logical, depth int) {
		fmt.Fprintf(&b, "%s> %s\n", strings.Repeat("  ", depth), n.Describe())
		for _, in := range n.Inputs() {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

func (n *SourceNode) Describe() string {
	return fmt.Sprintf("[ SOURCE ] %s %s (topic %s) | Schema: %s", n.Source.Kind, n.Source.Name, n.Source.Topic,
		n.Source.Schema.String(keyWord(n.Source)))
}

func (n *FilterNode) Describe() string {
	if n.Table {
		return fmt.Sprintf("[ TABLE FILTER ] %s", n.Predicate.String())
	}
	return fmt.Sprintf("[ FILTER ] %s", n.Predicate.String())
}

func (n *ProjectNode) Describe() string {
	parts := make([]string, len(n.Exprs))
	for i, e := range n.Exprs {
		parts[i] = e.String() + " AS " + types.QuoteIdent(n.Out.Columns[i].Name)
	}
	return fmt.Sprintf("[ PROJECT ] %s | Schema: %s", strings.Join(parts, ", "), n.Out.String("KEY"))
}

func (n *SinkNode) Describe() string {
	if n.Sink == nil {
		return "[ SINK ] client (push query)"
	}
	return fmt.Sprintf("[ SINK ] %s %s (topic %s) | Schema: %s", n.Sink.Kind, n.Sink.Name, n.Sink.Topic,
		n.Sink.Schema.String(keyWord(n.Sink)))
}
