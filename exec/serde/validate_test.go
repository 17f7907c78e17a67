package serde

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// TestValidate checks format/column validation against the texts ksqlDB's
// functional tests expect (as substrings, as the corpus matches them) and
// keeps the full texts in testdata/validate.golden.
func TestValidate(t *testing.T) {
	mapID := types.MapOf(types.TInt, types.TDouble)
	cases := []struct {
		name   string
		format string
		cols   []types.Column
		key    bool
		opts   *Options
		want   string // substring; "" means valid
	}{
		{name: "json ok", format: "json", cols: cols(col("K", types.TBoolean)), key: true},
		{name: "unknown format", format: "FOO", want: "Unknown format: FOO"},
		{name: "avro known but unsupported", format: "AVRO", cols: cols(col("A", types.TInt)), want: "format 'AVRO' is not supported by Sluice"},
		// key-schemas.json
		{name: "kafka boolean key", format: Kafka, key: true, cols: cols(col("K", types.TBoolean)),
			want: "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` BOOLEAN KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'BOOLEAN'"},
		{name: "kafka decimal key", format: Kafka, key: true, cols: cols(col("K", types.DecimalType(21, 19))),
			want: "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` DECIMAL(21, 19) KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'DECIMAL'"},
		{name: "kafka two keys", format: Kafka, key: true, cols: cols(col("ID", types.TInt), col("AGE", types.TInt)),
			want: "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`ID` INTEGER KEY, `AGE` INTEGER KEY], features=[]}\nreason: The 'KAFKA' format only supports a single field. Got: [`ID` INTEGER KEY, `AGE` INTEGER KEY]"},
		{name: "kafka no key", format: Kafka, key: true},
		{name: "kafka bytes", format: Kafka, cols: cols(col("B", types.TBytes))},
		// kafka.json
		{name: "kafka array value", format: Kafka, cols: cols(col("KSQL_COL_0", types.ArrayOf(types.TInt))), want: "The 'KAFKA' format does not support type 'ARRAY'"},
		{name: "kafka map value", format: Kafka, cols: cols(col("FOO", mapID)), want: "The 'KAFKA' format does not support type 'MAP'"},
		{name: "kafka struct value", format: Kafka, cols: cols(col("FOO", sF)), want: "The 'KAFKA' format does not support type 'STRUCT'"},
		{name: "kafka struct key", format: Kafka, key: true, cols: cols(col("K", sF)), want: "The 'KAFKA' format does not support type 'STRUCT'"},
		{name: "kafka timestamp", format: Kafka, cols: cols(col("T", types.TTimestamp)), want: "The 'KAFKA' format does not support type 'TIMESTAMP'"},
		{name: "kafka map key", format: Kafka, key: true, cols: cols(col("K", mapID)),
			want: "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `K`. Column type: MAP<INTEGER, DOUBLE>. See https://github.com/confluentinc/ksql/issues/6621 for more."},
		{name: "nested map key", format: JSON, key: true, cols: cols(col("K", types.ArrayOf(mapID))),
			want: "Key column name: `K`. Column type: ARRAY<MAP<INTEGER, DOUBLE>>."},
		{name: "struct with map key", format: JSON, key: true, cols: cols(col("KSQL_COL_0", types.StructOf(types.Field{Name: "F", Type: types.MapOf(types.TString, types.TString)}))),
			want: "Key column name: `KSQL_COL_0`. Column type: STRUCT<`F` MAP<STRING, STRING>>."},
		// delimited.json
		{name: "delimited array key", format: Delimited, key: true, cols: cols(col("K", types.ArrayOf(types.TDouble))),
			want: "Key format does not support schema.\nformat: DELIMITED\nschema: Persistence{columns=[`K` ARRAY<DOUBLE> KEY], features=[]}\nreason: The 'DELIMITED' format does not support type 'ARRAY', column: `K`"},
		{name: "delimited struct key", format: Delimited, key: true, cols: cols(col("K", sF)), want: "The 'DELIMITED' format does not support type 'STRUCT'"},
		{name: "delimited map value", format: Delimited, cols: cols(col("KSQL_COL_0", mapID)), want: "The 'DELIMITED' format does not support type 'MAP'"},
		{name: "delimited primitives", format: Delimited, cols: cols(col("A", types.TBoolean), col("B", types.DecimalType(2, 1)), col("C", types.TBytes), col("D", types.TTime))},
		{name: "delimited wrap true", format: Delimited, cols: cols(col("FOO", types.TInt)), opts: &Options{WrapSingleValue: bp(true)},
			want: "Format 'DELIMITED' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{name: "delimited wrap false", format: Delimited, cols: cols(col("FOO", types.TInt)), opts: &Options{WrapSingleValue: bp(false)}},
		{name: "delimiter empty-ish", format: Delimited, cols: cols(col("FOO", types.TInt)), opts: &Options{Delimiter: " "},
			want: "Configuration VALUE_DELIMITER is invalid: Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'"},
		{name: "delimiter tab char", format: Delimited, cols: cols(col("FOO", types.TInt)), opts: &Options{Delimiter: "\t"}, want: "Delimiter cannot be empty"},
		{name: "key delimiter too long", format: Delimited, key: true, cols: cols(col("K", types.TInt)), opts: &Options{Delimiter: "||"}, want: "Configuration KEY_DELIMITER is invalid: Invalid delimiter value: '||'"},
		{name: "delimiter quote", format: Delimited, cols: cols(col("FOO", types.TInt)), opts: &Options{Delimiter: `"`}, want: "cannot be a quote"},
		{name: "json with delimiter", format: JSON, cols: cols(col("FOO", types.TInt)), opts: &Options{Delimiter: "|"}, want: "JSON does not support the following configs: [delimiter]"},
		// serdes.json
		{name: "wrap multi-field", format: JSON, cols: cols(col("F0", types.TString), col("F1", types.TString)), opts: &Options{WrapSingleValue: bp(true)},
			want: "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
		{name: "unwrap multi-field", format: JSON, cols: cols(col("F0", types.TString), col("F1", types.TString)), opts: &Options{WrapSingleValue: bp(false)},
			want: "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
		{name: "kafka wrap true", format: Kafka, cols: cols(col("FOO", types.TInt)), opts: &Options{WrapSingleValue: bp(true)},
			want: "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		// json.json
		{name: "json map int keys", format: JSON, cols: cols(col("FOO", mapID)), want: "JSON only supports MAP types with STRING keys"},
		{name: "json nested map int keys", format: JSON, cols: cols(col("FOO", types.ArrayOf(mapID))), want: "JSON only supports MAP types with STRING keys"},
		// none.json
		{name: "none keyed", format: None, key: true, cols: cols(col("K", types.TString)), want: "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]"},
		{name: "none value", format: None, cols: cols(col("FOO", types.TInt)), want: "The 'NONE' format can only be used when no columns are defined. Got: [`FOO` INTEGER]"},
		{name: "none keyless", format: None, key: true},
	}
	var golden_ strings.Builder
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateFormat(tc.format, tc.cols, tc.key)
			if err == nil && tc.opts != nil {
				err = ValidateOptions(tc.format, tc.cols, tc.key, *tc.opts)
			}
			// The constructors run the same checks.
			var cerr error
			o := Options{}
			if tc.opts != nil {
				o = *tc.opts
			}
			if tc.key {
				_, cerr = NewKeyCodec(tc.format, tc.cols, o)
			} else {
				_, cerr = NewValueCodec(tc.format, tc.cols, o)
			}
			if tc.want == "" {
				if err != nil || cerr != nil {
					t.Fatalf("want valid, got %v / %v", err, cerr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant substring %q", err, tc.want)
			}
			if cerr == nil || cerr.Error() != err.Error() {
				t.Fatalf("constructor error = %v, want %v", cerr, err)
			}
			fmt.Fprintf(&golden_, "%s\n----\n%s\n\n", tc.name, err)
		})
	}
	golden(t, "validate.golden", golden_.String())
}

// TestDecodeErrorTexts keeps the full text of decode errors, including the
// processing-log wrapping, in testdata/decode_errors.golden.
func TestDecodeErrorTexts(t *testing.T) {
	cases := []struct {
		name   string
		format string
		cols   []types.Column
		in     string
	}{
		{"json coerce", JSON, cols(col("A", types.TInt)), `{"A":"abc"}`},
		{"json convert", JSON, cols(col("A", types.TInt)), `{"a":true}`},
		{"json nested", JSON, cols(col("S", sNest)), `{"S":{"A":[1]}}`},
		{"json array element", JSON, cols(col("A", types.ArrayOf(types.ArrayOf(types.TInt)))), `{"A":[[1],[2,"x"]]}`},
		{"json syntax", JSON, cols(col("A", types.TInt)), `{"A" 1}`},
		{"json decimal fit", JSON, cols(col("A", types.DecimalType(3, 1))), `{"A":1234.5}`},
		{"delimited count", Delimited, cols(col("A", types.TInt), col("B", types.TInt), col("C", types.TInt)), `1,2`},
		{"delimited number", Delimited, cols(col("A", types.TInt)), `1.5`},
		{"delimited quote", Delimited, cols(col("A", types.TString)), `"a`},
		{"kafka size", Kafka, cols(col("A", types.TBigint)), `abc`},
	}
	var sb strings.Builder
	for _, tc := range cases {
		c := mustValue(t, tc.format, tc.cols, Options{})
		_, err := c.Decode([]byte(tc.in))
		if err == nil {
			t.Errorf("%s: Decode(%q) succeeded", tc.name, tc.in)
			continue
		}
		fmt.Fprintf(&sb, "%s: %s\n----\n%s\n\n", tc.name, tc.in, DeserializeError("input_topic", false, err))
	}
	golden(t, "decode_errors.golden", sb.String())
}
