package parser

import "strings"

// Span is one complete statement cut from a larger input.
type Span struct {
	// Text runs from the statement's first token to its terminating ';'
	// inclusive. Comments before the first token are dropped so that error
	// positions count from the statement itself.
	Text string
	// Offset is the byte offset of Text in the input.
	Offset int
}

// Split cuts input into complete ';'-terminated statements with their
// offsets, so a caller (the shell, the SQL test runner) can report line
// numbers in the original input; rest is the unterminated remainder, trimmed,
// "" when only whitespace and comments are left.
//
// Lexical rules honoured: single-quoted strings, `...` and "..." quoted
// identifiers (in all three a doubled quote escapes one), -- line comments and
// /* */ block comments. A ';' inside any of these does not end a statement.
func Split(input string) (stmts []Span, rest string) {
	start := -1 // offset of the current statement's first token
	i := 0
	for i < len(input) {
		c := input[i]
		switch {
		case c == '-' && i+1 < len(input) && input[i+1] == '-':
			j := strings.IndexByte(input[i:], '\n')
			if j < 0 {
				i = len(input)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(input) && input[i+1] == '*':
			j := strings.Index(input[i+2:], "*/")
			if start < 0 {
				// An unterminated comment before any token still leaves the
				// input incomplete: the user is in the middle of typing it.
				if j < 0 {
					return stmts, strings.TrimSpace(input[i:])
				}
			}
			if j < 0 {
				i = len(input)
			} else {
				i += j + 4
			}
		case c == '\'' || c == '`' || c == '"':
			if start < 0 {
				start = i
			}
			i = skipQuoted(input, i)
		case c == ';':
			if start >= 0 {
				stmts = append(stmts, Span{Text: input[start : i+1], Offset: start})
			}
			start = -1
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		default:
			if start < 0 {
				start = i
			}
			i++
		}
	}
	if start < 0 {
		return stmts, ""
	}
	return stmts, strings.TrimSpace(input[start:])
}

// skipQuoted returns the offset just past the quoted token that starts at i,
// or len(s) when it is not closed. A doubled quote is an escaped quote.
func skipQuoted(s string, i int) int {
	q := s[i]
	i++
	for i < len(s) {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(s)
}

// SplitStatements cuts input into complete statements, each ending at a ';'
// outside strings, quoted identifiers and comments (the ';' is excluded and
// surrounding whitespace trimmed; empty statements are dropped). rest is the
// unfinished remainder, trimmed, which is "" when input ends with a complete
// statement. It never fails: malformed text is the parser's business.
func SplitStatements(input string) (stmts []string, rest string) {
	spans, rest := Split(input)
	for _, sp := range spans {
		if s := strings.TrimSpace(strings.TrimSuffix(sp.Text, ";")); s != "" && !onlyComments(s) {
			stmts = append(stmts, s)
		}
	}
	return stmts, restOf(rest)
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

// onlyComments reports whether s has nothing but whitespace and comments.
func onlyComments(s string) bool {
	lx := newLexer(s)
	if err := lx.skipSpace(); err != nil {
		return false
	}
	return lx.off >= len(s)
}
