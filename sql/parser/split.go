package parser

import "strings"

// SplitStatements cuts input into complete statements, each ending at a ';'
// outside strings, quoted identifiers and comments (the ';' is excluded and
// surrounding whitespace trimmed; empty statements are dropped). rest is the
// unfinished remainder, trimmed, which is "" when input ends with a complete
// statement. It never fails: malformed text is the parser's business.
func SplitStatements(input string) (stmts []string, rest string) {
	start := 0
	for i := 0; i < len(input); i++ {
		switch c := input[i]; {
		case c == '\'' || c == '"' || c == '`':
			end := closingQuote(input, i)
			if end < 0 {
				return stmts, strings.TrimSpace(input[start:])
			}
			i = end
		case c == '-' && i+1 < len(input) && input[i+1] == '-':
			nl := strings.IndexByte(input[i:], '\n')
			if nl < 0 {
				// A trailing line comment is part of the remainder, which is
				// still only whitespace and comments if nothing precedes it.
				return stmts, restOf(input[start:])
			}
			i += nl
		case c == '/' && i+1 < len(input) && input[i+1] == '*':
			end := strings.Index(input[i+2:], "*/")
			if end < 0 {
				return stmts, strings.TrimSpace(input[start:])
			}
			i += end + 3
		case c == ';':
			if s := strings.TrimSpace(input[start:i]); s != "" && !onlyComments(s) {
				stmts = append(stmts, s)
			}
			start = i + 1
		}
	}
	return stmts, restOf(input[start:])
}

// restOf trims a remainder; one holding only comments counts as empty so
// the shell does not wait for more input after "-- note".
func restOf(s string) string {
	s = strings.TrimSpace(s)
	if onlyComments(s) {
		return ""
	}
	return s
}

// closingQuote returns the index of the quote closing the one at i, with a
// doubled quote standing for one, or -1.
func closingQuote(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j
		}
	}
	return -1
}

// onlyComments reports whether s has nothing but whitespace and comments.
func onlyComments(s string) bool {
	lx := newLexer(s)
	if err := lx.skipSpace(); err != nil {
		return false
	}
	return lx.off >= len(s)
}
