package serde

import (
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

// The fuzz targets check that no input panics and that whatever decodes
// re-encodes and decodes to the same values. Seeds live in
// testdata/fuzz/<Target>/ and run as part of go test.

func fuzzRoundTrip(t *testing.T, c Codec, data []byte) {
	vals, err := c.Decode(data)
	checkDecodeInto(t, c, data, vals, err)
	if err != nil || vals == nil {
		return
	}
	b, err := c.Encode(vals)
	checkAppendEncode(t, c, vals, b, err)
	if err != nil {
		t.Fatalf("%s: decoded %q to %s but cannot encode it: %v", c.Format(), data, dump(vals), err)
	}
	if len(b) == 0 {
		return // a single null (or keyless) side encodes as a Kafka null / empty record
	}
	again, err := c.Decode(b)
	if err != nil {
		t.Fatalf("%s: re-decoding %q (from %q): %v", c.Format(), b, data, err)
	}
	if dump(again) != dump(vals) {
		t.Fatalf("%s: round trip of %q via %q:\n got %s\nwant %s", c.Format(), data, b, dump(again), dump(vals))
	}
}

func fuzzColumns() []types.Column {
	return cols(col("B", types.TBoolean), col("I", types.TInt), col("L", types.TBigint), col("D", types.TDouble),
		col("DEC", types.DecimalType(12, 3)), col("S", types.TString), col("BY", types.TBytes),
		col("TS", types.TTimestamp), col("DT", types.TDate), col("TM", types.TTime))
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"B":true,"I":1,"L":2,"D":1.5,"DEC":1.25,"S":"x","BY":"IQ==","TS":1,"DT":2,"TM":3,"A":[1,null],"M":{"k":{"x":1}},"ST":{"a":1,"b":["y"]}}`))
	f.Add([]byte(`{"s":{"z":[1,2]},"i":"12","d":"NaN","dec":"1e2"}`))
	f.Add([]byte(`[1,"a",null]`))
	f.Add([]byte(`"\ud83d\ude00"`))
	values := append(fuzzColumns(),
		col("A", types.ArrayOf(types.TInt)), col("M", mapSMS), col("ST", sNest))
	codecs := []Codec{
		mustValue(f, JSON, values, Options{}),
		mustValue(f, JSON, cols(col("V", types.TString)), Options{WrapSingleValue: bp(false)}),
		mustValue(f, JSON, cols(col("V", types.ArrayOf(types.TDouble))), Options{WrapSingleValue: bp(false)}),
		mustValue(f, JSON, cols(col("V", sNest)), Options{WrapSingleValue: bp(false)}),
		mustKey(f, JSON, cols(col("K", types.TBigint)), Options{}),
		mustKey(f, JSON, cols(col("K1", types.TString), col("K2", types.DecimalType(4, 2))), Options{}),
	}
	// One Scratch across inputs: the key memo is hit, missed and replaced
	// by documents of every shape.
	var shared Scratch
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range codecs {
			fuzzRoundTrip(t, c, data)
			want, wantErr := c.Decode(data)
			dst := make([]any, columnsOf(c))
			err := DecodeInto(c, dst, data, &shared)
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("DecodeInto(%q) with a used Scratch: error %v, Decode error %v", data, err, wantErr)
			}
			full := make([]any, len(dst))
			copy(full, want)
			if err == nil && dump(dst) != dump(full) {
				t.Fatalf("DecodeInto(%q) with a used Scratch = %s, Decode = %s", data, dump(dst), dump(want))
			}
		}
	})
}

func FuzzDecodeDelimited(f *testing.F) {
	f.Add([]byte(`true,1,2,1.5,1.25,x,IQ==,1,2,3`))
	f.Add([]byte(`"-1",,"a""b",,,,,,,` + "\r\n"))
	f.Add([]byte("a|b\tc"))
	codecs := []Codec{
		mustValue(f, Delimited, fuzzColumns(), Options{}),
		mustValue(f, Delimited, cols(col("A", types.TString), col("B", types.TString)), Options{Delimiter: "|"}),
		mustValue(f, Delimited, cols(col("A", types.TString), col("B", types.TInt)), Options{Delimiter: "TAB"}),
		mustKey(f, Delimited, cols(col("K", types.TString)), Options{Delimiter: "€"}),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range codecs {
			fuzzRoundTrip(t, c, data)
		}
	})
}

func FuzzDecodeKafka(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1})
	f.Add([]byte{0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a})
	f.Add([]byte("a\xffb"))
	var codecs []Codec
	for _, ty := range []*types.Type{types.TInt, types.TBigint, types.TDouble, types.TString, types.TBytes} {
		codecs = append(codecs, mustValue(f, Kafka, cols(col("V", ty)), Options{}), mustKey(f, Kafka, cols(col("K", ty)), Options{}))
	}
	codecs = append(codecs, mustKey(f, Kafka, nil, Options{}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range codecs {
			fuzzRoundTrip(t, c, data)
		}
		// Windowed keys must split any input without panicking.
		if k, s, err := DecodeTimeWindowKey(data); err == nil && string(EncodeTimeWindowKey(k, s)) != string(data) {
			t.Fatalf("time window key round trip of % x", data)
		}
		if k, s, e, err := DecodeSessionWindowKey(data); err == nil && string(EncodeSessionWindowKey(k, s, e)) != string(data) {
			t.Fatalf("session window key round trip of % x", data)
		}
	})
}
