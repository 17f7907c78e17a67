package serde

import (
	"math"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

func TestDelimitedDecode(t *testing.T) {
	k := func(ty *types.Type) []types.Column { return cols(col("K", ty)) }
	three := cols(col("ID", types.TBigint), col("NAME", types.TString), col("VALUE", types.TInt))
	runDecode(t, []decodeCase{
		// delimited.json: keys, plain and quoted.
		{name: "bool key", format: Delimited, key: true, cols: k(types.TBoolean), in: "true", want: "[bool(true)]"},
		{name: "bool key quoted", format: Delimited, key: true, cols: k(types.TBoolean), in: `"true"`, want: "[bool(true)]"},
		{name: "bool not true is false", format: Delimited, key: true, cols: k(types.TBoolean), in: `yes`, want: "[bool(false)]"},
		{name: "int key quoted", format: Delimited, key: true, cols: k(types.TInt), in: `"22"`, want: "[int32(22)]"},
		{name: "bigint key", format: Delimited, key: true, cols: k(types.TBigint), in: "998877665544332211", want: "[int64(998877665544332211)]"},
		{name: "double key quoted", format: Delimited, key: true, cols: k(types.TDouble), in: `"123.456"`, want: "[float64(123.456)]"},
		{name: "string key quoted", format: Delimited, key: true, cols: k(types.TString), in: `"You"`, want: `["You"]`},
		{name: "decimal key rescaled", format: Delimited, key: true, cols: k(dec64), in: `"12.0"`, want: "[dec(12.0000)]"},
		{name: "null key", format: Delimited, key: true, cols: k(types.TInt), nilIn: true, want: "[nil]"},
		{name: "multi-column key", format: Delimited, key: true, cols: cols(col("K1", types.TString), col("K2", types.TString)), in: `"foo","bar"`, want: `["foo" "bar"]`},
		{name: "multi-column key own delimiter", format: Delimited, key: true, opts: Options{Delimiter: ";"}, cols: cols(col("K1", types.TString), col("K2", types.TString)), in: `foo,bar;baz`, want: `["foo,bar" "baz"]`},
		// Values.
		{name: "single value", format: Delimited, cols: cols(col("FOO", types.TInt)), in: "10", want: "[int32(10)]"},
		{name: "row", format: Delimited, cols: three, in: "0,zero,0", want: `[int64(0) "zero" int32(0)]`},
		{name: "pipe", format: Delimited, opts: Options{Delimiter: "|"}, cols: three, in: "100|100|500", want: `[int64(100) "100" int32(500)]`},
		{name: "tab", format: Delimited, opts: Options{Delimiter: "TAB"}, cols: three, in: "0\tzero\t0", want: `[int64(0) "zero" int32(0)]`},
		{name: "space", format: Delimited, opts: Options{Delimiter: "SPACE"}, cols: three, in: "0 zero 0", want: `[int64(0) "zero" int32(0)]`},
		{name: "multi-byte delimiter", format: Delimited, opts: Options{Delimiter: "§"}, cols: three, in: "1§a,b§2", want: `[int64(1) "a,b" int32(2)]`},
		{name: "empty fields are null", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString), col("C", types.TInt)), in: ",,100", want: `[nil nil int32(100)]`},
		{name: "quoted empty is null", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TInt)), in: `"",1`, want: `[nil int32(1)]`},
		{name: "quotes and delimiters inside", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), in: `"a,""b""","x` + "\n" + `y"`, want: `["a,\"b\"" "x\ny"]`},
		{name: "quote inside unquoted field is literal", format: Delimited, cols: cols(col("A", types.TString)), in: `a"b`, want: `["a\"b"]`},
		{name: "trailing newline", format: Delimited, cols: three, in: "0,zero,0\r\n", want: `[int64(0) "zero" int32(0)]`},
		{name: "negative quoted date", format: Delimited, cols: cols(col("DATE", types.TDate)), in: `"-10"`, want: `[types.Date(-10)]`},
		{name: "temporal", format: Delimited, cols: cols(col("T", types.TTimestamp), col("TM", types.TTime)), in: `10,20`, want: `[types.Timestamp(10) types.Time(20)]`},
		{name: "decimal exact", format: Delimited, cols: cols(col("DEC", dec21)), in: "10.1234512345123451234", want: `[dec(10.1234512345123451234)]`},
		{name: "bytes", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TBytes)), in: `"!",IQ==`, want: `["!" bytes("!")]`},
		{name: "double java forms", format: Delimited, cols: cols(col("A", types.TDouble), col("B", types.TDouble), col("C", types.TDouble)), in: `4.9E-324,-Infinity,1d`, want: `[float64(5e-324) float64(-Inf) float64(1)]`},
		{name: "null value is tombstone", format: Delimited, cols: three, nilIn: true, want: "tombstone"},
		{name: "empty value is all nulls", format: Delimited, cols: three, in: "", want: "[nil nil nil]"},
		// Errors.
		{name: "too few fields", format: Delimited, cols: three, in: "1,a", err: "Column count mismatch on deserialization. expected: 3, got: 2"},
		{name: "too many fields", format: Delimited, cols: three, in: "1,a,2,3", err: "expected: 3, got: 4"},
		{name: "bad int", format: Delimited, cols: three, in: "1,a,x", err: "For input string: \"x\", column: `VALUE`"},
		{name: "int out of range", format: Delimited, cols: three, in: "1,a,2147483648", err: "For input string: \"2147483648\""},
		{name: "int with spaces", format: Delimited, cols: three, in: "1,a, 2", err: "For input string: \" 2\""},
		{name: "bad double", format: Delimited, cols: cols(col("A", types.TDouble)), in: "0x1p3", err: "For input string"},
		{name: "bad decimal", format: Delimited, cols: cols(col("A", dec42)), in: "1.2.3", err: "For input string"},
		{name: "decimal too big", format: Delimited, cols: cols(col("A", dec42)), in: "123", err: "Cannot fit decimal '123' into DECIMAL(4, 2)"},
		{name: "bad base64", format: Delimited, cols: cols(col("A", types.TBytes)), in: "%%", err: "Illegal base64"},
		{name: "unterminated quote", format: Delimited, cols: cols(col("A", types.TString)), in: `"abc`, err: "EOF reached before encapsulated token finished"},
		{name: "junk after quote", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), in: `"a"b,c`, err: "Invalid char between encapsulated token and delimiter"},
	})
}

func TestDelimitedEncode(t *testing.T) {
	three := cols(col("ID", types.TBigint), col("NAME", types.TString), col("VALUE", types.TInt))
	runEncode(t, []encodeCase{
		{name: "row", format: Delimited, cols: three, vals: []any{int64(0), "zero", int32(0)}, want: "0,zero,0"},
		{name: "custom delimiter", format: Delimited, opts: Options{Delimiter: "$"}, cols: three, vals: []any{int64(0), "100", int32(100)}, want: "0$100$100"},
		{name: "tab", format: Delimited, opts: Options{Delimiter: "tab"}, cols: three, vals: []any{int64(0), "zero", int32(0)}, want: "0\tzero\t0"},
		// date.json / group-by.json: Commons CSV quotes a first field that does not start alphanumeric.
		{name: "negative first field quoted", format: Delimited, cols: cols(col("D", types.TDate)), vals: []any{types.Date(-10)}, want: `"-10"`},
		{name: "negative first of three", format: Delimited, cols: cols(col("A", types.TInt), col("B", types.TString), col("C", types.TInt)), vals: []any{int32(-1), "a", int32(1)}, want: `"-1",a,1`},
		{name: "negative later fields plain", format: Delimited, cols: cols(col("A", types.TInt), col("B", types.TString), col("C", types.TInt)), vals: []any{int32(1), "a", int32(-1)}, want: `1,a,-1`},
		// bytes-and-strings.json: leading characters <= '#' are quoted anywhere.
		{name: "bang and hash", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TBytes), col("C", types.TString)), vals: []any{"!", []byte("!"), "!"}, want: `"!",IQ==,"!"`},
		{name: "hash", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TBytes), col("C", types.TString)), vals: []any{"#", []byte("#"), "#"}, want: `"#",Iw==,"#"`},
		// joins.json / project-filter.json: nulls are empty and never quoted.
		{name: "leading nulls", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString), col("C", types.TInt), col("D", types.TString), col("E", types.TInt)), vals: []any{nil, nil, int32(100), "newblah", int32(150)}, want: ",,100,newblah,150"},
		{name: "all nulls", format: Delimited, cols: cols(col("A", types.TInt), col("B", types.TInt)), vals: []any{nil, nil}, want: ","},
		{name: "single null value encodes empty", format: Delimited, cols: cols(col("A", types.TInt)), vals: []any{nil}, want: ""},
		{name: "null key is a Kafka null", format: Delimited, key: true, cols: cols(col("K", types.TInt)), vals: []any{nil}, nilOut: true},
		// string.json: surrounding white space and an empty string.
		{name: "white space", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString), col("C", types.TString), col("D", types.TString)),
			vals: []any{" \t with white space \t", " \t WITH WHITE SPACE \t", "with white space", "\t wit"},
			want: "\" \t with white space \t\",\" \t WITH WHITE SPACE \t\",with white space,\"\t wit\""},
		{name: "empty string last", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), vals: []any{"s", ""}, want: "s,"},
		{name: "empty string first", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), vals: []any{"", "s"}, want: `"",s`},
		{name: "embedded quotes", format: Delimited, cols: cols(col("A", types.TString)), vals: []any{`" + x + "`}, want: `""" + x + """`},
		{name: "delimiter inside", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), vals: []any{"x", "a,b"}, want: `x,"a,b"`},
		{name: "newline inside", format: Delimited, cols: cols(col("A", types.TString), col("B", types.TString)), vals: []any{"x", "a\nb"}, want: "x,\"a\nb\""},
		{name: "non-ascii first", format: Delimited, cols: cols(col("A", types.TString)), vals: []any{"é"}, want: `"é"`},
		// literals.json: doubles as Java prints them.
		{name: "doubles", format: Delimited, cols: cols(col("A", types.TInt), col("B", types.TDouble), col("C", types.TDouble), col("D", types.TDouble), col("E", types.TDouble)),
			vals: []any{int32(0), 4.9e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.0}, want: "0,4.9E-324,-2.2250738585072014E-308,1.7976931348623157E308,0.0"},
		{name: "decimal scale", format: Delimited, key: true, cols: cols(col("K", dec64)), vals: []any{dec("12.0000")}, want: "12.0000"},
		{name: "bool and temporal", format: Delimited, cols: cols(col("A", types.TBoolean), col("T", types.TTimestamp), col("D", types.TDate), col("TM", types.TTime)),
			vals: []any{true, types.Timestamp(10), types.Date(3), types.Time(4)}, want: "true,10,3,4"},
		{name: "multi-byte delimiter", format: Delimited, opts: Options{Delimiter: "§"}, cols: cols(col("A", types.TString), col("B", types.TString)), vals: []any{"a", "b§c"}, want: `a§"b§c"`},
		{name: "wrong go type", format: Delimited, cols: cols(col("A", types.TInt)), vals: []any{"x"}, err: "does not match column type INTEGER"},
	})
}

func TestDelimitedRoundTrip(t *testing.T) {
	all := cols(col("B", types.TBoolean), col("I", types.TInt), col("L", types.TBigint), col("D", types.TDouble),
		col("DEC", types.DecimalType(10, 3)), col("S", types.TString), col("BY", types.TBytes),
		col("TS", types.TTimestamp), col("DT", types.TDate), col("TM", types.TTime))
	rows := [][]any{
		{true, int32(-5), int64(math.MaxInt64), 1.5e-7, dec("-1234567.125"), "-a,\"b\"\n ", []byte{0, 255},
			types.Timestamp(-1), types.Date(19000), types.Time(86399999)},
		{false, int32(math.MinInt32), int64(math.MinInt64), math.NaN(), dec("0.000"), "x", []byte{1},
			types.Timestamp(0), types.Date(0), types.Time(0)},
		make([]any, len(all)),
	}
	for _, delim := range []string{"", "|", "TAB", "SPACE", "€"} {
		c := mustValue(t, Delimited, all, Options{Delimiter: delim})
		for i, row := range rows {
			b, err := c.Encode(row)
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatalf("row %d: decode %q: %v", i, b, err)
			}
			if dump(got) != dump(row) {
				t.Errorf("delim %q row %d: round trip via %q\n got %s\nwant %s", delim, i, b, dump(got), dump(row))
			}
		}
	}
}
