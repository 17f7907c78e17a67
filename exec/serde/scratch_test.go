package serde

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicedb/sluice/sql/types"
)

// checkDecodeInto checks that DecodeInto, with a Scratch and a dirty
// destination, agrees with Decode (which returned want, wantErr): the same
// values (a tombstone leaves every slot nil) or the same error.
func checkDecodeInto(t *testing.T, c Codec, data []byte, want []any, wantErr error) {
	t.Helper()
	n := columnsOf(c)
	if n < 0 {
		return
	}
	dst := make([]any, n)
	for i := range dst {
		dst[i] = "stale"
	}
	var s Scratch
	err := DecodeInto(c, dst, data, &s)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("DecodeInto(%q) error = %v, Decode error = %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	full := make([]any, n)
	copy(full, want)
	if dump(dst) != dump(full) {
		t.Fatalf("DecodeInto(%q) = %s, Decode = %s", data, dump(dst), dump(want))
	}
}

// checkAppendEncode checks that AppendEncode after existing bytes agrees
// with Encode (which returned want, wantErr).
func checkAppendEncode(t *testing.T, c Codec, vals []any, want []byte, wantErr error) {
	t.Helper()
	prefix := []byte("prefix")
	out, null, err := AppendEncode(c, prefix, vals)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("AppendEncode(%s) error = %v, Encode error = %v", dump(vals), err, wantErr)
	}
	if !bytes.HasPrefix(out, prefix) {
		t.Fatalf("AppendEncode(%s) lost the bytes before it: %q", dump(vals), out)
	}
	if err != nil {
		if len(out) != len(prefix) {
			t.Fatalf("AppendEncode(%s) failed but appended %q", dump(vals), out[len(prefix):])
		}
		return
	}
	if null != (want == nil) || string(out[len(prefix):]) != string(want) {
		t.Fatalf("AppendEncode(%s) = %q (null %v), Encode = %q (nil %v)", dump(vals), out[len(prefix):], null, want, want == nil)
	}
}

// columnsOf is the number of columns a codec decodes; -1 when unknown.
func columnsOf(c Codec) int {
	switch x := c.(type) {
	case *jsonCodec:
		return len(x.cols)
	case *kafkaCodec:
		if x.col == nil {
			return 0
		}
		return 1
	case *delimitedCodec:
		return len(x.cols)
	}
	return -1
}

func TestScratchBoxes(t *testing.T) {
	var s Scratch
	var ints, strs, stamps []any
	for i := range 1000 {
		v := int64(i)*1_000_003 - 500_000_000
		ints = append(ints, s.Int64(v))
		strs = append(strs, s.Str(s.String([]byte(fmt.Sprint("str-", i)))))
		stamps = append(stamps, boxTimestamp(&s, v))
	}
	runtime.GC() // chunks must stay alive through the values alone
	runtime.GC()
	seen := map[any]int{}
	for i := range 1000 {
		v := int64(i)*1_000_003 - 500_000_000
		got, ok := ints[i].(int64)
		if !ok || got != v || ints[i] != any(v) {
			t.Fatalf("Int64 box %d = %#v, want int64 %d", i, ints[i], v)
		}
		if ts, ok := stamps[i].(types.Timestamp); !ok || int64(ts) != v {
			t.Fatalf("Timestamp box %d = %#v, want %d", i, stamps[i], v)
		}
		if strs[i] != any(fmt.Sprint("str-", i)) {
			t.Fatalf("Str box %d = %#v", i, strs[i])
		}
		seen[ints[i]] = i
	}
	if seen[any(int64(7)*1_000_003-500_000_000)] != 7 || len(seen) != 1000 {
		t.Fatal("boxed values do not hash and compare as ordinary int64 values")
	}
	if s.Int64(5) != any(int64(5)) || s.Str("") != any("") || s.String(nil) != "" {
		t.Fatal("small and empty values")
	}
}

// TestScratchNeverRewrites decodes many records through one Scratch and
// checks that the values of earlier records are unchanged.
func TestScratchNeverRewrites(t *testing.T) {
	c := mustValue(t, JSON, cols(col("S", types.TString), col("L", types.TBigint), col("E", types.TString)), Options{})
	var s Scratch
	var kept [][]any
	for i := range 500 {
		dst := make([]any, 3)
		long := strings.Repeat("x", i%300)
		rec := fmt.Sprintf(`{"s":"v%d","l":%d,"e":"a\nb%s"}`, i, int64(i)<<33, long)
		if err := DecodeInto(c, dst, []byte(rec), &s); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, dst)
	}
	runtime.GC()
	for i, dst := range kept {
		want := fmt.Sprintf(`["v%d" int64(%d) "a\nb%s"]`, i, int64(i)<<33, strings.Repeat("x", i%300))
		if got := dump(dst); got != want {
			t.Fatalf("record %d now %s, want %s", i, got, want)
		}
	}
}

// TestSkipPlain puts each special byte at each position of a string and
// checks the word-at-a-time scan stops exactly there.
func TestSkipPlain(t *testing.T) {
	specials := []byte{'"', '\\', 0, 0x1f, 0x80, 0xff, '\n'}
	plain := []byte{' ', '!', '#', '[', ']', '~', 0x7f, 'a', '0', 0x21, 0x5b, 0x5d}
	for n := 0; n < 40; n++ {
		for _, p := range plain {
			b := bytes.Repeat([]byte{p}, n)
			if got := skipPlain(b, 0); got != n {
				t.Fatalf("skipPlain(%q) = %d, want %d", b, got, n)
			}
			if got := skipPlainString(string(b), 0); got != n {
				t.Fatalf("skipPlainString(%q) = %d, want %d", b, got, n)
			}
		}
		for pos := 0; pos < n; pos++ {
			for _, sp := range specials {
				b := bytes.Repeat([]byte{'a'}, n)
				b[pos] = sp
				for start := 0; start <= pos; start += 3 {
					if got := skipPlain(b, start); got != pos {
						t.Fatalf("skipPlain(%q, %d) = %d, want %d", b, start, got, pos)
					}
					if got := skipPlainString(string(b), start); got != pos {
						t.Fatalf("skipPlainString(%q, %d) = %d, want %d", b, start, got, pos)
					}
				}
			}
		}
	}
}

// refJSONString is the byte-at-a-time quoting appendJSONString replaced.
func refJSONString(s string) string {
	var out []byte
	out = append(out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, "\ufffd"...)
			} else {
				out = append(out, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c == '\n':
			out = append(out, `\n`...)
		case c == '\r':
			out = append(out, `\r`...)
		case c == '\t':
			out = append(out, `\t`...)
		case c == '\b':
			out = append(out, `\b`...)
		case c == '\f':
			out = append(out, `\f`...)
		case c < 0x20:
			out = append(out, fmt.Sprintf(`\u%04x`, c)...)
		default:
			out = append(out, c)
		}
		i++
	}
	return string(append(out, '"'))
}

func TestAppendJSONString(t *testing.T) {
	pieces := []string{"plain text", `"`, `\`, "\n", "\x01", "\x7f", "é", "€", "😀", "\xff", "\xe2\x82", "abcdefgh", "a\"b\\c"}
	for _, a := range pieces {
		for _, b := range pieces {
			for pad := 0; pad < 10; pad++ {
				s := strings.Repeat("x", pad) + a + strings.Repeat("y", pad%3) + b
				if got, want := string(appendJSONString(nil, s)), refJSONString(s); got != want {
					t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
				}
			}
		}
	}
}

// TestFastIntegers covers the one-pass integer path and its fallbacks.
func TestFastIntegers(t *testing.T) {
	c := mustValue(t, JSON, cols(col("L", types.TBigint), col("I", types.TInt)), Options{})
	for _, tc := range []struct{ in, want string }{
		{`{"L":123456789012,"I":7}`, "[int64(123456789012) int32(7)]"},
		{`{"L":999999999999999999}`, "[int64(999999999999999999) nil]"},
		{`{"L":9223372036854775807}`, "[int64(9223372036854775807) nil]"},
		{`{"L":9223372036854775808}`, "[int64(-9223372036854775808) nil]"},
		{`{"L":12.9,"I":3e2}`, "[int64(12) int32(300)]"},
		{`{"L":15E1 }`, "[int64(150) nil]"},
		{`{"L":0,"I":-5}`, "[int64(0) int32(-5)]"},
		{`{"I":4294967297}`, "[nil int32(1)]"},
		{`{"L":1 , "I" : 2}`, "[int64(1) int32(2)]"},
	} {
		got, err := c.Decode([]byte(tc.in))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tc.in, err)
		}
		if dump(got) != tc.want {
			t.Fatalf("Decode(%s) = %s, want %s", tc.in, dump(got), tc.want)
		}
		checkDecodeInto(t, c, []byte(tc.in), got, nil)
	}
	for _, bad := range []string{`{"L":12.}`, `{"L":1e}`, `{"L":12x}`, `{"L":01}`} {
		if _, err := c.Decode([]byte(bad)); err == nil {
			t.Fatalf("Decode(%s) accepted malformed JSON", bad)
		}
	}
}

// TestLowerCaseNames covers the lower-case fast path of field matching:
// names without letters, empty keys, exact and folded spellings.
func TestLowerCaseNames(t *testing.T) {
	c := mustValue(t, JSON, cols(col("_1", types.TInt), col("A", types.TInt), col("B_2", types.TInt)), Options{})
	for _, tc := range []struct{ in, want string }{
		{`{"":1,"_1":2,"a":3,"b_2":4}`, "[int32(2) int32(3) int32(4)]"},
		{`{"a":1,"A":2}`, "[nil int32(2) nil]"},
		{`{"A":1,"a":2}`, "[nil int32(1) nil]"},
		{`{"b_2":1,"B_2":5,"b_2":7}`, "[nil nil int32(5)]"},
	} {
		got, err := c.Decode([]byte(tc.in))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tc.in, err)
		}
		if dump(got) != tc.want {
			t.Fatalf("Decode(%s) = %s, want %s", tc.in, dump(got), tc.want)
		}
		checkDecodeInto(t, c, []byte(tc.in), got, nil)
	}
}

// TestKeyMemo decodes documents of varying layouts through one Scratch, so
// the remembered keys are hit, missed and replaced, and checks every result
// against Decode.
func TestKeyMemo(t *testing.T) {
	c := mustValue(t, JSON, cols(col("A", types.TBigint), col("B", types.TString), col("c", types.TInt)), Options{})
	docs := []string{
		`{"a":1,"b":"x","c":3}`,
		`{"a":2,"b":"y","c":4}`,
		`{"A":5,"a":6,"b":"z","c":7}`,
		`{"b":"w","a":8}`,
		`{"a" :9, "b":"v" ,"c":10}`,
		`{"\u0061":11,"b":"u","C":12}`,
		`{"ab":1,"b":"t","c":13}`,
		`{"a":1}`,
		`{}`,
		`{"c":14,"c":15,"a":16}`,
		`{"a":1,"b":"s","c":1.5,"d":{"a":1}}`,
		`{"a":"17","b":18,"c":"19"}`,
		`{"a":1,"b":"x","c":3`,
		`{"a":1,"b":"x","c":3,}`,
		`{"a":1,"b:"x"}`,
	}
	var s Scratch
	for i := range 3000 {
		doc := []byte(docs[(i*7+i/len(docs))%len(docs)])
		want, wantErr := c.Decode(doc)
		dst := []any{"stale", "stale", "stale"}
		err := DecodeInto(c, dst, doc, &s)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("document %d %s: DecodeInto error %v, Decode error %v", i, doc, err, wantErr)
		}
		if err == nil && dump(dst) != dump(want) {
			t.Fatalf("document %d %s: DecodeInto = %s, Decode = %s", i, doc, dump(dst), dump(want))
		}
	}
	if m := s.memo(c.(*jsonCodec)); len(m.keys) == 0 || m.keys[0].raw == "" {
		t.Fatal("no keys remembered")
	}
}
