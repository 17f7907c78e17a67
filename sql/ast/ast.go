// Package ast is Sluice's syntax tree for ksqlDB's dialect: statements and
// expressions with source positions. The parser builds it; the planner reads
// it. No parser library's types appear here.
package ast

import (
	"time"

	"github.com/sluicedb/sluice/sql/types"
)

// Pos is a position in the statement text. Line and Col are 1-based; Offset is
// a 0-based byte offset into the whole input given to the parser.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// Node is anything with a position.
type Node interface {
	Position() Pos
}

// Statement is one SQL statement. Text is the statement's own source text
// (without the trailing ';'), kept for SHOW QUERIES, EXPLAIN and the catalog.
type Statement interface {
	Node
	stmt()
	SourceText() string
}

// StmtBase carries what every statement has.
type StmtBase struct {
	At   Pos
	Text string
}

func (b StmtBase) Position() Pos      { return b.At }
func (b StmtBase) SourceText() string { return b.Text }
func (StmtBase) stmt()                {}

// SourceKind tells streams from tables.
type SourceKind int

const (
	Stream SourceKind = iota
	Table
)

func (k SourceKind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// Property is one WITH (name = value) entry. Name is upper-cased; Value is a
// string, int64, float64, types.Decimal or bool as written.
type Property struct {
	At    Pos
	Name  string
	Value any
}

// Properties keep the order they were written in.
type Properties []Property

// Get returns the value of the named property (case-insensitive name, already
// upper-cased by the parser) and whether it is present.
func (ps Properties) Get(name string) (any, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// ColumnDef is one column in CREATE STREAM/TABLE (...).
type ColumnDef struct {
	At         Pos
	Name       string
	Type       *types.Type
	Key        bool   // KEY
	PrimaryKey bool   // PRIMARY KEY
	Headers    bool   // HEADERS or HEADER('k')
	HeaderKey  string // the k of HEADER('k')
}

// CreateSource is CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name
// [(columns)] WITH (...) [AS SELECT ...]. CREATE SOURCE STREAM/TABLE sets Source.
type CreateSource struct {
	StmtBase
	Kind        SourceKind
	OrReplace   bool
	IfNotExists bool
	Source      bool
	Name        string
	NameAt      Pos
	Columns     []ColumnDef
	Props       Properties
	AsSelect    *Query // nil for plain CREATE
}

// InsertValues is INSERT INTO target [(cols)] VALUES (...).
type InsertValues struct {
	StmtBase
	Target  string
	Columns []string // empty: all columns in schema order (key columns first)
	Values  []Expr
}

// InsertSelect is INSERT INTO target [WITH (...)] SELECT ...
type InsertSelect struct {
	StmtBase
	Target string
	Props  Properties
	Query  *Query
}

// EmitMode is how a query emits results.
type EmitMode int

const (
	EmitNone    EmitMode = iota // a pull query (or a persistent query body)
	EmitChanges                 // EMIT CHANGES
	EmitFinal                   // EMIT FINAL
)

// Query is a SELECT, standalone (push/pull query) or the body of C*AS/INSERT.
type Query struct {
	StmtBase
	Items       []SelectItem
	From        Relation
	Window      *Window
	Where       Expr
	GroupBy     []Expr
	PartitionBy []Expr
	Having      Expr
	Emit        EmitMode
	Limit       *int64
}

// SelectItem is one entry of the SELECT list. Star is `*` (StarSource "") or
// `src.*`; StructAll is `Expr->*`, every field of a struct.
type SelectItem struct {
	At         Pos
	Expr       Expr
	Alias      string
	Star       bool
	StarSource string
	StructAll  bool
}

// Relation is the FROM clause: a source or a join tree.
type Relation interface {
	Node
	relation()
}

// SourceRef names a stream or table, with an optional alias.
type SourceRef struct {
	At    Pos
	Name  string
	Alias string
}

func (s *SourceRef) Position() Pos { return s.At }
func (*SourceRef) relation()       {}

// JoinType is the kind of join.
type JoinType int

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
)

func (j JoinType) String() string {
	return [...]string{"INNER", "LEFT", "RIGHT", "FULL"}[j]
}

// Join is left JOIN right [WITHIN ...] ON expr.
type Join struct {
	At     Pos
	Type   JoinType
	Left   Relation
	Right  Relation
	Within *Within
	On     Expr
}

func (j *Join) Position() Pos { return j.At }
func (*Join) relation()       {}

// Within is WITHIN d or WITHIN (before, after) [GRACE PERIOD g].
type Within struct {
	Before time.Duration
	After  time.Duration
	Grace  *time.Duration
}

// WindowType is the kind of window.
type WindowType int

const (
	Tumbling WindowType = iota
	Hopping
	Session
)

func (w WindowType) String() string {
	return [...]string{"TUMBLING", "HOPPING", "SESSION"}[w]
}

// Window is WINDOW TUMBLING|HOPPING|SESSION (...). Size is the gap for
// session windows. Optional parts are nil when not written.
type Window struct {
	At        Pos
	Type      WindowType
	Size      time.Duration
	Advance   time.Duration // HOPPING only
	Retention *time.Duration
	Grace     *time.Duration
}

// ShowKind says what SHOW/LIST lists.
type ShowKind int

const (
	ShowStreams ShowKind = iota
	ShowTables
	ShowTopics
	ShowQueries
	ShowProperties
	ShowFunctions
	ShowTypes
)

// Show is SHOW|LIST STREAMS|TABLES|TOPICS|QUERIES|PROPERTIES|FUNCTIONS [EXTENDED].
type Show struct {
	StmtBase
	What     ShowKind
	Extended bool
	All      bool // SHOW ALL TOPICS
}

// Describe is DESCRIBE [EXTENDED] name, DESCRIBE STREAMS|TABLES, or DESCRIBE FUNCTION f.
type Describe struct {
	StmtBase
	Name     string
	Extended bool
	Function bool
	AllOf    *ShowKind // DESCRIBE STREAMS / DESCRIBE TABLES
}

// Explain is EXPLAIN <statement> or EXPLAIN <query id>.
type Explain struct {
	StmtBase
	Stmt    Statement // nil when QueryID is set
	QueryID string
}

// Print is PRINT 'topic' [FROM BEGINNING] [INTERVAL n] [LIMIT n].
type Print struct {
	StmtBase
	Topic         string
	FromBeginning bool
	Interval      int64
	Limit         *int64
}

// Terminate is TERMINATE query_id or TERMINATE ALL.
type Terminate struct {
	StmtBase
	QueryID string
	All     bool
}

// Drop is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
type Drop struct {
	StmtBase
	Kind        SourceKind
	IfExists    bool
	Name        string
	DeleteTopic bool
}

// Set is SET 'name' = 'value'.
type Set struct {
	StmtBase
	Name  string
	Value string
}

// Unset is UNSET 'name'.
type Unset struct {
	StmtBase
	Name string
}

// RunScript is RUN SCRIPT 'path'.
type RunScript struct {
	StmtBase
	Path string
}

// AssertValues is the test statement ASSERT VALUES src (cols) VALUES (...),
// or ASSERT NULL VALUES src (keycols) KEY (...) when Null is set.
type AssertValues struct {
	StmtBase
	Source  string
	Columns []string
	Values  []Expr
	Null    bool
}

// AssertSource is the test statement ASSERT [NOT EXISTS] STREAM|TABLE name (cols) WITH (...).
type AssertSource struct {
	StmtBase
	Kind      SourceKind
	NotExists bool
	Name      string
	Columns   []ColumnDef
	Props     Properties
}

var (
	_ Statement = (*CreateSource)(nil)
	_ Statement = (*InsertValues)(nil)
	_ Statement = (*InsertSelect)(nil)
	_ Statement = (*Query)(nil)
	_ Statement = (*Show)(nil)
	_ Statement = (*Describe)(nil)
	_ Statement = (*Explain)(nil)
	_ Statement = (*Print)(nil)
	_ Statement = (*Terminate)(nil)
	_ Statement = (*Drop)(nil)
	_ Statement = (*Set)(nil)
	_ Statement = (*Unset)(nil)
	_ Statement = (*RunScript)(nil)
	_ Statement = (*AssertValues)(nil)
	_ Statement = (*AssertSource)(nil)
)
