package ast

import "fmt"

// Category classifies user-facing errors. The server maps categories to HTTP
// status codes and the conformance runner maps ksqlDB exception types to them.
type Category int

const (
	SyntaxError   Category = iota // malformed SQL (ksqlDB: ParseFailedException)
	SemanticError                 // unknown names, type mismatches (ksqlDB: KsqlStatementException)
	CatalogError                  // exists / does not exist / in use
	KafkaError                    // broker unreachable, topic problems
	RuntimeError                  // record-level or query failures
	AssertError                   // ASSERT mismatch in tests
)

// Error is a user-facing error with a position in the statement text.
// A zero At (Line 0) means no position is known.
type Error struct {
	At       Pos
	Msg      string
	Category Category
	// Prefix goes before the position: ksqlDB wraps some positioned errors
	// in the step that failed ("Exception while preparing statement: ").
	Prefix string
	// Checked marks a syntax error found by a check after the grammar
	// accepted the text (a KEY column in a table): ksqlDB prints its
	// position as for other errors.
	Checked bool
}

// Error prints the position as ksqlDB does: "line L:C:" for syntax errors
// (its parser's form) and "Line: L, Col: C:" for the others.
func (e *Error) Error() string {
	if e.At.Line == 0 {
		return e.Prefix + e.Msg
	}
	if e.Category == SyntaxError && !e.Checked {
		return fmt.Sprintf("%sline %d:%d: %s", e.Prefix, e.At.Line, e.At.Col, e.Msg)
	}
	return fmt.Sprintf("%sLine: %d, Col: %d: %s", e.Prefix, e.At.Line, e.At.Col, e.Msg)
}

// Errorf builds a positioned error.
func Errorf(cat Category, at Pos, format string, args ...any) *Error {
	return &Error{At: at, Msg: fmt.Sprintf(format, args...), Category: cat}
}
