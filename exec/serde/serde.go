// Package serde encodes and decodes Kafka record keys and values in the
// formats Sluice shares with ksqlDB: JSON, DELIMITED, KAFKA and NONE.
//
// Codecs are schema-driven: a Codec is built once for a fixed list of columns
// and decodes straight into the Go value representation of sql/types (int32
// for INT, types.Decimal, *types.Struct, ...) without an intermediate
// map[string]any. A Codec holds no mutable state and is safe for concurrent use.
//
// Encodings follow ksqlDB byte for byte where ksqlDB's functional tests show
// them (number text, CSV quoting, the KAFKA binary layouts); the comments on
// each format say where behaviour was inferred rather than observed.
package serde

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/sql/types"
)

// Format names, as written in WITH (KEY_FORMAT=..., VALUE_FORMAT=...).
const (
	JSON      = "JSON"
	Delimited = "DELIMITED"
	Kafka     = "KAFKA"
	None      = "NONE"
)

// knownFormats are the names ksqlDB accepts; the ones Sluice cannot encode get
// a distinct error from a misspelt name.
var knownFormats = map[string]bool{
	JSON: true, Delimited: true, Kafka: true, None: true,
	"AVRO": true, "PROTOBUF": true, "PROTOBUF_NOSR": true, "JSON_SR": true,
}

// Options are the per-side serde properties of a source.
type Options struct {
	// WrapSingleValue is WRAP_SINGLE_VALUE; nil means the format's default
	// (JSON values wrapped in an object, keys and DELIMITED/KAFKA unwrapped).
	WrapSingleValue *bool
	// Delimiter is VALUE_DELIMITER / KEY_DELIMITER for DELIMITED: one
	// character, or the words TAB and SPACE. Empty means ",".
	Delimiter string
	// Skip, aligned with the columns, marks columns no query reads: a
	// decoder may leave them NULL without converting them (JSON skips
	// their text), which saves most of the cost of wide records.
	Skip []bool
}

// Codec encodes and decodes one side (key or value) of a record for a fixed
// list of columns.
type Codec interface {
	// Decode returns one value per column (nil for absent/null). A nil or
	// empty input for a value is a tombstone and returns (nil, nil). A nil
	// key decodes to all-nil columns. Errors name the column and say what was
	// wrong.
	Decode(data []byte) ([]any, error)
	// Encode renders one value per column. All-nil values on the value side
	// still encode (a row of nulls, not a tombstone), except where ksqlDB
	// writes a Kafka null for an unwrapped single null (JSON unwrapped, KAFKA).
	Encode(vals []any) ([]byte, error)
	// Format is the canonical format name (JSON, DELIMITED, KAFKA, NONE).
	Format() string
}

// NormalizeFormat upper-cases a format name; ksqlDB treats them case-insensitively.
func NormalizeFormat(format string) string { return strings.ToUpper(strings.TrimSpace(format)) }

// NewKeyCodec returns the codec for a record key with the given key columns.
func NewKeyCodec(format string, cols []types.Column, opts Options) (Codec, error) {
	return newCodec(format, cols, opts, true)
}

// NewValueCodec returns the codec for a record value with the given value columns.
func NewValueCodec(format string, cols []types.Column, opts Options) (Codec, error) {
	return newCodec(format, cols, opts, false)
}

func newCodec(format string, cols []types.Column, opts Options, isKey bool) (Codec, error) {
	f := NormalizeFormat(format)
	if err := ValidateFormat(f, cols, isKey); err != nil {
		return nil, err
	}
	if err := ValidateOptions(f, cols, isKey, opts); err != nil {
		return nil, err
	}
	switch f {
	case JSON:
		return newJSONCodec(cols, opts, isKey), nil
	case Delimited:
		d, err := ParseDelimiter(delimiterProp(isKey), opts.Delimiter)
		if err != nil {
			return nil, err
		}
		return newDelimitedCodec(cols, d, isKey), nil
	case Kafka:
		return newKafkaCodec(cols, isKey), nil
	case None:
		return noneCodec{isKey: isKey}, nil
	}
	return nil, fmt.Errorf("format '%s' is not supported by Sluice", f)
}

func delimiterProp(isKey bool) string {
	if isKey {
		return "KEY_DELIMITER"
	}
	return "VALUE_DELIMITER"
}

// ValidateFormat checks a format name and whether it supports the given
// columns as key (isKey) or value columns, with ksqlDB's error texts.
func ValidateFormat(format string, cols []types.Column, isKey bool) error {
	f := NormalizeFormat(format)
	if !knownFormats[f] {
		return fmt.Errorf("Unknown format: %s", strings.TrimSpace(format))
	}
	if isKey {
		// ksqlDB checks this before asking the format, so KAFKA and DELIMITED
		// keys with maps get this text rather than "does not support type".
		for _, c := range cols {
			if containsMap(c.Type) {
				return fmt.Errorf("Map keys, including types that contain maps, are not supported as they "+
					"may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. "+
					"Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
					types.QuoteIdent(c.Name), c.Type)
			}
		}
	}
	reason := ""
	switch f {
	case JSON:
		for _, c := range cols {
			if nonStringMapKey(c.Type) {
				return fmt.Errorf("JSON only supports MAP types with STRING keys")
			}
		}
	case Delimited:
		for _, c := range cols {
			if k := firstUnsupported(c.Type, delimitedSupports); k != "" {
				reason = fmt.Sprintf("The 'DELIMITED' format does not support type '%s', column: %s", k, types.QuoteIdent(c.Name))
				break
			}
		}
	case Kafka:
		if len(cols) > 1 || (len(cols) == 0 && !isKey) {
			reason = fmt.Sprintf("The 'KAFKA' format only supports a single field. Got: %s", columnList(cols, isKey))
		} else if len(cols) == 1 {
			if k := firstUnsupported(cols[0].Type, kafkaSupports); k != "" {
				reason = fmt.Sprintf("The 'KAFKA' format does not support type '%s'", k)
			}
		}
	case None:
		if len(cols) > 0 {
			return fmt.Errorf("The 'NONE' format can only be used when no columns are defined. Got: %s", columnList(cols, isKey))
		}
	default:
		return fmt.Errorf("format '%s' is not supported by Sluice (supported: JSON, DELIMITED, KAFKA, NONE)", f)
	}
	if reason == "" {
		return nil
	}
	side := "Value"
	if isKey {
		side = "Key"
	}
	return fmt.Errorf("%s format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=[]}\nreason: %s",
		side, f, columnList(cols, isKey), reason)
}

// ValidateOptions checks WRAP_SINGLE_VALUE and the delimiter against the
// format and columns, with ksqlDB's error texts.
func ValidateOptions(format string, cols []types.Column, isKey bool, opts Options) error {
	f := NormalizeFormat(format)
	if opts.WrapSingleValue != nil {
		if !isKey && len(cols) != 1 {
			return fmt.Errorf("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas")
		}
		if *opts.WrapSingleValue && (f == Delimited || f == Kafka) {
			return fmt.Errorf("Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", f)
		}
	}
	if opts.Delimiter != "" && f != Delimited {
		return fmt.Errorf("%s does not support the following configs: [delimiter]", f)
	}
	if f == Delimited && opts.Delimiter != "" {
		if _, err := ParseDelimiter(delimiterProp(isKey), opts.Delimiter); err != nil {
			return err
		}
	}
	return nil
}

// ParseDelimiter reads a VALUE_DELIMITER / KEY_DELIMITER property (prop names
// it in errors): one character, or TAB / SPACE. Empty means ",".
func ParseDelimiter(prop, s string) (rune, error) {
	if s == "" {
		return ',', nil
	}
	switch strings.ToUpper(s) {
	case "TAB":
		return '\t', nil
	case "SPACE":
		return ' ', nil
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == ' ' || r[0] == '\t' || strings.TrimSpace(s) == "" {
		if strings.TrimSpace(s) == "" {
			return 0, fmt.Errorf("Configuration %s is invalid: Delimiter cannot be empty, if you meant to have a tab "+
				"or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'", prop)
		}
		return 0, fmt.Errorf("Configuration %s is invalid: Invalid delimiter value: '%s'. Delimiter must be a single "+
			"character or TAB or SPACE\nExample valid value: ';'", prop, s)
	}
	if r[0] == '"' || r[0] == '\r' || r[0] == '\n' {
		return 0, fmt.Errorf("Configuration %s is invalid: Invalid delimiter value: '%s'. The delimiter cannot be "+
			"a quote or a line break\nExample valid value: ';'", prop, s)
	}
	return r[0], nil
}

// columnList prints columns as ksqlDB does inside format errors:
// [`K1` INTEGER KEY, `K2` INTEGER KEY].
func columnList(cols []types.Column, isKey bool) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = types.QuoteIdent(c.Name) + " " + c.Type.String()
		if isKey {
			parts[i] += " KEY"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func containsMap(t *types.Type) bool {
	if t == nil {
		return false
	}
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

func nonStringMapKey(t *types.Type) bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case types.MapKind:
		return t.Key == nil || t.Key.Kind != types.String || nonStringMapKey(t.Elem)
	case types.Array:
		return nonStringMapKey(t.Elem)
	case types.StructKind:
		for _, f := range t.Fields {
			if nonStringMapKey(f.Type) {
				return true
			}
		}
	}
	return false
}

func delimitedSupports(k types.Kind) bool {
	switch k {
	case types.Boolean, types.Int, types.Bigint, types.Double, types.DecimalKind, types.String,
		types.Bytes, types.TimestampKind, types.DateKind, types.TimeKind:
		return true
	}
	return false
}

func kafkaSupports(k types.Kind) bool {
	switch k {
	case types.Int, types.Bigint, types.Double, types.String, types.Bytes:
		return true
	}
	return false
}

// firstUnsupported returns ksqlDB's base-type name of t when supports rejects it.
func firstUnsupported(t *types.Type, supports func(types.Kind) bool) string {
	if t == nil || supports(t.Kind) {
		return ""
	}
	return baseTypeName(t.Kind)
}

// baseTypeName is ksqlDB's SqlBaseType name, used in error texts.
func baseTypeName(k types.Kind) string {
	switch k {
	case types.Boolean:
		return "BOOLEAN"
	case types.Int:
		return "INTEGER"
	case types.Bigint:
		return "BIGINT"
	case types.Double:
		return "DOUBLE"
	case types.DecimalKind:
		return "DECIMAL"
	case types.String:
		return "STRING"
	case types.Bytes:
		return "BYTES"
	case types.TimestampKind:
		return "TIMESTAMP"
	case types.DateKind:
		return "DATE"
	case types.TimeKind:
		return "TIME"
	case types.Array:
		return "ARRAY"
	case types.MapKind:
		return "MAP"
	case types.StructKind:
		return "STRUCT"
	}
	return "NULL"
}

// Error is a decode or encode failure of one column. Its text is ksqlDB's
// where known, followed by the JSON path (ksqlDB's ", path: $.COL").
type Error struct {
	Column string // the column's name; "" for the record as a whole
	Path   string // JSON path such as $.A.B[2]; "" for non-JSON formats
	Msg    string
}

func (e *Error) Error() string {
	switch {
	case e.Path != "":
		return e.Msg + ", path: " + e.Path
	case e.Column != "":
		return e.Msg + ", column: " + types.QuoteIdent(e.Column)
	}
	return e.Msg
}

// DeserializeError wraps a Decode error the way ksqlDB's processing log
// reports it: "Failed to deserialize value from topic: t. <cause>".
func DeserializeError(topic string, isKey bool, err error) error {
	side := "value"
	if isKey {
		side = "key"
	}
	return &wrapped{msg: fmt.Sprintf("Failed to deserialize %s from topic: %s. %v", side, topic, err), err: err}
}

// SerializeError wraps an Encode error like ksqlDB: "Error serializing message to topic: t. <cause>".
func SerializeError(topic string, err error) error {
	return &wrapped{msg: fmt.Sprintf("Error serializing message to topic: %s. %v", topic, err), err: err}
}

type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// wrapDefault reports whether a single value column is wrapped.
func wrapDefault(opts Options, isKey bool, format string) bool {
	if opts.WrapSingleValue != nil {
		return *opts.WrapSingleValue
	}
	return !isKey && format == JSON
}

type noneCodec struct{ isKey bool }

func (c noneCodec) Decode(data []byte) ([]any, error) {
	if !c.isKey && len(data) == 0 {
		return nil, nil
	}
	return []any{}, nil
}

// Encode writes a Kafka null: NONE ignores whatever the record carried.
func (noneCodec) Encode(vals []any) ([]byte, error) { return nil, nil }
func (noneCodec) Format() string                    { return None }

var _ Codec = noneCodec{}
