package shell

import "strings"

// Stmt is one complete statement cut from a larger input.
type Stmt struct {
	// Text runs from the statement's first token to its terminating ';'
	// inclusive. Comments before the first token are dropped so that error
	// positions count from the statement itself.
	Text string
	// Offset is the byte offset of Text in the input.
	Offset int
}

// SplitStatements cuts input into complete ';'-terminated statements and
// returns the unterminated remainder (trimmed; "" when only whitespace and
// comments are left). It mirrors sql/parser.SplitStatements but lives here on
// purpose: the shell must keep working while the parser is being changed, and
// deciding where a statement ends needs only the lexical rules below.
func SplitStatements(input string) (stmts []string, rest string) {
	ss, rest := Split(input)
	for _, s := range ss {
		stmts = append(stmts, s.Text)
	}
	return stmts, rest
}

// Split is SplitStatements with the offset of each statement, so a caller can
// report line numbers in the original input.
//
// Lexical rules honoured: single-quoted strings, `...` and "..." quoted
// identifiers (in all three a doubled quote escapes one), -- line comments and
// /* */ block comments. A ';' inside any of these does not end a statement.
func Split(input string) (stmts []Stmt, rest string) {
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
				stmts = append(stmts, Stmt{Text: input[start : i+1], Offset: start})
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

// Incomplete reports whether text holds the start of a statement that is not
// yet terminated, so an interactive reader should ask for more lines.
func Incomplete(text string) bool {
	_, rest := Split(text)
	return rest != ""
}
