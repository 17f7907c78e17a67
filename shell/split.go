package shell

import "github.com/sluicedb/sluice/sql/parser"

// Stmt is one complete statement cut from a larger input (parser.Span).
type Stmt = parser.Span

// Split cuts input into complete statements with their offsets and returns
// the unterminated remainder; the lexical rules live in one place,
// sql/parser.Split.
func Split(input string) ([]Stmt, string) { return parser.Split(input) }

// SplitStatements is Split without the offsets; each statement keeps its ';'.
func SplitStatements(input string) (stmts []string, rest string) {
	ss, rest := Split(input)
	for _, s := range ss {
		stmts = append(stmts, s.Text)
	}
	return stmts, rest
}

// Incomplete reports whether text holds the start of a statement that is not
// yet terminated, so an interactive reader should ask for more lines.
func Incomplete(text string) bool {
	_, rest := Split(text)
	return rest != ""
}
