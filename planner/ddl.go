package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/parser"
	"github.com/sluicedb/sluice/sql/types"
)

// Defaults are session/server settings the planner needs.
type Defaults struct {
	KeyFormat   string // ksql.persistence.default.format.key (KAFKA)
	ValueFormat string // ksql.persistence.default.format.value ("" = required)
	// Props are the session's properties over the server's: the planner
	// copies into a plan those its processors read (ksql.functions.*).
	Props map[string]string
}

// SourceProps are the parsed WITH properties of CREATE statements.
type SourceProps struct {
	Topic           string
	Partitions      int // 0: not given
	Replicas        int
	KeyFormat       catalog.FormatInfo
	ValueFormat     catalog.FormatInfo
	Timestamp       string
	TimestampFormat string
}

var knownProps = map[string]bool{
	"KAFKA_TOPIC": true, "PARTITIONS": true, "REPLICAS": true, "KEY_FORMAT": true, "VALUE_FORMAT": true,
	"FORMAT": true, "TIMESTAMP": true, "TIMESTAMP_FORMAT": true, "WRAP_SINGLE_VALUE": true,
	"VALUE_DELIMITER": true, "KEY_DELIMITER": true, "RETENTION_MS": true, "WINDOW_TYPE": true,
	"WINDOW_SIZE": true, "VALUE_AVRO_SCHEMA_FULL_NAME": true, "KEY_SCHEMA_ID": true, "VALUE_SCHEMA_ID": true,
	"KEY_SCHEMA_FULL_NAME": true, "VALUE_SCHEMA_FULL_NAME": true, "SOURCE_CONNECTOR": true,
}

// knownFormats are the format names ksqlDB knows (not all run in Sluice:
// the serdes reject those that need a schema registry).
var knownFormats = map[string]bool{"JSON": true, "DELIMITED": true, "KAFKA": true, "NONE": true,
	"AVRO": true, "PROTOBUF": true, "PROTOBUF_NOSR": true, "JSON_SR": true}

// ParseProps reads WITH properties. inherit supplies defaults (the source's
// formats for C*AS); it may be nil.
func ParseProps(props ast.Properties, d Defaults, inherit *SourceProps) (*SourceProps, error) {
	sp := &SourceProps{}
	if inherit != nil {
		*sp = *inherit
		sp.Topic, sp.Partitions, sp.Replicas, sp.Timestamp, sp.TimestampFormat = "", 0, 0, "", ""
	}
	var fmtAll string
	for _, p := range props {
		if !knownProps[p.Name] {
			return nil, ast.Errorf(ast.SemanticError, p.At, "Invalid config variable(s) in the WITH clause: %s", p.Name)
		}
		s := propString(p.Value)
		switch p.Name {
		case "KAFKA_TOPIC":
			sp.Topic = s
		case "PARTITIONS", "REPLICAS":
			n, err := strconv.Atoi(s)
			if err != nil || n < -1 || n == 0 && p.Name == "PARTITIONS" {
				return nil, ast.Errorf(ast.SemanticError, p.At, "Invalid value for %s property: %s", p.Name, s)
			}
			if p.Name == "PARTITIONS" {
				sp.Partitions = n
			} else {
				sp.Replicas = n
			}
		case "KEY_FORMAT":
			sp.KeyFormat = catalog.FormatInfo{Format: strings.ToUpper(s), Delimiter: sp.KeyFormat.Delimiter}
		case "VALUE_FORMAT":
			sp.ValueFormat = catalog.FormatInfo{Format: strings.ToUpper(s), Delimiter: sp.ValueFormat.Delimiter,
				WrapSingleValue: sp.ValueFormat.WrapSingleValue}
		case "FORMAT":
			fmtAll = strings.ToUpper(s)
		case "TIMESTAMP":
			sp.Timestamp = timestampColumn(s)
		case "TIMESTAMP_FORMAT":
			sp.TimestampFormat = s
		case "WRAP_SINGLE_VALUE":
			b, ok := p.Value.(bool)
			if !ok {
				b = strings.EqualFold(s, "true")
			}
			sp.ValueFormat.WrapSingleValue = &b
		case "VALUE_DELIMITER", "KEY_DELIMITER":
			if s == "" {
				return nil, ast.Errorf(ast.SemanticError, p.At, "Failed to prepare statement: Configuration %s is invalid: "+
					"Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'", p.Name)
			}
			if p.Name == "VALUE_DELIMITER" {
				sp.ValueFormat.Delimiter = s
			} else {
				sp.KeyFormat.Delimiter = s
			}
		}
	}
	if fmtAll != "" {
		if _, ok := props.Get("KEY_FORMAT"); ok {
			return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.")
		}
		if _, ok := props.Get("VALUE_FORMAT"); ok {
			return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.")
		}
		sp.KeyFormat.Format, sp.ValueFormat.Format = fmtAll, fmtAll
	}
	for _, f := range []string{sp.KeyFormat.Format, sp.ValueFormat.Format} {
		if f != "" && !knownFormats[f] {
			return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Unknown format: %s", f)
		}
	}
	if sp.KeyFormat.Format == "" {
		sp.KeyFormat.Format = d.KeyFormat
		if sp.KeyFormat.Format == "" {
			sp.KeyFormat.Format = "KAFKA"
		}
	}
	if sp.ValueFormat.Format == "" {
		sp.ValueFormat.Format = d.ValueFormat
	}
	if sp.ValueFormat.Format == "" {
		return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. "+
			"Either provide one or set a default via the 'ksql.persistence.default.format.value' config.")
	}
	return sp, nil
}

func propString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// PlanCreateSource builds the catalog entry of a CREATE STREAM/TABLE over a
// topic (no AS SELECT).
func PlanCreateSource(st *ast.CreateSource, d Defaults) (*catalog.Source, *SourceProps, error) {
	sp, err := ParseProps(st.Props, d, nil)
	if err != nil {
		return nil, nil, err
	}
	if sp.Topic == "" {
		sp.Topic = st.Name
	}
	var keys, vals, hdrs []types.Column
	seen := map[string]bool{}
	for _, c := range st.Columns {
		if seen[c.Name] {
			return nil, nil, ast.Errorf(ast.SemanticError, c.At, "Duplicate column names: %s", c.Name)
		}
		seen[c.Name] = true
		if isReserved(c.Name) {
			return nil, nil, ast.Errorf(ast.SemanticError, c.At, "'%s' is a reserved column name. You cannot use it as a name for a column.", c.Name)
		}
		col := types.Column{Name: c.Name, Type: c.Type}
		switch {
		case c.PrimaryKey:
			if st.Kind == ast.Stream {
				return nil, nil, ast.Errorf(ast.SemanticError, c.At, "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", c.Name)
			}
			col.Namespace = types.KeyColumn
			keys = append(keys, col)
		case c.Key:
			if st.Kind == ast.Table {
				return nil, nil, ast.Errorf(ast.SemanticError, c.At, "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", c.Name)
			}
			col.Namespace = types.KeyColumn
			keys = append(keys, col)
		case c.Headers:
			for _, h := range hdrs {
				if h.HeaderKey == "" || c.HeaderKey == "" {
					return nil, nil, ast.Errorf(ast.SemanticError, c.At, "Schema already contains a HEADERS column.")
				}
				if h.HeaderKey == c.HeaderKey {
					return nil, nil, ast.Errorf(ast.SemanticError, c.At, "Schema already contains a HEADER('%s') column.", c.HeaderKey)
				}
			}
			col.Namespace = types.HeaderColumn
			col.HeaderKey = c.HeaderKey
			hdrs = append(hdrs, col)
		default:
			vals = append(vals, col)
		}
	}
	if st.Kind == ast.Table && len(keys) == 0 && len(st.Columns) > 0 {
		return nil, nil, ast.Errorf(ast.SemanticError, st.At, "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.")
	}
	if len(st.Columns) == 0 {
		return nil, nil, ast.Errorf(ast.SemanticError, st.At, "The statement does not define any columns.")
	}
	if len(vals) == 0 && sp.ValueFormat.Format != "NONE" {
		return nil, nil, ast.Errorf(ast.SemanticError, st.At, "The statement does not define any value columns.")
	}
	for _, k := range keys {
		if containsMap(k.Type) {
			return nil, nil, mapKeyError(st.At, k.Name, k.Type)
		}
	}
	if len(keys) == 0 && sp.KeyFormat.Format == "KAFKA" {
		// ksqlDB stores key-less sources with the NONE key format.
		sp.KeyFormat.Format = "NONE"
	}
	schema := types.Schema{Columns: append(append(keys, vals...), hdrs...)}
	src := &catalog.Source{
		Name: st.Name, Kind: st.Kind, Schema: schema, Topic: sp.Topic, Partitions: sp.Partitions,
		KeyFormat: sp.KeyFormat, ValueFormat: sp.ValueFormat, ReadOnly: st.Source, SQL: st.Text,
	}
	if err := setTimestamp(src, sp); err != nil {
		return nil, nil, err
	}
	if src.Window, err = sourceWindow(st.Props); err != nil {
		return nil, nil, err
	}
	return src, sp, nil
}

// sourceWindow is the window a CREATE over a windowed topic declares with
// WINDOW_TYPE (and WINDOW_SIZE for time windows), or nil: the catalog must
// know it so that joins and queries can refuse what ksqlDB refuses.
func sourceWindow(props ast.Properties) (*ast.Window, error) {
	v, ok := props.Get("WINDOW_TYPE")
	if !ok {
		return nil, nil
	}
	w := &ast.Window{}
	switch strings.ToUpper(propString(v)) {
	case "SESSION":
		w.Type = ast.Session
	case "TUMBLING":
		w.Type = ast.Tumbling
	case "HOPPING":
		w.Type = ast.Hopping
	default:
		return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Invalid value for WINDOW_TYPE property: %s. Valid values are SESSION, HOPPING and TUMBLING.", propString(v))
	}
	if size, ok := props.Get("WINDOW_SIZE"); ok {
		d, err := parser.ParseDuration(propString(size))
		if err != nil {
			return nil, ast.Errorf(ast.SemanticError, ast.Pos{}, "Configuration WINDOW_SIZE is invalid: %v", err)
		}
		w.Size = d
	}
	return w, nil
}

// timestampColumn is the column a TIMESTAMP property names: upper-cased
// unless quoted.
func timestampColumn(prop string) string {
	if strings.HasPrefix(prop, "`") || strings.HasPrefix(prop, "\"") {
		return strings.Trim(prop, "`\"")
	}
	return strings.ToUpper(prop)
}

func noTimestampColumn(name string) error {
	return ast.Errorf(ast.SemanticError, ast.Pos{}, "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name)
}

// checkSinkTimestamp rejects a C*AS whose TIMESTAMP property names no
// output column; ksqlDB checks it before the key columns.
func checkSinkTimestamp(out types.Schema, opts QueryOptions) error {
	if opts.Create == nil {
		return nil
	}
	if v, ok := opts.Create.Props.Get("TIMESTAMP"); ok {
		if name := timestampColumn(propString(v)); out.Find(name) < 0 {
			return noTimestampColumn(name)
		}
	}
	return nil
}

func setTimestamp(src *catalog.Source, sp *SourceProps) error {
	if sp.Timestamp == "" {
		return nil
	}
	i := src.Schema.Find(sp.Timestamp)
	if i < 0 {
		return noTimestampColumn(sp.Timestamp)
	}
	t := src.Schema.Columns[i].Type
	switch t.Kind {
	case types.Bigint, types.TimestampKind:
	case types.String:
		if sp.TimestampFormat == "" {
			return ast.Errorf(ast.SemanticError, ast.Pos{}, "A String timestamp field has been specified without also specifying the TIMESTAMP_FORMAT property.")
		}
	default:
		return ast.Errorf(ast.SemanticError, ast.Pos{}, "Timestamp column, %s, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", types.QuoteIdent(sp.Timestamp))
	}
	src.TimestampColumn = sp.Timestamp
	src.TimestampFormat = sp.TimestampFormat
	return nil
}

// mapKeyError is ksqlDB's error for a key column whose type contains a map
// (map serialization is not canonical, so equal keys could differ in bytes).
func mapKeyError(at ast.Pos, name string, t *types.Type) error {
	return ast.Errorf(ast.SemanticError, at, "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.", types.QuoteIdent(name), t)
}

func containsMap(t *types.Type) bool {
	switch t.Kind {
	case types.MapKind:
		return true
	case types.Array:
		return containsMap(t.Elem)
	case types.StructKind:
		for _, f := range t.Fields {
			if containsMap(f.Type) {
				return true
			}
		}
	}
	return false
}

func isReserved(name string) bool {
	switch name {
	case types.RowTime, types.RowPartition, types.RowOffset, types.WindowStart, types.WindowEnd:
		return true
	}
	return false
}

// reservedInSelect is ksqlDB's error for a projected column named after a
// pseudo-column.
func reservedInSelect(at ast.Pos, name string) error {
	return ast.Errorf(ast.SemanticError, at, "Reserved column name in select: %s. Please remove or alias the column.", types.QuoteIdent(name))
}

func keyWord(s *catalog.Source) string {
	if s.Kind == ast.Table {
		return "PRIMARY KEY"
	}
	return "KEY"
}
