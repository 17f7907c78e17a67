package conformance

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/catalog"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/sql/types"
)

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := parseJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func TestCompareValue(t *testing.T) {
	dec := types.DecimalType(10, 2)
	row := types.StructOf(
		types.Field{Name: "A", Type: types.TDouble},
		types.Field{Name: "B", Type: dec},
	)
	tests := []struct {
		name     string
		exp, act string
		typ      *types.Type
		ok       bool
	}{
		{"null", `null`, `null`, nil, true},
		{"null vs value", `null`, `1`, nil, false},
		{"bool", `true`, `true`, types.TBoolean, true},
		{"bool mismatch", `true`, `false`, types.TBoolean, false},
		{"string", `"a"`, `"a"`, types.TString, true},
		{"string vs number", `"1"`, `1`, types.TInt, false},
		{"decimal as text", `"1.50"`, `1.50`, dec, true},
		{"decimal as text wrong scale", `"1.5"`, `1.50`, dec, false},
		{"bytes as base64", `"AQI="`, `"AQI="`, types.TBytes, true},
		{"int exact", `10`, `10`, types.TInt, true},
		{"int differs", `10`, `11`, types.TBigint, false},
		{"double tolerance", `0.3`, `0.30000000000000004`, types.TDouble, true},
		{"double off", `0.3`, `0.3001`, types.TDouble, false},
		{"double vs integer literal", `1`, `1.0`, types.TDouble, true},
		{"double exponent", `1.0E10`, `10000000000.0`, types.TDouble, true},
		{"decimal exact", `12.30`, `12.30`, dec, true},
		{"decimal scale matters", `12.3`, `12.30`, dec, false},
		{"decimal integer literal needs scale 0", `12`, `12.00`, dec, false},
		{"decimal integer literal scale 0", `12`, `12`, types.DecimalType(5, 0), true},
		{"unknown type by value", `1.5`, `1.50`, nil, true},
		{"array", `[1,2]`, `[1,2]`, types.ArrayOf(types.TInt), true},
		{"array length", `[1,2]`, `[1]`, types.ArrayOf(types.TInt), false},
		{"array element", `[1,2]`, `[1,3]`, types.ArrayOf(types.TInt), false},
		{"object upper-case fallback", `{"a":1.0,"b":"1.00"}`, `{"A":1.0000000001,"B":1.00}`, row, true},
		{"object field count", `{"A":1}`, `{"A":1,"B":2}`, nil, false},
		{"object missing field", `{"C":1}`, `{"A":1}`, nil, false},
		{"object vs null", `{"A":1}`, `null`, row, false},
		{"nested map of struct", `{"M":{"k":{"X":[1.5]}}}`, `{"M":{"k":{"X":[1.5]}}}`,
			types.StructOf(types.Field{Name: "M", Type: types.MapOf(types.TString,
				types.StructOf(types.Field{Name: "X", Type: types.ArrayOf(types.TDouble)}))}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := compareValue(mustJSON(t, tt.exp), mustJSON(t, tt.act), tt.typ, "")
			if (d == "") != tt.ok {
				t.Errorf("compareValue(%s, %s) = %q, want match=%v", tt.exp, tt.act, d, tt.ok)
			}
		})
	}
}

func TestCompareHeaders(t *testing.T) {
	h := func(k string, v []byte) Header { return Header{Key: k, Value: v} }
	tests := []struct {
		name     string
		exp, act []Header
		ok       bool
	}{
		{"none expected, none got", nil, nil, true},
		{"none expected, some got", nil, []Header{h("a", []byte("x"))}, false},
		{"same", []Header{h("a", []byte("x")), h("b", nil)}, []Header{h("a", []byte("x")), h("b", nil)}, true},
		{"order matters", []Header{h("a", nil), h("b", nil)}, []Header{h("b", nil), h("a", nil)}, false},
		{"null vs empty", []Header{h("a", nil)}, []Header{h("a", []byte{})}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := compareHeaders(tt.exp, tt.act); (d == "") != tt.ok {
				t.Errorf("compareHeaders = %q, want match=%v", d, tt.ok)
			}
		})
	}
}

func TestNormalizeSchema(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ID INT KEY, NAME STRING", "`ID` INTEGER KEY, `NAME` STRING"},
		{"`ID` INTEGER KEY, `NAME` STRING", "`ID` INTEGER KEY, `NAME` STRING"},
		{"id bigint primary key, v DECIMAL(4,2)", "`ID` BIGINT PRIMARY KEY, `V` DECIMAL(4, 2)"},
		{"A STRUCT<B STRUCT<F1 INT, F2 STRING>>", "`A` STRUCT<`B` STRUCT<`F1` INTEGER, `F2` STRING>>"},
		{"M MAP<STRING, ARRAY<INT>>, `lower` VARCHAR", "`M` MAP<STRING, ARRAY<INTEGER>>, `lower` STRING"},
		{"H ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, X BYTES HEADER('k')",
			"`H` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, `X` BYTES HEADER('k')"},
	}
	for _, tt := range tests {
		got, err := NormalizeSchema(tt.in)
		if err != nil {
			t.Errorf("NormalizeSchema(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("NormalizeSchema(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, err := NormalizeSchema("A"); err == nil {
		t.Error("a column without a type must be an error")
	}
}

func TestMatchError(t *testing.T) {
	stmt := &ExpectedError{Type: "io.confluent.ksql.util.KsqlStatementException", Message: "does not exist"}
	parse := &ExpectedError{Type: "io.confluent.ksql.parser.exception.ParseFailedException", Message: "mismatched input"}
	tests := []struct {
		name   string
		exp    *ExpectedError
		msg    string
		cat    ast.Category
		hasCat bool
		ok     bool
	}{
		{"statement semantic", stmt, "Source X does not exist.", ast.CatalogError, true, true},
		{"message mismatch", stmt, "boom", ast.CatalogError, true, false},
		{"statement vs runtime", stmt, "does not exist", ast.RuntimeError, true, false},
		{"parse syntax", parse, "line 1:5: mismatched input 'x'", ast.SyntaxError, true, true},
		{"parse vs semantic", parse, "mismatched input", ast.SemanticError, true, false},
		{"uncategorised error", parse, "mismatched input", 0, false, true},
		{"unknown class", &ExpectedError{Type: "x.Weird", Message: "m"}, "m", ast.AssertError, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := matchError(tt.exp, tt.msg, tt.cat, tt.hasCat); (d == "") != tt.ok {
				t.Errorf("matchError = %q, want match=%v", d, tt.ok)
			}
		})
	}
}

func TestNormalizeMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"line 1:42: Can't find any functions with the name 'FOO'", "Can't find any functions with the name '_'"},
		{"Cannot add stream 'OUT': A stream with the same name already exists\nStatement: x", "Cannot add stream '_': A stream with the same name already exists"},
		{"processing log: query CSAS_OUT_3: Failed at `COL` 12 (topic t, partition 0, offset 3)", "Failed at `_` N"},
	}
	for _, tt := range tests {
		if got := normalizeMessage(tt.in); got != tt.want {
			t.Errorf("normalizeMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func source(keyFmt, valFmt string, cols ...types.Column) *catalog.Source {
	return &catalog.Source{Name: "S", Kind: ast.Stream, Topic: "t", Schema: types.Schema{Columns: cols},
		KeyFormat: catalog.FormatInfo{Format: keyFmt}, ValueFormat: catalog.FormatInfo{Format: valFmt}}
}

func TestSideRoundTrip(t *testing.T) {
	k := types.Column{Name: "K", Type: types.TInt, Namespace: types.KeyColumn}
	v := types.Column{Name: "V", Type: types.TDouble}
	w := types.Column{Name: "W", Type: types.TString}
	tests := []struct {
		name    string
		src     *catalog.Source
		key     string
		val     string
		keyRaw  []byte // expected encoding, nil to skip the check
		valRaw  []byte
		wantKey string // generic decoded, as JSON
		wantVal string
	}{
		{"kafka", source("KAFKA", "KAFKA", k, v), `7`, `1.5`,
			[]byte{0, 0, 0, 7}, []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, `7`, `1.5`},
		{"json wrapped", source("JSON", "JSON", k, v, w), `7`, `{"v":1.5,"W":"x"}`,
			[]byte(`7`), []byte(`{"W":"x","v":1.5}`), `7`, `{"W":"x","v":1.5}`},
		{"delimited", source("DELIMITED", "DELIMITED", k, v, w), `"7"`, `"1.5,x"`,
			[]byte("7"), []byte("1.5,x"), `"7"`, `"1.5,x"`},
		{"no source", nil, `"k"`, `{"A":1}`, []byte("k"), []byte(`{"A":1}`), `"k"`, `{"A":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, vs := keySide(tt.src), valueSide(tt.src)
			kb, err := ks.encode(mustJSON(t, tt.key))
			if err != nil {
				t.Fatal(err)
			}
			vb, err := vs.encode(mustJSON(t, tt.val))
			if err != nil {
				t.Fatal(err)
			}
			if tt.keyRaw != nil && !bytes.Equal(kb, tt.keyRaw) {
				t.Errorf("key bytes = %q, want %q", kb, tt.keyRaw)
			}
			if tt.valRaw != nil && !bytes.Equal(vb, tt.valRaw) {
				t.Errorf("value bytes = %q, want %q", vb, tt.valRaw)
			}
			gk, kt, err := ks.decode(kb)
			if err != nil {
				t.Fatal(err)
			}
			gv, vt, err := vs.decode(vb)
			if err != nil {
				t.Fatal(err)
			}
			if d := compareValue(mustJSON(t, tt.wantKey), gk, kt, ""); d != "" {
				t.Errorf("key: %s", d)
			}
			if d := compareValue(mustJSON(t, tt.wantVal), gv, vt, ""); d != "" {
				t.Errorf("value: %s", d)
			}
		})
	}
}

func TestEncodeNulls(t *testing.T) {
	src := source("KAFKA", "JSON", types.Column{Name: "K", Type: types.TString, Namespace: types.KeyColumn})
	for _, s := range []side{keySide(src), valueSide(src)} {
		b, err := s.encode(nil)
		if err != nil || b != nil {
			t.Errorf("encode(nil) = %q, %v; want a Kafka null", b, err)
		}
	}
	if _, err := keySide(source("KAFKA", "JSON", types.Column{Name: "K", Type: types.TInt, Namespace: types.KeyColumn})).
		encode("x"); err == nil {
		t.Error("a non-number for a KAFKA INT key must be an error")
	}
}

func TestFeatures(t *testing.T) {
	f := false
	k := types.Column{Name: "K", Type: types.TInt, Namespace: types.KeyColumn}
	v := types.Column{Name: "V", Type: types.TInt}
	src := source("JSON", "JSON", k, v)
	if got := features(keySide(src)); strings.Join(got, ",") != "UNWRAP_SINGLES" {
		t.Errorf("JSON single key features = %v", got)
	}
	if got := features(valueSide(src)); len(got) != 0 {
		t.Errorf("default value features = %v", got)
	}
	src.ValueFormat.WrapSingleValue = &f
	if got := features(valueSide(src)); strings.Join(got, ",") != "UNWRAP_SINGLES" {
		t.Errorf("unwrapped value features = %v", got)
	}
}

func TestReport(t *testing.T) {
	r := &Report{Cases: []CaseResult{
		{Name: "f - a", File: "f", Status: Pass},
		{Name: "f - b", File: "f", Status: Fail, Reason: "statement error: x\ny", Cause: "statement error: x"},
		{Name: "g - c", File: "g", Status: Fail, Reason: "statement error: x", Cause: "statement error: x"},
		{Name: "g - d", File: "g", Status: Skip, Reason: SkipSchemaRegistry},
	}}
	want := "FAIL f - b: statement error: x \\n y\nFAIL g - c: statement error: x\n" +
		"skipped (needs schema registry): 1\n1 passed, 2 failed, 1 skipped\n"
	if got := r.Summary(); got != want {
		t.Errorf("Summary:\n%s\nwant:\n%s", got, want)
	}
	cs := r.Causes()
	if len(cs) != 1 || cs[0].Count != 2 || cs[0].Example != "f - b" {
		t.Errorf("Causes = %+v", cs)
	}
	pf := r.PerFile()
	if len(pf) != 2 || pf[1].File != "g" || pf[1].Failed != 1 || pf[1].Skipped != 1 {
		t.Errorf("PerFile = %+v", pf)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Totals Totals
		Cases  []CaseResult
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Totals.Failed != 2 || len(doc.Cases) != 4 {
		t.Errorf("WriteJSON: %v %+v", err, doc.Totals)
	}
}
