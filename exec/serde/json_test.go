package serde

import (
	"math"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

var (
	dec64  = types.DecimalType(6, 4)
	dec42  = types.DecimalType(4, 2)
	dec21  = types.DecimalType(21, 19)
	dec3k  = types.DecimalType(33, 16)
	sF     = types.StructOf(types.Field{Name: "F", Type: types.TDouble})
	sNest  = types.StructOf(types.Field{Name: "A", Type: types.TInt}, types.Field{Name: "b", Type: types.ArrayOf(types.TString)})
	mapSI  = types.MapOf(types.TString, types.TInt)
	mapSMS = types.MapOf(types.TString, types.MapOf(types.TString, types.TInt))
)

type decodeCase struct {
	name   string
	format string
	cols   []types.Column
	opts   Options
	key    bool
	in     string
	nilIn  bool
	want   string // dump of the result
	err    string // substring of the error
}

func runDecode(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c Codec
			if tc.key {
				c = mustKey(t, tc.format, tc.cols, tc.opts)
			} else {
				c = mustValue(t, tc.format, tc.cols, tc.opts)
			}
			in := []byte(tc.in)
			if tc.nilIn {
				in = nil
			}
			got, err := c.Decode(in)
			checkDecodeInto(t, c, in, got, err)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Decode(%q) error = %v, want %q (got %s)", tc.in, err, tc.err, dump(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%q): %v", tc.in, err)
			}
			if got == nil {
				if tc.want != "tombstone" {
					t.Fatalf("Decode(%q) = tombstone, want %s", tc.in, tc.want)
				}
				return
			}
			if d := dump(got); d != tc.want {
				t.Fatalf("Decode(%q) = %s, want %s", tc.in, d, tc.want)
			}
		})
	}
}

func TestJSONDecode(t *testing.T) {
	v := func(ty *types.Type) []types.Column { return cols(col("V", ty)) }
	unwrap := Options{WrapSingleValue: bp(false)}
	runDecode(t, []decodeCase{
		// json.json: keys are unwrapped single values.
		{name: "bool key true", format: JSON, key: true, cols: cols(col("K", types.TBoolean)), in: "true", want: "[bool(true)]"},
		{name: "bool key null", format: JSON, key: true, cols: cols(col("K", types.TBoolean)), in: "null", want: "[nil]"},
		{name: "key kafka null", format: JSON, key: true, cols: cols(col("K", types.TBoolean)), nilIn: true, want: "[nil]"},
		{name: "bigint key", format: JSON, key: true, cols: cols(col("K", types.TBigint)), in: "998877665544332211", want: "[int64(998877665544332211)]"},
		{name: "double key", format: JSON, key: true, cols: cols(col("K", types.TDouble)), in: "654.321", want: "[float64(654.321)]"},
		{name: "string key", format: JSON, key: true, cols: cols(col("K", types.TString)), in: `"Hey"`, want: `["Hey"]`},
		{name: "decimal key rescaled", format: JSON, key: true, cols: cols(col("K", dec64)), in: "12.365", want: "[dec(12.3650)]"},
		{name: "struct key case-insensitive", format: JSON, key: true, cols: cols(col("K", sF)), in: `{"f": 45.67}`, want: "[struct{float64(45.67)}]"},
		{name: "multi-column key", format: JSON, key: true, cols: cols(col("K1", types.TString), col("K2", types.TInt)), in: `{"K1":"a","k2":2}`, want: `["a" int32(2)]`},
		// json.json: anonymous (unwrapped) values.
		{name: "unwrapped bool", format: JSON, cols: v(types.TBoolean), opts: unwrap, in: "false", want: "[bool(false)]"},
		{name: "unwrapped int", format: JSON, cols: v(types.TInt), opts: unwrap, in: "10", want: "[int32(10)]"},
		{name: "unwrapped bigint", format: JSON, cols: v(types.TBigint), opts: unwrap, in: "10827272222", want: "[int64(10827272222)]"},
		{name: "unwrapped double", format: JSON, cols: v(types.TDouble), opts: unwrap, in: "1234.589", want: "[float64(1234.589)]"},
		{name: "unwrapped decimal", format: JSON, cols: v(dec42), opts: unwrap, in: "10.1", want: "[dec(10.10)]"},
		{name: "unwrapped array", format: JSON, cols: v(types.ArrayOf(types.TDouble)), opts: unwrap, in: "[10.1]", want: "[[float64(10.1)]]"},
		{name: "unwrapped map", format: JSON, cols: v(types.MapOf(types.TString, types.TDouble)), opts: unwrap, in: `{"a": 45.67}`, want: `[map{"a":float64(45.67)}]`},
		{name: "unwrapped struct", format: JSON, cols: v(types.StructOf(types.Field{Name: "A", Type: types.TDouble})), opts: unwrap, in: `{"a": 45.67}`, want: "[struct{float64(45.67)}]"},
		{name: "unwrapped array with nulls", format: JSON, cols: v(types.ArrayOf(types.TString)), opts: unwrap, in: `["a", "b", null]`, want: `[["a" "b" nil]]`},
		{name: "unwrapped array coercion", format: JSON, cols: v(types.ArrayOf(types.TString)), opts: unwrap, in: `[1, 2, 3]`, want: `[["1" "2" "3"]]`},
		{name: "unwrapped map with null", format: JSON, cols: v(mapSI), opts: unwrap, in: `{"a": 1, "b": 2, "c": null}`, want: `[map{"a":int32(1) "b":int32(2) "c":nil}]`},
		{name: "unwrapped null", format: JSON, cols: v(types.TInt), opts: unwrap, in: "null", want: "[nil]"},
		{name: "unwrapped struct no match", format: JSON, cols: v(sF), opts: unwrap, in: `{"x":1}`, want: "[struct{nil}]"},
		// serdes.json: ksql.persistence.wrap.single.values=false reads a bare string.
		{name: "unwrapped string", format: JSON, cols: v(types.TString), opts: unwrap, in: `"bar"`, want: `["bar"]`},
		// Wrapped values.
		{name: "wrapped nested map in map", format: JSON, cols: cols(col("FOO", mapSMS)), in: `{"FOO": {"Nested": {"a": 1, "b": 2, "c": null}}}`, want: `[map{"Nested":map{"a":int32(1) "b":int32(2) "c":nil}}]`},
		{name: "wrapped null field", format: JSON, cols: cols(col("FOO", mapSI)), in: `{"FOO": null}`, want: "[nil]"},
		{name: "wrapped null document", format: JSON, cols: cols(col("FOO", mapSI)), in: `null`, want: "tombstone"},
		{name: "empty is tombstone", format: JSON, cols: cols(col("FOO", mapSI)), in: ``, want: "tombstone"},
		{name: "whitespace is tombstone", format: JSON, cols: cols(col("FOO", mapSI)), in: "  \n", want: "tombstone"},
		{name: "missing and unknown fields", format: JSON, cols: cols(col("A", types.TInt), col("B", types.TString)), in: `{"X":{"deep":[1,{"y":"\u00e9"}]},"a":1}`, want: `[int32(1) nil]`},
		{name: "exact name beats upper-cased", format: JSON, cols: cols(col("ID", types.TInt)), in: `{"ID":1,"id":2}`, want: `[int32(1)]`},
		{name: "exact name beats upper-cased, reversed", format: JSON, cols: cols(col("ID", types.TInt)), in: `{"id":2,"ID":1}`, want: `[int32(1)]`},
		{name: "quoted lower-case column needs exact name", format: JSON, cols: cols(col("id!", types.TInt)), in: `{"ID!":2}`, want: `[nil]`},
		{name: "quoted mixed-case column", format: JSON, cols: cols(col("Value", types.TInt)), in: `{"Value":2}`, want: `[int32(2)]`},
		{name: "duplicate key last wins", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":1,"A":3}`, want: `[int32(3)]`},
		{name: "escaped key", format: JSON, cols: cols(col("A", types.TInt)), in: `{"\u0041":7}`, want: `[int32(7)]`},
		{name: "non-ascii key upper-cased", format: JSON, cols: cols(col("É", types.TInt)), in: `{"é":7}`, want: `[int32(7)]`},
		{name: "trailing content ignored", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":1} trailing`, want: `[int32(1)]`},
		{name: "struct in struct", format: JSON, cols: cols(col("S", sNest)), in: `{"s":{"a":1,"b":["x",null]}}`, want: `[struct{int32(1) ["x" nil]}]`},
		// decimal.json.
		{name: "decimal exact", format: JSON, cols: cols(col("DEC", dec21)), in: `{"DEC": 10.123451234512345}`, want: `[dec(10.1234512345123450000)]`},
		{name: "decimal keeps scale", format: JSON, cols: cols(col("DEC", dec64)), in: `{"DEC": 10.0}`, want: `[dec(10.0000)]`},
		{name: "decimal long text", format: JSON, cols: cols(col("DEC", dec3k)), in: `{"DEC": 12345678987654321.2345678987654321}`, want: `[dec(12345678987654321.2345678987654321)]`},
		{name: "decimal from string", format: JSON, cols: cols(col("DEC", dec42)), in: `{"DEC": "1.5"}`, want: `[dec(1.50)]`},
		{name: "decimal from exponent", format: JSON, cols: cols(col("DEC", dec42)), in: `{"DEC": 1.5e1}`, want: `[dec(15.00)]`},
		{name: "decimal rounds half up", format: JSON, cols: cols(col("DEC", dec42)), in: `{"DEC": 1.005}`, want: `[dec(1.01)]`},
		// Coercions (KsqlJsonDeserializer).
		{name: "int from string", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":"-12"}`, want: `[int32(-12)]`},
		{name: "int from fraction truncates", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":1.9}`, want: `[int32(1)]`},
		{name: "int keeps low bits", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":4294967297}`, want: `[int32(1)]`},
		{name: "bigint keeps low bits", format: JSON, cols: cols(col("A", types.TBigint)), in: `{"A":18446744073709551617}`, want: `[int64(1)]`},
		{name: "bigint from huge fraction", format: JSON, cols: cols(col("A", types.TBigint)), in: `{"A":18446744073709551617.9}`, want: `[int64(1)]`},
		{name: "double from int", format: JSON, cols: cols(col("A", types.TDouble)), in: `{"A":3}`, want: `[float64(3)]`},
		{name: "double from string", format: JSON, cols: cols(col("A", types.TDouble)), in: `{"A":" 2.5 "}`, want: `[float64(2.5)]`},
		{name: "double NaN string", format: JSON, cols: cols(col("A", types.TDouble)), in: `{"A":"NaN"}`, want: `[float64(NaN)]`},
		{name: "double overflow", format: JSON, cols: cols(col("A", types.TDouble)), in: `{"A":1e400}`, want: `[float64(+Inf)]`},
		{name: "bool from string", format: JSON, cols: cols(col("A", types.TBoolean)), in: `{"A":"TRUE"}`, want: `[bool(true)]`},
		{name: "string from number", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":1.50}`, want: `["1.50"]`},
		{name: "string from bool", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":false}`, want: `["false"]`},
		{name: "string from object", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":{ "x" : [1, "a b"] }}`, want: `["{\"x\":[1,\"a b\"]}"]`},
		{name: "string from array", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":[1, "x", null, {"k": 1}]}`, want: `["[1, x, null, {\"k\":1}]"]`},
		{name: "string escapes", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":"a\"b\\c\n\u00e9\ud83d\ude00"}`, want: `["a\"b\\c\né😀"]`},
		{name: "lone surrogate", format: JSON, cols: cols(col("A", types.TString)), in: `{"A":"\ud83d"}`, want: `["�"]`},
		{name: "timestamp", format: JSON, cols: cols(col("A", types.TTimestamp)), in: `{"A":1234}`, want: `[types.Timestamp(1234)]`},
		{name: "timestamp from string", format: JSON, cols: cols(col("A", types.TTimestamp)), in: `{"A":"1234"}`, want: `[types.Timestamp(1234)]`},
		{name: "date", format: JSON, cols: cols(col("A", types.TDate)), in: `{"A":-10}`, want: `[types.Date(-10)]`},
		{name: "time", format: JSON, cols: cols(col("A", types.TTime)), in: `{"A":3600000}`, want: `[types.Time(3600000)]`},
		{name: "bytes", format: JSON, cols: cols(col("A", types.TBytes)), in: `{"A":"dmFyaWF0aW9ucw=="}`, want: `[bytes("variations")]`},
		{name: "bytes without padding", format: JSON, cols: cols(col("A", types.TBytes)), in: `{"A":"IQ"}`, want: `[bytes("!")]`},
		// Errors.
		{name: "int from bad string", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":"abc"}`, err: "Can't coerce string to type. targetType: INTEGER, path: $.A"},
		{name: "int from bool", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":true}`, err: "Can't convert type. sourceType: BooleanNode, requiredType: INTEGER, path: $.A"},
		{name: "bool from int", format: JSON, cols: cols(col("A", types.TBoolean)), in: `{"A":1}`, err: "Can't convert type. sourceType: IntNode, requiredType: BOOLEAN, path: $.A"},
		{name: "bool from long", format: JSON, cols: cols(col("A", types.TBoolean)), in: `{"A":10000000000}`, err: "sourceType: LongNode, requiredType: BOOLEAN"},
		{name: "bool from decimal", format: JSON, cols: cols(col("A", types.TBoolean)), in: `{"A":1.5}`, err: "sourceType: DecimalNode, requiredType: BOOLEAN"},
		{name: "array from text", format: JSON, cols: cols(col("A", types.ArrayOf(types.TInt))), in: `{"A":"x"}`, err: "Can't convert type. sourceType: TextNode, requiredType: ARRAY, path: $.A"},
		{name: "nested path", format: JSON, cols: cols(col("S", sNest)), in: `{"S":{"a":{}}}`, err: "Can't convert type. sourceType: ObjectNode, requiredType: INTEGER, path: $.S.A"},
		{name: "nested element path", format: JSON, cols: cols(col("A", types.ArrayOf(types.TInt))), in: `{"A":[1,"x"]}`, err: "targetType: INTEGER, path: $.A[1]"},
		{name: "map value path", format: JSON, cols: cols(col("M", mapSI)), in: `{"M":{"k":[]}}`, err: "requiredType: INTEGER, path: $.M.k"},
		{name: "row not an object", format: JSON, cols: cols(col("A", types.TInt), col("B", types.TInt)), in: `[1,2]`, err: "Can't convert type. sourceType: ArrayNode, requiredType: STRUCT, path: $"},
		{name: "unwrapped wrong type", format: JSON, cols: v(types.TInt), opts: unwrap, in: `{"V":1}`, err: "sourceType: ObjectNode, requiredType: INTEGER, path: $"},
		{name: "decimal too big", format: JSON, cols: cols(col("D", dec42)), in: `{"D":123.4}`, err: "Cannot fit decimal '123.4' into DECIMAL(4, 2) without rounding"},
		{name: "bad base64", format: JSON, cols: cols(col("A", types.TBytes)), in: `{"A":"!!"}`, err: "Can't coerce string to type. targetType: BYTES"},
		{name: "bytes from number", format: JSON, cols: cols(col("A", types.TBytes)), in: `{"A":1}`, err: "sourceType: IntNode, requiredType: BYTES"},
		{name: "syntax unterminated", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":1`, err: "Invalid JSON at offset 6: unexpected end of input"},
		{name: "syntax bad literal", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":nul}`, err: "Invalid JSON"},
		{name: "syntax in skipped field", format: JSON, cols: cols(col("A", types.TInt)), in: `{"B":[1,}`, err: "Invalid JSON"},
		{name: "syntax leading zero", format: JSON, cols: cols(col("A", types.TInt)), in: `{"A":01}`, err: "Invalid JSON"},
		{name: "control char in string", format: JSON, cols: cols(col("A", types.TString)), in: "{\"A\":\"a\x01\"}", err: "control character"},
		{name: "too deep", format: JSON, cols: cols(col("A", types.TInt)), in: `{"B":` + strings.Repeat("[", 1200) + strings.Repeat("]", 1200) + `}`, err: "nesting depth"},
	})
}

type encodeCase struct {
	name   string
	format string
	cols   []types.Column
	opts   Options
	key    bool
	vals   []any
	want   string
	nilOut bool
	err    string
}

func runEncode(t *testing.T, cases []encodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c Codec
			if tc.key {
				c = mustKey(t, tc.format, tc.cols, tc.opts)
			} else {
				c = mustValue(t, tc.format, tc.cols, tc.opts)
			}
			got, err := c.Encode(tc.vals)
			checkAppendEncode(t, c, tc.vals, got, err)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Encode error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if tc.nilOut {
				if got != nil {
					t.Fatalf("Encode = %q, want a Kafka null", got)
				}
				return
			}
			if got == nil || string(got) != tc.want {
				t.Fatalf("Encode = %q (nil=%v), want %q", got, got == nil, tc.want)
			}
		})
	}
}

func TestJSONEncode(t *testing.T) {
	unwrap := Options{WrapSingleValue: bp(false)}
	runEncode(t, []encodeCase{
		{name: "bool key", format: JSON, key: true, cols: cols(col("K", types.TBoolean)), vals: []any{true}, want: "true"},
		{name: "null key", format: JSON, key: true, cols: cols(col("K", types.TBoolean)), vals: []any{nil}, nilOut: true},
		{name: "struct key", format: JSON, key: true, cols: cols(col("K", sF)), vals: []any{st(45.67)}, want: `{"F":45.67}`},
		{name: "multi key", format: JSON, key: true, cols: cols(col("K1", types.TString), col("K2", types.TString)), vals: []any{"foo", "bar"}, want: `{"K1":"foo","K2":"bar"}`},
		{name: "multi key nulls", format: JSON, key: true, cols: cols(col("K1", types.TString), col("K2", types.TString)), vals: []any{nil, nil}, want: `{"K1":null,"K2":null}`},
		{name: "wrapped row", format: JSON, cols: cols(col("ID", types.TBigint), col("NAME", types.TString), col("VALUE", types.TInt)), vals: []any{int64(0), "zero", int32(0)}, want: `{"ID":0,"NAME":"zero","VALUE":0}`},
		{name: "all null row still encodes", format: JSON, cols: cols(col("A", types.TInt), col("B", types.TString)), vals: []any{nil, nil}, want: `{"A":null,"B":null}`},
		{name: "wrapped single null", format: JSON, cols: cols(col("FOO", types.TInt)), vals: []any{nil}, want: `{"FOO":null}`},
		{name: "unwrapped int", format: JSON, cols: cols(col("V", types.TInt)), opts: unwrap, vals: []any{int32(123)}, want: "123"},
		{name: "unwrapped null is a Kafka null", format: JSON, cols: cols(col("V", types.TInt)), opts: unwrap, vals: []any{nil}, nilOut: true},
		{name: "unwrapped array", format: JSON, cols: cols(col("FOO", types.ArrayOf(types.TBigint))), opts: unwrap, vals: []any{[]any{int64(12), int64(34), nil}}, want: "[12,34,null]"},
		{name: "unwrapped map", format: JSON, cols: cols(col("FOO", types.MapOf(types.TString, types.TDouble))), opts: unwrap, vals: []any{mp("a", 1.1, "b", 2.2, "c", 3.456)}, want: `{"a":1.1,"b":2.2,"c":3.456}`},
		{name: "unwrapped struct", format: JSON, cols: cols(col("FOO", types.StructOf(types.Field{Name: "F0", Type: types.TInt}))), opts: unwrap, vals: []any{st(nil)}, want: `{"F0":null}`},
		{name: "map null key", format: JSON, cols: cols(col("V0", mapSI)), vals: []any{mp(nil, int32(1))}, want: `{"V0":{"null":1}}`},
		{name: "double as java", format: JSON, cols: cols(col("D", types.TDouble)), vals: []any{3.0}, want: `{"D":3.0}`},
		{name: "double large", format: JSON, cols: cols(col("D", types.TDouble)), vals: []any{1e10}, want: `{"D":1.0E10}`},
		{name: "double NaN", format: JSON, cols: cols(col("D", types.TDouble)), vals: []any{math.NaN()}, want: `{"D":"NaN"}`},
		{name: "decimal keeps scale", format: JSON, cols: cols(col("V0", types.DecimalType(12, 2))), vals: []any{dec("0.00")}, want: `{"V0":0.00}`},
		{name: "decimal small", format: JSON, cols: cols(col("V0", types.DecimalType(12, 2))), vals: []any{dec("0.05")}, want: `{"V0":0.05}`},
		{name: "bytes base64", format: JSON, cols: cols(col("B", types.TBytes)), vals: []any{[]byte("variations")}, want: `{"B":"dmFyaWF0aW9ucw=="}`},
		{name: "temporal", format: JSON, cols: cols(col("T", types.TTimestamp), col("D", types.TDate), col("TM", types.TTime)), vals: []any{types.Timestamp(10), types.Date(-10), types.Time(5)}, want: `{"T":10,"D":-10,"TM":5}`},
		{name: "string escapes", format: JSON, cols: cols(col("S", types.TString)), vals: []any{"a\"b\\c\n\x01é\xff</"}, want: `{"S":"a\"b\\c\n\u0001é` + "\ufffd" + `</"}`},
		{name: "quoted column names", format: JSON, cols: cols(col("id!", types.TInt)), vals: []any{int32(10)}, want: `{"id!":10}`},
		{name: "struct case kept", format: JSON, cols: cols(col("VAL", types.StructOf(types.Field{Name: "FOO", Type: types.DecimalType(2, 1)}, types.Field{Name: "bar", Type: types.ArrayOf(types.TString)}))), vals: []any{st(dec("2.1"), []any{"bar"})}, want: `{"VAL":{"FOO":2.1,"bar":["bar"]}}`},
		{name: "wrong go type", format: JSON, cols: cols(col("A", types.TInt)), vals: []any{"x"}, err: "does not match column type INTEGER"},
		{name: "wrong count", format: JSON, cols: cols(col("A", types.TInt)), vals: []any{}, err: "got 0 values for 1 columns"},
		{name: "struct arity", format: JSON, cols: cols(col("S", sF)), vals: []any{st()}, err: "struct value has 0 fields"},
	})
}

// TestJSONRoundTrip encodes every type and decodes the bytes back.
func TestJSONRoundTrip(t *testing.T) {
	all := cols(
		col("B", types.TBoolean), col("I", types.TInt), col("L", types.TBigint), col("D", types.TDouble),
		col("DEC", types.DecimalType(10, 3)), col("S", types.TString), col("BY", types.TBytes),
		col("TS", types.TTimestamp), col("DT", types.TDate), col("TM", types.TTime),
		col("A", types.ArrayOf(types.TInt)), col("M", mapSMS), col("ST", sNest),
	)
	rows := [][]any{
		{true, int32(-5), int64(math.MaxInt64), 1.5e-7, dec("-1234567.125"), "héllo \"q\"", []byte{0, 255},
			types.Timestamp(-1), types.Date(19000), types.Time(86399999),
			[]any{int32(1), nil}, mp("x", mp("y", int32(2))), st(int32(3), []any{"s", nil})},
		{false, int32(math.MinInt32), int64(math.MinInt64), math.Inf(-1), dec("0.000"), "", []byte{},
			types.Timestamp(0), types.Date(0), types.Time(0), []any{}, mp(), st(nil, nil)},
		make([]any, len(all)),
	}
	for _, key := range []bool{false, true} {
		var c Codec
		if key {
			// MAP columns cannot be keys: compare against a copy without M.
			c = &dropCol{Codec: mustKey(t, JSON, append(all[:11:11], all[12]), Options{}), drop: 11}
		} else {
			c = mustValue(t, JSON, all, Options{})
		}
		for i, row := range rows {
			b, err := c.Encode(row)
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatalf("row %d: decode %s: %v", i, b, err)
			}
			if dump(got) != dump(row) {
				t.Errorf("row %d key=%v: round trip via %s\n got %s\nwant %s", i, key, b, dump(got), dump(row))
			}
		}
	}
}

// dropCol hides one column from a codec so a row shaped for another schema
// round-trips through it (the dropped column decodes as its original value).
type dropCol struct {
	Codec
	drop int
	kept any
}

func (d *dropCol) Encode(vals []any) ([]byte, error) {
	d.kept = vals[d.drop]
	rest := append(append([]any{}, vals[:d.drop]...), vals[d.drop+1:]...)
	return d.Codec.Encode(rest)
}

func (d *dropCol) Decode(b []byte) ([]any, error) {
	vals, err := d.Codec.Decode(b)
	if err != nil {
		return nil, err
	}
	out := append(append(append([]any{}, vals[:d.drop]...), d.kept), vals[d.drop:]...)
	return out, nil
}
