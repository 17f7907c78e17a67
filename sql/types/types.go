// Package types holds Sluice's SQL types, the Go representation of their
// values, and schemas (key, value and header columns plus pseudo-columns).
//
// Value representation (a nil interface is SQL NULL everywhere):
//
//	BOOLEAN   bool
//	INT       int32
//	BIGINT    int64
//	DOUBLE    float64
//	DECIMAL   Decimal
//	STRING    string
//	BYTES     []byte
//	TIMESTAMP Timestamp (milliseconds since the epoch, UTC)
//	DATE      Date (days since the epoch)
//	TIME      Time (milliseconds since midnight)
//	ARRAY     []any
//	MAP       *Map (entries in insertion order)
//	STRUCT    *Struct (values in the order of the type's fields)
package types

import (
	"fmt"
	"strings"
)

// Kind is the top-level SQL type.
type Kind int

const (
	Unknown Kind = iota // the type of a bare NULL literal before it is coerced
	Boolean
	Int
	Bigint
	Double
	DecimalKind
	String
	Bytes
	TimestampKind
	DateKind
	TimeKind
	Array
	MapKind
	StructKind
)

// Type is a SQL type. Types are values: compare them with Equal.
type Type struct {
	Kind      Kind
	Precision int     // DECIMAL
	Scale     int     // DECIMAL
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // STRUCT
}

// Field is one STRUCT field.
type Field struct {
	Name string
	Type *Type
}

// Shared instances of the primitive types. Never modify them.
var (
	TUnknown   = &Type{Kind: Unknown}
	TBoolean   = &Type{Kind: Boolean}
	TInt       = &Type{Kind: Int}
	TBigint    = &Type{Kind: Bigint}
	TDouble    = &Type{Kind: Double}
	TString    = &Type{Kind: String}
	TBytes     = &Type{Kind: Bytes}
	TTimestamp = &Type{Kind: TimestampKind}
	TDate      = &Type{Kind: DateKind}
	TTime      = &Type{Kind: TimeKind}
)

func DecimalType(precision, scale int) *Type {
	return &Type{Kind: DecimalKind, Precision: precision, Scale: scale}
}
func ArrayOf(elem *Type) *Type       { return &Type{Kind: Array, Elem: elem} }
func MapOf(key, val *Type) *Type     { return &Type{Kind: MapKind, Key: key, Elem: val} }
func StructOf(fields ...Field) *Type { return &Type{Kind: StructKind, Fields: fields} }

// Equal reports whether two types are the same SQL type.
func (t *Type) Equal(o *Type) bool {
	if t == nil || o == nil {
		return t == o
	}
	if t.Kind != o.Kind {
		return false
	}
	switch t.Kind {
	case DecimalKind:
		return t.Precision == o.Precision && t.Scale == o.Scale
	case Array:
		return t.Elem.Equal(o.Elem)
	case MapKind:
		return t.Key.Equal(o.Key) && t.Elem.Equal(o.Elem)
	case StructKind:
		if len(t.Fields) != len(o.Fields) {
			return false
		}
		for i := range t.Fields {
			if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

// IsNumeric reports INT, BIGINT, DOUBLE and DECIMAL.
func (t *Type) IsNumeric() bool {
	switch t.Kind {
	case Int, Bigint, Double, DecimalKind:
		return true
	}
	return false
}

// String prints the type as ksqlDB does in DESCRIBE and in schemas:
// INTEGER, BIGINT, DECIMAL(10, 2), ARRAY<STRING>, MAP<STRING, INTEGER>,
// STRUCT<`A` INTEGER, `B` STRING>.
func (t *Type) String() string {
	if t == nil {
		return "NULL"
	}
	switch t.Kind {
	case Unknown:
		return "NULL"
	case Boolean:
		return "BOOLEAN"
	case Int:
		return "INTEGER"
	case Bigint:
		return "BIGINT"
	case Double:
		return "DOUBLE"
	case DecimalKind:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case String:
		return "STRING"
	case Bytes:
		return "BYTES"
	case TimestampKind:
		return "TIMESTAMP"
	case DateKind:
		return "DATE"
	case TimeKind:
		return "TIME"
	case Array:
		return "ARRAY<" + t.Elem.String() + ">"
	case MapKind:
		return "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case StructKind:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = QuoteIdent(f.Name) + " " + f.Type.String()
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return fmt.Sprintf("Kind(%d)", int(t.Kind))
}

// QuoteIdent backquotes a name as ksqlDB prints it in schemas.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// Timestamp is a TIMESTAMP value: milliseconds since the Unix epoch, UTC.
type Timestamp int64

// Date is a DATE value: days since the Unix epoch.
type Date int32

// Time is a TIME value: milliseconds since midnight.
type Time int64

// Map is a MAP value. Keys are unique; order is insertion order.
type Map struct {
	Keys   []any
	Values []any
}

// Get returns the value for key k (compared with ==) and whether it exists.
func (m *Map) Get(k any) (any, bool) {
	for i, key := range m.Keys {
		if key == k {
			return m.Values[i], true
		}
	}
	return nil, false
}

// Put sets k to v, replacing an existing entry in place.
func (m *Map) Put(k, v any) {
	for i, key := range m.Keys {
		if key == k {
			m.Values[i] = v
			return
		}
	}
	m.Keys = append(m.Keys, k)
	m.Values = append(m.Values, v)
}

// Struct is a STRUCT value; Values line up with the struct type's Fields.
type Struct struct {
	Values []any
}
