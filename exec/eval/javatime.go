package eval

import (
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones for CONVERT_TZ and format functions, independent of the host

	"github.com/sluicedb/sluice/planner/expr"
)

var layoutCache sync.Map // Java pattern -> Go layout

// javaLayout translates a java.time DateTimeFormatter pattern such as
// "yyyy-MM-dd'T'HH:mm:ss.SSSX" into a Go time layout.
func javaLayout(p string) (string, error) {
	if l, ok := layoutCache.Load(p); ok {
		return l.(string), nil
	}
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); {
		c := rs[i]
		if c == '\'' {
			j := i + 1
			if j < len(rs) && rs[j] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			for j < len(rs) && rs[j] != '\'' {
				b.WriteRune(rs[j])
				j++
			}
			i = j + 1
			continue
		}
		n := 1
		for i+n < len(rs) && rs[i+n] == c {
			n++
		}
		i += n
		switch c {
		case 'y', 'u':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			case n == 2:
				b.WriteString("01")
			default:
				b.WriteString("1")
			}
		case 'd':
			if n == 2 {
				b.WriteString("02")
			} else {
				b.WriteString("2")
			}
		case 'D':
			b.WriteString("002")
		case 'H', 'k':
			b.WriteString("15")
		case 'h', 'K':
			if n == 2 {
				b.WriteString("03")
			} else {
				b.WriteString("3")
			}
		case 'm':
			if n == 2 {
				b.WriteString("04")
			} else {
				b.WriteString("4")
			}
		case 's':
			if n == 2 {
				b.WriteString("05")
			} else {
				b.WriteString("5")
			}
		case 'S':
			// Go only knows fractions right after a '.' or ','.
			s := b.String()
			if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ",") {
				// A marker formatJava fills in: Go's layouts only know
				// fractions right after '.' or ','.
				if n > 9 {
					n = 9
				}
				b.WriteString(fracMarker + string(rune(n)))
				continue
			}
			b.WriteString(strings.Repeat("0", n))
		case 'a':
			b.WriteString("PM")
		case 'E':
			if n >= 4 {
				b.WriteString("Monday")
			} else {
				b.WriteString("Mon")
			}
		case 'z':
			b.WriteString("MST")
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			switch n {
			case 1:
				b.WriteString("Z07")
			case 2, 4:
				b.WriteString("Z0700")
			default:
				b.WriteString("Z07:00")
			}
		case 'x':
			switch n {
			case 1:
				b.WriteString("-07")
			case 2, 4:
				b.WriteString("-0700")
			default:
				b.WriteString("-07:00")
			}
		default:
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", fmt.Errorf("unsupported date pattern letter %q in %q", c, p)
			}
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	l := b.String()
	layoutCache.Store(p, l)
	return l, nil
}

// fracMarker followed by a control character holding the digit count stands
// for a fraction of a second that does not follow '.' in a Java pattern
// (e.g. "HH_mm_ss_SSS"). Control characters are never Go layout tokens.
const fracMarker = "\x00"

func formatJava(t time.Time, pattern string) (any, error) {
	l, err := javaLayout(pattern)
	if err != nil {
		return nil, err
	}
	out := t.Format(l)
	for i := strings.Index(out, fracMarker); i >= 0; i = strings.Index(out, fracMarker) {
		n := int(out[i+len(fracMarker)])
		frac := fmt.Sprintf("%09d", t.Nanosecond())[:n]
		out = out[:i] + frac + out[i+len(fracMarker)+1:]
	}
	return out, nil
}

func parseJava(s, pattern string, loc *time.Location) (time.Time, error) {
	l, err := javaLayout(pattern)
	if err != nil {
		return time.Time{}, err
	}
	if strings.Contains(l, fracMarker) {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed with pattern '%s': a fraction must follow '.' here", s, pattern)
	}
	if strings.Contains(l, "PM") {
		// Java reads AM/PM in any case; Go only in upper case.
		s = upperAmPm(s)
	}
	t, err := time.ParseInLocation(l, s, loc)
	if err != nil && strings.Contains(l, "Z07") && !strings.Contains(l, "Z0700") && !strings.Contains(l, "Z07:00") {
		// Java's single X reads an offset of hours with optional
		// minutes (+01 or +0130); Go's Z07 only the hours.
		t, err = time.ParseInLocation(strings.Replace(l, "Z07", "Z0700", 1), s, loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed with pattern '%s'", s, pattern)
	}
	return t, nil
}

func upperAmPm(s string) string {
	low := strings.ToLower(s)
	for _, w := range []string{"am", "pm"} {
		if i := strings.LastIndex(low, w); i >= 0 {
			return s[:i] + strings.ToUpper(w) + s[i+2:]
		}
	}
	return s
}

// ParseTimestamp reads s with a Java date pattern in UTC, as ksqlDB's
// timestamp extractor does for STRING timestamp columns; an empty pattern
// means ISO-8601.
func ParseTimestamp(s, pattern string) (int64, error) {
	if pattern == "" {
		t, err := expr.ParseTimestampISO(s)
		return int64(t), err
	}
	t, err := parseJava(s, pattern, time.UTC)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}
