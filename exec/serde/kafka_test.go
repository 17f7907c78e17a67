package serde

import (
	"bytes"
	"math"
	"testing"

	"github.com/sluicedb/sluice/sql/types"
)

func TestKafkaLayouts(t *testing.T) {
	cases := []struct {
		name  string
		typ   *types.Type
		val   any
		bytes []byte
	}{
		{"int", types.TInt, int32(1), []byte{0, 0, 0, 1}},
		{"int negative", types.TInt, int32(-2), []byte{0xff, 0xff, 0xff, 0xfe}},
		{"bigint", types.TBigint, int64(2), []byte{0, 0, 0, 0, 0, 0, 0, 2}},
		{"bigint min", types.TBigint, int64(math.MinInt64), []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"double", types.TDouble, 1.1, []byte{0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}},
		{"double -0", types.TDouble, math.Copysign(0, -1), []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"string", types.TString, "bär", []byte("bär")},
		{"empty string", types.TString, "", []byte{}},
		{"bytes", types.TBytes, []byte("variations"), []byte("variations")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, key := range []bool{true, false} {
				var c Codec
				if key {
					c = mustKey(t, Kafka, cols(col("K", tc.typ)), Options{})
				} else {
					c = mustValue(t, "kafka", cols(col("FOO", tc.typ)), Options{})
				}
				b, err := c.Encode([]any{tc.val})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, tc.bytes) {
					t.Fatalf("key=%v: Encode(%v) = % x, want % x", key, tc.val, b, tc.bytes)
				}
				if !key && len(tc.bytes) == 0 {
					continue // an empty value is a tombstone
				}
				got, err := c.Decode(tc.bytes)
				if err != nil {
					t.Fatal(err)
				}
				if dump(got) != dump([]any{tc.val}) {
					t.Fatalf("key=%v: Decode(% x) = %s, want %v", key, tc.bytes, dump(got), tc.val)
				}
			}
		})
	}
}

func TestKafkaDecode(t *testing.T) {
	k := func(ty *types.Type) []types.Column { return cols(col("K", ty)) }
	runDecode(t, []decodeCase{
		{name: "null key", format: Kafka, key: true, cols: k(types.TInt), nilIn: true, want: "[nil]"},
		{name: "empty string key", format: Kafka, key: true, cols: k(types.TString), in: "", want: `[""]`},
		{name: "keyless ignores bytes", format: Kafka, key: true, cols: nil, in: "ignored", want: "[]"},
		{name: "null value is tombstone", format: Kafka, cols: k(types.TInt), nilIn: true, want: "tombstone"},
		{name: "invalid utf8 replaced", format: Kafka, cols: k(types.TString), in: "a\xffb", want: `["a�b"]`},
		{name: "int size", format: Kafka, key: true, cols: k(types.TInt), in: "abc", err: "Size of data received by IntegerDeserializer is not 4, column: `K`"},
		{name: "empty int key", format: Kafka, key: true, cols: k(types.TInt), in: "", err: "Size of data received by IntegerDeserializer is not 4"},
		{name: "bigint size", format: Kafka, cols: k(types.TBigint), in: "abc", err: "Size of data received by LongDeserializer is not 8"},
		{name: "double size", format: Kafka, cols: k(types.TDouble), in: "abc", err: "Size of data received by Deserializer is not 8"},
	})
	runEncode(t, []encodeCase{
		{name: "null is a Kafka null", format: Kafka, cols: k(types.TInt), vals: []any{nil}, nilOut: true},
		{name: "keyless", format: Kafka, key: true, vals: []any{}, nilOut: true},
		{name: "int range", format: Kafka, cols: k(types.TInt), vals: []any{int64(1) << 40}, err: "does not match column type INTEGER"},
		{name: "wrong count", format: Kafka, cols: k(types.TInt), vals: []any{int32(1), int32(2)}, err: "got 2 values for 1 columns"},
	})
}

func TestNone(t *testing.T) {
	c := mustKey(t, None, nil, Options{})
	if got, err := c.Decode([]byte("data that should be ignored")); err != nil || len(got) != 0 || got == nil {
		t.Fatalf("Decode = %v, %v", got, err)
	}
	if b, err := c.Encode(nil); err != nil || b != nil {
		t.Fatalf("Encode = %q, %v", b, err)
	}
	if c.Format() != None {
		t.Fatal(c.Format())
	}
	v := mustValue(t, None, nil, Options{})
	if got, err := v.Decode(nil); err != nil || got != nil {
		t.Fatalf("value Decode(nil) = %v, %v", got, err)
	}
}

func TestWindowKeys(t *testing.T) {
	key := []byte{0, 0, 0, 7}
	tw := EncodeTimeWindowKey(key, 0x0102030405060708)
	if want := []byte{0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8}; !bytes.Equal(tw, want) {
		t.Fatalf("time window key = % x, want % x", tw, want)
	}
	k, start, err := DecodeTimeWindowKey(tw)
	if err != nil || !bytes.Equal(k, key) || start != 0x0102030405060708 {
		t.Fatalf("DecodeTimeWindowKey = % x, %d, %v", k, start, err)
	}
	sw := EncodeSessionWindowKey(key, 10, 20)
	if want := []byte{0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 10}; !bytes.Equal(sw, want) {
		t.Fatalf("session window key = % x, want % x", sw, want)
	}
	k, start, end, err := DecodeSessionWindowKey(sw)
	if err != nil || !bytes.Equal(k, key) || start != 10 || end != 20 {
		t.Fatalf("DecodeSessionWindowKey = % x, %d, %d, %v", k, start, end, err)
	}
	// The key part must not be extended into the window bytes by an append.
	k = append(k, 9)
	if sw[4] != 0 {
		t.Fatal("appending to the decoded key overwrote the window end")
	}
	if _, _, err := DecodeTimeWindowKey([]byte{1, 2}); err == nil {
		t.Fatal("short time-window key accepted")
	}
	if _, _, _, err := DecodeSessionWindowKey(make([]byte, 15)); err == nil {
		t.Fatal("short session-window key accepted")
	}
	// Negative starts (before the epoch) survive.
	if _, s, _ := DecodeTimeWindowKey(EncodeTimeWindowKey(nil, -5)); s != -5 {
		t.Fatalf("start = %d", s)
	}
}
