package eval

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/sluicedb/sluice/sql/types"
)

func init() {
	strict("UCASE", func(a []any) (any, error) { return strings.ToUpper(a[0].(string)), nil })
	strict("LCASE", func(a []any) (any, error) { return strings.ToLower(a[0].(string)), nil })
	// Java's String.trim removes code points <= U+0020.
	isCtl := func(r rune) bool { return r <= ' ' }
	strict("TRIM", func(a []any) (any, error) { return strings.TrimFunc(a[0].(string), isCtl), nil })
	strict("LTRIM", func(a []any) (any, error) { return strings.TrimLeftFunc(a[0].(string), isCtl), nil })
	strict("RTRIM", func(a []any) (any, error) { return strings.TrimRightFunc(a[0].(string), isCtl), nil })
	strict("LEN", func(a []any) (any, error) {
		if b, ok := a[0].([]byte); ok {
			return int32(len(b)), nil
		}
		return int32(len([]rune(a[0].(string)))), nil
	})
	lenient("CONCAT", func(a []any) (any, error) {
		if len(a) > 0 {
			if _, isBytes := firstNonNil(a).([]byte); isBytes {
				var out []byte
				for _, x := range a {
					if x != nil {
						out = append(out, x.([]byte)...)
					}
				}
				return out, nil
			}
		}
		var sb strings.Builder
		for _, x := range a {
			if x != nil {
				sb.WriteString(x.(string))
			}
		}
		return sb.String(), nil
	})
	lenient("CONCAT_WS", func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		if sep, ok := a[0].([]byte); ok {
			var parts [][]byte
			for _, x := range a[1:] {
				if x != nil {
					parts = append(parts, x.([]byte))
				}
			}
			return bytes.Join(parts, sep), nil
		}
		var parts []string
		for _, x := range a[1:] {
			if x != nil {
				parts = append(parts, x.(string))
			}
		}
		return strings.Join(parts, a[0].(string)), nil
	})
	strict("SUBSTRING", func(a []any) (any, error) {
		pos := int(a[1].(int32))
		if b, ok := a[0].([]byte); ok {
			s, e := substringBounds(len(b), pos, a)
			return append([]byte(nil), b[s:e]...), nil
		}
		r := []rune(a[0].(string))
		s, e := substringBounds(len(r), pos, a)
		return string(r[s:e]), nil
	})
	strict("REPLACE", func(a []any) (any, error) {
		return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
	})
	strict("INSTR", func(a []any) (any, error) {
		s, sub := []rune(a[0].(string)), []rune(a[1].(string))
		pos, occ := 1, 1
		if len(a) > 2 {
			pos = int(a[2].(int32))
		}
		if len(a) > 3 {
			occ = int(a[3].(int32))
		}
		return int32(instr(s, sub, pos, occ)), nil
	})
	strict("LPAD", func(a []any) (any, error) { return pad(a, true), nil })
	strict("RPAD", func(a []any) (any, error) { return pad(a, false), nil })
	strict("SPLIT", func(a []any) (any, error) {
		if b, ok := a[0].([]byte); ok {
			sep := a[1].([]byte)
			var parts [][]byte
			if len(sep) == 0 {
				for i := range b {
					parts = append(parts, b[i:i+1])
				}
			} else {
				parts = bytes.Split(b, sep)
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = append([]byte(nil), p...)
			}
			return out, nil
		}
		s, sep := a[0].(string), a[1].(string)
		var parts []string
		if sep == "" {
			for _, r := range s {
				parts = append(parts, string(r))
			}
		} else {
			parts = strings.Split(s, sep)
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	})
	strict("SPLIT_TO_MAP", func(a []any) (any, error) {
		s, entryDelim, kvDelim := a[0].(string), a[1].(string), a[2].(string)
		if entryDelim == "" || kvDelim == "" || entryDelim == kvDelim {
			return nil, nil
		}
		m := &types.Map{}
		for _, e := range strings.Split(s, entryDelim) {
			if k, v, ok := strings.Cut(e, kvDelim); ok {
				m.Put(k, v)
			}
		}
		return m, nil
	})
	strict("INITCAP", func(a []any) (any, error) {
		var sb strings.Builder
		start := true
		for _, r := range a[0].(string) {
			if unicode.IsSpace(r) {
				start = true
				sb.WriteRune(r)
				continue
			}
			if start {
				sb.WriteRune(unicode.ToUpper(r))
			} else {
				sb.WriteRune(unicode.ToLower(r))
			}
			start = false
		}
		return sb.String(), nil
	})
	lenient("MASK", func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		m := newMasker(a[1:])
		return m.mask([]rune(a[0].(string)), 0, -1), nil
	})
	maskPart := func(name string, keep, left bool) {
		lenient(name, func(a []any) (any, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			r := []rune(a[0].(string))
			n := int(a[1].(int32))
			if n < 0 {
				return nil, fmt.Errorf("function input must be >= 0")
			}
			n = min(n, len(r))
			m := newMasker(a[2:])
			switch {
			case left && !keep:
				return m.mask(r, 0, n), nil
			case !left && !keep:
				return m.mask(r, len(r)-n, len(r)), nil
			case left && keep:
				return m.mask(r, n, len(r)), nil
			}
			return m.mask(r, 0, len(r)-n), nil
		})
	}
	maskPart("MASK_LEFT", false, true)
	maskPart("MASK_RIGHT", false, false)
	maskPart("MASK_KEEP_LEFT", true, true)
	maskPart("MASK_KEEP_RIGHT", true, false)
	strict("CHR", func(a []any) (any, error) {
		switch x := a[0].(type) {
		case int32:
			if x < 0 || x > unicode.MaxRune {
				return nil, nil
			}
			return string(rune(x)), nil
		case string:
			s := x
			if strings.HasPrefix(s, `\u`) || strings.HasPrefix(s, `\U`) {
				s = s[2:]
			}
			n, err := strconv.ParseUint(s, 16, 32)
			if err != nil || len(s) != 4 {
				return nil, nil
			}
			return string(rune(n)), nil
		}
		return nil, nil
	})
	strict("MD5", func(a []any) (any, error) {
		sum := md5.Sum([]byte(a[0].(string)))
		return hex.EncodeToString(sum[:]), nil
	})
	strict("UUID", func([]any) (any, error) {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		h := hex.EncodeToString(b[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
	})
	strict("TO_BYTES", func(a []any) (any, error) { return decodeString(a[0].(string), a[1].(string)) })
	strict("FROM_BYTES", func(a []any) (any, error) {
		// FROM_BYTES writes hex in upper case (bytes-and-strings.json), ENCODE in lower.
		v, err := encodeBytes(a[0].([]byte), a[1].(string))
		if s, ok := v.(string); ok && err == nil && strings.EqualFold(a[1].(string), "hex") {
			v = strings.ToUpper(s)
		}
		return v, err
	})
	strict("ENCODE", func(a []any) (any, error) {
		b, err := decodeString(a[0].(string), a[1].(string))
		if err != nil {
			return nil, err
		}
		return encodeBytes(b, a[2].(string))
	})
	lenient("ELT", func(a []any) (any, error) {
		if a[0] == nil {
			return nil, nil
		}
		n := int(a[0].(int32))
		if n < 1 || n >= len(a) {
			return nil, nil
		}
		return a[n], nil
	})
	lenient("FIELD", func(a []any) (any, error) {
		if a[0] == nil {
			return int32(0), nil
		}
		for i, x := range a[1:] {
			if x == a[0] {
				return int32(i + 1), nil
			}
		}
		return int32(0), nil
	})

	// Regular expressions (Go RE2 syntax, close to Java's for common patterns).
	// ksqlDB's REGEXP_EXTRACT[_ALL] take the pattern first, then the string.
	strict("REGEXP_EXTRACT", func(a []any) (any, error) {
		a = append([]any{a[1], a[0]}, a[2:]...)
		re, err := cachedRegexp(a[1].(string))
		if err != nil {
			return nil, err
		}
		g := 0
		if len(a) > 2 {
			g = int(a[2].(int32))
		}
		m := re.FindStringSubmatchIndex(a[0].(string))
		if m == nil || g < 0 || 2*g+1 >= len(m) || m[2*g] < 0 {
			return nil, nil
		}
		return a[0].(string)[m[2*g]:m[2*g+1]], nil
	})
	strict("REGEXP_EXTRACT_ALL", func(a []any) (any, error) {
		a = append([]any{a[1], a[0]}, a[2:]...)
		re, err := cachedRegexp(a[1].(string))
		if err != nil {
			return nil, err
		}
		g := 0
		if len(a) > 2 {
			g = int(a[2].(int32))
		}
		s := a[0].(string)
		out := []any{}
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			if g < 0 || 2*g+1 >= len(m) {
				return nil, nil
			}
			if m[2*g] < 0 {
				out = append(out, nil)
			} else {
				out = append(out, s[m[2*g]:m[2*g+1]])
			}
		}
		return out, nil
	})
	strict("REGEXP_REPLACE", func(a []any) (any, error) {
		re, err := cachedRegexp(a[1].(string))
		if err != nil {
			return nil, err
		}
		// Java's $1 group references work the same in Go's Expand syntax.
		return re.ReplaceAllString(a[0].(string), a[2].(string)), nil
	})
	strict("REGEXP_SPLIT_TO_ARRAY", func(a []any) (any, error) {
		re, err := cachedRegexp(a[1].(string))
		if err != nil {
			return nil, err
		}
		parts := re.Split(a[0].(string), -1)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	})

	// URLs.
	urlPart := func(name string, part func(u *url.URL) any) {
		strict(name, func(a []any) (any, error) {
			u, err := url.Parse(a[0].(string))
			if err != nil {
				return nil, nil
			}
			return part(u), nil
		})
	}
	emptyNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	urlPart("URL_EXTRACT_FRAGMENT", func(u *url.URL) any { return emptyNil(u.Fragment) })
	urlPart("URL_EXTRACT_HOST", func(u *url.URL) any { return emptyNil(u.Hostname()) })
	urlPart("URL_EXTRACT_PATH", func(u *url.URL) any { return u.EscapedPath() })
	urlPart("URL_EXTRACT_PROTOCOL", func(u *url.URL) any { return emptyNil(u.Scheme) })
	urlPart("URL_EXTRACT_QUERY", func(u *url.URL) any { return emptyNil(u.RawQuery) })
	urlPart("URL_EXTRACT_PORT", func(u *url.URL) any {
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return nil
		}
		return int32(p)
	})
	strict("URL_EXTRACT_PARAMETER", func(a []any) (any, error) {
		u, err := url.Parse(a[0].(string))
		if err != nil {
			return nil, nil
		}
		vals, ok := u.Query()[a[1].(string)]
		if !ok || len(vals) == 0 {
			return nil, nil
		}
		return vals[0], nil
	})
	strict("URL_ENCODE_PARAM", func(a []any) (any, error) { return url.QueryEscape(a[0].(string)), nil })
	strict("URL_DECODE_PARAM", func(a []any) (any, error) {
		s, err := url.QueryUnescape(a[0].(string))
		if err != nil {
			return nil, err
		}
		return s, nil
	})
}

func firstNonNil(a []any) any {
	for _, x := range a {
		if x != nil {
			return x
		}
	}
	return nil
}

// substringBounds applies ksqlDB's SUBSTRING: 1-based start, negative from
// the end, clamped to the value; an optional length from a[2].
func substringBounds(n, pos int, a []any) (int, int) {
	var start int
	if pos < 0 {
		start = max(n+pos, 0)
	} else {
		start = max(min(pos-1, n), 0)
	}
	end := n
	if len(a) > 2 {
		l := int(a[2].(int32))
		end = max(min(start+l, n), start)
	}
	return start, end
}

// instr follows ksqlDB's INSTR: a negative position searches backwards from
// the end; returns the 1-based index of the occ-th occurrence or 0.
func instr(s, sub []rune, pos, occ int) int {
	if occ <= 0 || pos == 0 {
		return 0
	}
	match := func(i int) bool {
		if i < 0 || i+len(sub) > len(s) {
			return false
		}
		for j := range sub {
			if s[i+j] != sub[j] {
				return false
			}
		}
		return true
	}
	if pos > 0 {
		for i := pos - 1; i <= len(s)-len(sub); i++ {
			if match(i) {
				occ--
				if occ == 0 {
					return i + 1
				}
			}
		}
		return 0
	}
	for i := len(s) + pos; i >= 0; i-- {
		if match(i) {
			occ--
			if occ == 0 {
				return i + 1
			}
		}
	}
	return 0
}

func pad(a []any, left bool) any {
	n := int(a[1].(int32))
	if n < 0 {
		return nil
	}
	if b, ok := a[0].([]byte); ok {
		p := a[2].([]byte)
		if len(p) == 0 && len(b) < n {
			return nil
		}
		if len(b) >= n {
			return append([]byte(nil), b[:n]...)
		}
		fill := bytes.Repeat(p, (n-len(b))/len(p)+1)[:n-len(b)]
		if left {
			return append(fill, b...)
		}
		return append(append([]byte(nil), b...), fill...)
	}
	s, p := []rune(a[0].(string)), []rune(a[2].(string))
	if len(s) >= n {
		return string(s[:n])
	}
	if len(p) == 0 {
		return nil
	}
	var fill []rune
	for len(fill) < n-len(s) {
		fill = append(fill, p...)
	}
	fill = fill[:n-len(s)]
	if left {
		return string(fill) + string(s)
	}
	return string(s) + string(fill)
}

type masker struct {
	upper, lower, digit, other any // string replacement, or nil to keep
}

func newMasker(a []any) masker {
	m := masker{upper: "X", lower: "x", digit: "n", other: "-"}
	if len(a) >= 4 {
		m = masker{upper: a[0], lower: a[1], digit: a[2], other: a[3]}
	}
	return m
}

func (m masker) mask(r []rune, from, to int) string {
	if to < 0 {
		to = len(r)
	}
	var sb strings.Builder
	for i, c := range r {
		if i < from || i >= to {
			sb.WriteRune(c)
			continue
		}
		var rep any
		switch {
		case unicode.IsUpper(c):
			rep = m.upper
		case unicode.IsLower(c):
			rep = m.lower
		case unicode.IsDigit(c):
			rep = m.digit
		default:
			rep = m.other
		}
		if s, ok := rep.(string); ok && s != "" {
			sb.WriteString(s[:1])
		} else {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

func decodeString(s, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "hex":
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		if len(s)%2 == 1 {
			s = "0" + s
		}
		return hex.DecodeString(s)
	case "utf8", "ascii":
		return []byte(s), nil
	case "base64":
		return base64.StdEncoding.DecodeString(s)
	}
	return nil, fmt.Errorf("unsupported encoding %q", enc)
}

func encodeBytes(b []byte, enc string) (any, error) {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "utf8", "ascii":
		return string(b), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", enc)
}

var regexCache sync.Map // pattern -> *regexp.Regexp

func cachedRegexp(p string) (*regexp.Regexp, error) {
	if re, ok := regexCache.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", p, err)
	}
	regexCache.Store(p, re)
	return re, nil
}
