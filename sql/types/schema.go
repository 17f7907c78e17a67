package types

import "strings"

// Namespace says where a column's value lives in a Kafka record.
type Namespace int

const (
	ValueColumn  Namespace = iota
	KeyColumn              // KEY (streams) or PRIMARY KEY (tables)
	HeaderColumn           // HEADERS (all headers) or HEADER('k') (one header)
)

// Column is a named, typed column of a source or a query result.
type Column struct {
	Name      string
	Type      *Type
	Namespace Namespace
	HeaderKey string // HEADER('k') columns: the header name; "" means all headers
}

// Schema is an ordered list of columns. By ksqlDB convention key columns come
// first in a logical schema, then value columns.
type Schema struct {
	Columns []Column
}

// Find returns the index of the column named name, or -1.
func (s Schema) Find(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Keys returns the key columns in order.
func (s Schema) Keys() []Column { return s.filter(KeyColumn) }

// Values returns the value columns in order.
func (s Schema) Values() []Column { return s.filter(ValueColumn) }

// Headers returns the header columns in order.
func (s Schema) Headers() []Column { return s.filter(HeaderColumn) }

func (s Schema) filter(ns Namespace) []Column {
	var out []Column
	for _, c := range s.Columns {
		if c.Namespace == ns {
			out = append(out, c)
		}
	}
	return out
}

// String prints the schema as ksqlDB does in QTT post-conditions:
// "`ID` INTEGER KEY, `NAME` STRING". keyWord is "KEY" for streams and
// "PRIMARY KEY" for tables.
func (s Schema) String(keyWord string) string {
	parts := make([]string, 0, len(s.Columns))
	for _, c := range s.Columns {
		p := QuoteIdent(c.Name) + " " + c.Type.String()
		switch c.Namespace {
		case KeyColumn:
			p += " " + keyWord
		case HeaderColumn:
			if c.HeaderKey != "" {
				p += " HEADER('" + c.HeaderKey + "')"
			} else {
				p += " HEADERS"
			}
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// Row is one record's column values, aligned with a Schema.
type Row []any

// Pseudo-column names. They are readable in queries but never stored in a
// source's schema.
const (
	RowTime      = "ROWTIME"
	RowPartition = "ROWPARTITION"
	RowOffset    = "ROWOFFSET"
	WindowStart  = "WINDOWSTART"
	WindowEnd    = "WINDOWEND"
)

// PseudoColumns lists the pseudo-columns every stream and table has, with their types.
var PseudoColumns = []Column{
	{Name: RowTime, Type: TBigint},
	{Name: RowPartition, Type: TInt},
	{Name: RowOffset, Type: TBigint},
}
